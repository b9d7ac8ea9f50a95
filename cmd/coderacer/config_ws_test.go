package main

import (
	"testing"
	"time"

	"github.com/coderacer/coderacer/internal/api"
)

func TestWSSettings(t *testing.T) {
	env := map[string]string{
		"CODERACER_WS_MAX_SESSIONS":        "7",
		"CODERACER_WS_OUTPUT_BUFFER_BYTES": "512KiB",
		"CODERACER_WS_WRITE_TIMEOUT":       "3s",
	}
	c, err := parseServeConfig([]string{"--ws-drain-timeout", "9s"}, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	want := api.WSOptions{MaxSessions: 7, OutputBuffer: 512 << 10, WriteTimeout: 3 * time.Second, DrainTimeout: 9 * time.Second}
	if c.WebSocket != want {
		t.Errorf("got %+v, want %+v", c.WebSocket, want)
	}
	if c, _ := parseServeConfig(nil, func(string) string { return "" }); c.WebSocket != api.DefaultWSOptions() {
		t.Errorf("defaults %+v, want %+v", c.WebSocket, api.DefaultWSOptions())
	}
	if _, err := parseServeConfig([]string{"--ws-max-sessions", "0"}, func(string) string { return "" }); err == nil {
		t.Error("0 sessions accepted")
	}
}
