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
