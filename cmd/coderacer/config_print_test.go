package main

import (
	"strings"
	"testing"
)

func TestPrintConfig(t *testing.T) {
	t.Setenv("CODERACER_QUEUE_SIZE", "7")
	t.Setenv("PORT", "9001")
	var out strings.Builder
	if err := printConfig([]string{"--port", "9002", "--log-format", "json"}, &out); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	cfg := defaultServeConfig()
	if len(lines) != len(cfg.settings()) {
		t.Errorf("%d lines for %d settings:\n%s", len(lines), len(cfg.settings()), out.String())
	}
	for _, want := range []string{"PORT=9002", "CODERACER_QUEUE_SIZE=7", "CODERACER_LOG_FORMAT=json", "DISABLE_NETWORKING=1"} {
		if !strings.Contains(out.String(), want+"\n") {
			t.Errorf("no line %s in:\n%s", want, out.String())
		}
	}
}

func TestPrintConfigRefusesWhatServeRefuses(t *testing.T) {
	var out strings.Builder
	if err := printConfig([]string{"--log-format", "xml"}, &out); err == nil {
		t.Errorf("log format xml accepted: %s", out.String())
	}
}

func TestAllowedOrigins(t *testing.T) {
	for _, bad := range []string{"judge.example.org", "ftp://x", "https://x/path", "https://user@x", "https://"} {
		if _, err := parseServeConfig([]string{"--allowed-origins", bad}, func(string) string { return "" }); err == nil {
			t.Errorf("origin %q accepted", bad)
		}
	}
	cfg, err := parseServeConfig([]string{"--allowed-origins", "https://a.example, http://b.example:8080/"}, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(cfg.AllowedOrigins, " "); got != "https://a.example http://b.example:8080" {
		t.Errorf("origins %q", got)
	}
}

// TestPrintConfigRedactsKeys: the keys never reach the output, which may
// end up in a bug report; the derived defaults do.
func TestPrintConfigRedactsKeys(t *testing.T) {
	const secret = "very-secret-key-0123456789"
	t.Setenv("CODERACER_API_KEYS", "alice:"+secret)
	t.Setenv("CODERACER_CALLBACK_SECRET", secret)
	t.Setenv("CODERACER_RATE_LIMIT", "2.5")
	t.Setenv("CODERACER_CPU_RATE", "0.5")
	var out strings.Builder
	if err := printConfig(nil, &out); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), secret) || !strings.Contains(out.String(), "CODERACER_API_KEYS=(redacted)\n") ||
		!strings.Contains(out.String(), "CODERACER_CALLBACK_SECRET=(redacted)\n") {
		t.Errorf("keys not redacted:\n%s", out.String())
	}
	for _, want := range []string{"CODERACER_RATE_BURST=3", "CODERACER_CPU_BURST=30", "CODERACER_OPEN_PATHS=/api/v1/health,"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("no %s in:\n%s", want, out.String())
		}
	}
}

func TestAccessSettingsRefused(t *testing.T) {
	for _, env := range []map[string]string{
		{"CODERACER_API_KEYS": "alice:short"},
		{"CODERACER_API_KEYS": "alice"},
		{"CODERACER_API_KEYS_FILE": "/nonexistent/keys"},
		{"CODERACER_RATE_LIMIT": "-1"},
		{"CODERACER_RATE_BURST": "5"},
		{"CODERACER_CPU_RATE": "NaN"},
		{"CODERACER_OPEN_PATHS": "health"},
		{"CODERACER_TRUSTED_PROXIES": "10.0.0.1"},
	} {
		if _, err := parseServeConfig(nil, func(k string) string { return env[k] }); err == nil {
			t.Errorf("%v accepted", env)
		}
	}
}
