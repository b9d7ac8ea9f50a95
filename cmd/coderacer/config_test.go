package main

import (
	"strings"
	"testing"
	"time"
)

// TestAPISettings: the API bounds are read from the environment and
// checked.
func TestAPISettings(t *testing.T) {
	env := map[string]string{
		"CODERACER_MAX_ARG_BYTES":         "1KiB",
		"CODERACER_MAX_ARGS_BYTES":        "2MiB",
		"CODERACER_MAX_STDIN_BYTES":       "1MiB",
		"CODERACER_MAX_CONNECTIONS":       "10",
		"CODERACER_BODY_MEMORY_BYTES":     "16MiB",
		"CODERACER_RESPONSE_MEMORY_BYTES": "32MiB",
		"CODERACER_WRITE_TIMEOUT":         "3s",
	}
	c, err := parseServeConfig(nil, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if c.MaxArgBytes != 1<<10 || c.MaxArgsBytes != 2<<20 || c.MaxStdinBytes != 1<<20 || c.MaxConnections != 10 ||
		c.BodyMemoryBytes != 16<<20 || c.ResponseMemoryBytes != 32<<20 || c.WriteTimeout != 3*time.Second {
		t.Errorf("got %+v", c)
	}
	for k, v := range map[string]string{
		"CODERACER_MAX_ARG_BYTES":         "131072",
		"CODERACER_MAX_ARGS_BYTES":        "5MiB",
		"CODERACER_MAX_CONNECTIONS":       "0",
		"CODERACER_BODY_MEMORY_BYTES":     "1MiB",
		"CODERACER_RESPONSE_MEMORY_BYTES": "0",
		"CODERACER_WRITE_TIMEOUT":         "-1s",
	} {
		_, err := parseServeConfig(nil, func(key string) string {
			if key == k {
				return v
			}
			return ""
		})
		if err == nil || !strings.Contains(err.Error(), "must") {
			t.Errorf("%s=%s: error %v, want a refusal", k, v, err)
		}
	}
}
