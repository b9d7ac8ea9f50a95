package main

import (
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/coderacer/coderacer/internal/api"
	"github.com/coderacer/coderacer/internal/engine"
	"github.com/coderacer/coderacer/internal/sandbox"
)

func noEnv(string) string { return "" }

// TestServeConfigDefaults: without environment or flags, the configuration
// is the packages' exported defaults.
func TestServeConfigDefaults(t *testing.T) {
	c, err := parseServeConfig(nil, noEnv)
	if err != nil {
		t.Fatal(err)
	}
	if want := defaultServeConfig(); !reflect.DeepEqual(c, want) {
		t.Errorf("got %+v\nwant %+v", c, want)
	}
	for _, d := range []struct {
		name      string
		got, want any
	}{
		{"port", c.Port, 8000},
		{"max files", c.MaxFiles, engine.DefaultMaxFiles},
		{"queue size", c.QueueSize, engine.DefaultQueueSize},
		{"cache", c.CacheBytes, int64(engine.DefaultCacheBytes)},
		{"tmpfs", c.TmpfsBytes, int64(sandbox.DefaultTmpfsBytes)},
		{"uid base", c.BoxUIDBase, sandbox.DefaultFirstUID},
		{"max body", c.MaxBodyBytes, int64(api.DefaultMaxBodyBytes)},
		{"max stdin", c.MaxStdinBytes, int64(api.DefaultMaxStdinBytes)},
		{"write timeout", c.WriteTimeout, api.DefaultWriteTimeout},
		{"websocket", c.WebSocket, api.DefaultWSOptions()},
		{"run limits", c.Run, engine.DefaultRunPolicy()},
		{"compile limits", c.Compile, engine.DefaultCompilePolicy()},
		{"open paths", c.Access.OpenPaths, api.DefaultOpenPaths},
		{"no network", c.NoNetwork, true},
	} {
		if !reflect.DeepEqual(d.got, d.want) {
			t.Errorf("%s: %v, want %v", d.name, d.got, d.want)
		}
	}
}

// TestServeConfigRoundTrip: every setting reads what it shows, so that
// the output of `coderacer config` can be fed back as the environment.
func TestServeConfigRoundTrip(t *testing.T) {
	c := defaultServeConfig()
	for _, s := range c.settings() {
		shown := s.value.String()
		if shown == "" {
			continue // unset: the environment variable stays empty
		}
		if err := s.value.Set(shown); err != nil {
			t.Errorf("%s: %q does not read back: %v", s.env, shown, err)
		} else if again := s.value.String(); again != shown {
			t.Errorf("%s: %q reads back as %q", s.env, shown, again)
		}
	}
}

// freeSettings take any string; their meaning is checked later (the log
// level by the logger) or by the system (addresses by listen).
var freeSettings = map[string]bool{
	"CODERACER_LOG_LEVEL":    true,
	"CODERACER_PPROF_ADDR":   true,
	"CODERACER_METRICS_ADDR": true,
	// Any path, any secret.
	"CODERACER_DATA_DIR":        true,
	"CODERACER_CALLBACK_SECRET": true,
}

// checkedSettings take any string and are refused by the check that
// follows, in words of their own.
var checkedSettings = map[string]bool{
	"CODERACER_LOG_FORMAT":    true,
	"CODERACER_API_KEYS":      true,
	"CODERACER_API_KEYS_FILE": true,
}

