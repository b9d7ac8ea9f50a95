package main

import (
	"testing"

	"github.com/coderacer/coderacer/internal/api"
)

func TestJudgeSettings(t *testing.T) {
	env := map[string]string{
		"CODERACER_JUDGE_MAX_BODY_BYTES":           "16MiB",
		"CODERACER_JUDGE_MAX_TESTS":                "50",
		"CODERACER_JUDGE_MAX_OUTPUT_PREVIEW_BYTES": "8KiB",
	}
	c, err := parseServeConfig([]string{"--judge-max-test-bytes", "1MiB"}, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	want := api.JudgeOptions{MaxBodyBytes: 16 << 20, MaxTests: 50, MaxTestBytes: 1 << 20, MaxOutputPreviewBytes: 8 << 10}
	if c.Judge != want {
		t.Errorf("got %+v, want %+v", c.Judge, want)
	}
	if got := apiOptions(c, nil).Judge; got != want {
		t.Errorf("api options %+v, want %+v", got, want)
	}
	if c, _ := parseServeConfig(nil, func(string) string { return "" }); c.Judge != api.DefaultJudgeOptions() {
		t.Errorf("defaults %+v, want %+v", c.Judge, api.DefaultJudgeOptions())
	}
	for _, bad := range [][]string{
		{"--judge-max-tests", "0"},
		{"--judge-max-test-bytes", "0"},
		{"--judge-max-output-preview-bytes", "1KiB"},
		{"--judge-max-body-bytes", "0"},
	} {
		if _, err := parseServeConfig(bad, func(string) string { return "" }); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}