// TestServeConfigParseErrors: a malformed value of any setting, from the
// environment or a flag, is refused, and the error names the setting.
func TestServeConfigParseErrors(t *testing.T) {
	const bad = "@not-a-value@"
	quietUsage(t)
	c := defaultServeConfig()
	settings := c.settings()
	if len(settings) < 60 {
		t.Fatalf("only %d settings: the table lost some", len(settings))
	}
	for _, s := range settings {
		if freeSettings[s.env] {
			continue
		}
		_, err := parseServeConfig(nil, func(k string) string {
			if k == s.env {
				return bad
			}
			return ""
		})
		if err == nil || !checkedSettings[s.env] && !strings.Contains(err.Error(), s.env) {
			t.Errorf("%s=%s: error %v, want one naming %s", s.env, bad, err, s.env)
		}
		_, err = parseServeConfig([]string{"-" + s.flag + "=" + bad}, noEnv)
		if err == nil || !checkedSettings[s.env] && !strings.Contains(err.Error(), s.flag) {
			t.Errorf("-%s=%s: error %v, want one naming the flag", s.flag, bad, err)
		}
	}
}

// TestServeConfigPrecedence: a flag wins over the environment, which wins
// over the default, for settings of every kind.
func TestServeConfigPrecedence(t *testing.T) {
	for _, tc := range []struct {
		env, flag      string
		fromEnv, given string // the environment's value, the flag's
		get            func(serveConfig) string
	}{
		{"PORT", "port", "9001", "9002", func(c serveConfig) string { return itoa(c.Port) }},
		{"CODERACER_MAX_BODY_BYTES", "max-body-bytes", "2MiB", "3MiB", func(c serveConfig) string { return itoa(int(c.MaxBodyBytes>>20)) + "MiB" }},
		{"CODERACER_DRAIN_DELAY", "drain-delay", "2s", "3s", func(c serveConfig) string { return c.DrainDelay.String() }},
		{"CODERACER_LOG_FORMAT", "log-format", "text", "json", func(c serveConfig) string { return c.LogFormat }},
		{"DISABLE_NETWORKING", "disable-networking", "1", "0", func(c serveConfig) string { return formatBool(c.NoNetwork) }},
		{"CODERACER_RATE_LIMIT", "rate-limit", "2", "3", func(c serveConfig) string { return formatFloat(c.Access.RateLimit) }},
		{"CODERACER_ALLOWED_ORIGINS", "allowed-origins", "https://a.example", "https://b.example", func(c serveConfig) string { return noneList(c.AllowedOrigins) }},
		{"CODERACER_TRUSTED_PROXIES", "trusted-proxies", "10.0.0.0/8", "192.168.0.0/16", func(c serveConfig) string { return joinList(c.Access.TrustedProxies) }},
		{"CODERACER_RUN_WALL_TIME", "run-wall-time", "2s", "4s", func(c serveConfig) string { return c.Run.Default.WallTime.String() }},
	} {
		env := func(k string) string {
			if k == tc.env {
				return tc.fromEnv
			}
			return ""
		}
		c, err := parseServeConfig(nil, env)
		if err != nil {
			t.Fatalf("%s=%s: %v", tc.env, tc.fromEnv, err)
		}
		if got := tc.get(c); got != tc.fromEnv {
			t.Errorf("%s=%s: got %s", tc.env, tc.fromEnv, got)
		}
		c, err = parseServeConfig([]string{"-" + tc.flag + "=" + tc.given}, env)
		if err != nil {
			t.Fatalf("-%s %s: %v", tc.flag, tc.given, err)
		}
		if got := tc.get(c); got != tc.given {
			t.Errorf("%s=%s -%s %s: got %s, want the flag's", tc.env, tc.fromEnv, tc.flag, tc.given, got)
		}
	}
}

// quietUsage sends the usage the flag package prints on every error
// away for the rest of the test.
func quietUsage(t *testing.T) {
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	stderr := os.Stderr
	os.Stderr = null
	t.Cleanup(func() { os.Stderr = stderr; null.Close() })
}

func itoa(n int) string { return formatInt64(int64(n)) }

// TestServeConfigUnexpectedArgument: serve takes flags only.
func TestServeConfigUnexpectedArgument(t *testing.T) {
	if _, err := parseServeConfig([]string{"extra"}, noEnv); err == nil || !strings.Contains(err.Error(), "extra") {
		t.Errorf("error %v, want one naming the argument", err)
	}
}
