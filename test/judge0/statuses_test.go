package judge0

import (
	"net/http"
	"strings"
	"testing"
)

// TestStatuses: Judge0's statuses from real runs, all queued at once.
func TestStatuses(t *testing.T) {
	cases := []struct {
		name   string
		s      Submission
		status int
		check  func(r Result) string // "" when fine
	}{
		{"compile error", sub(54, "int main() { return x; }\n"), 6, func(r Result) string {
			if !strings.Contains(dec(t, r["compile_output"]), "error") {
				return "compile_output " + dec(t, r["compile_output"])
			}
			return ""
		}},
		{"wrong answer", sub(71, "print(41)\n", "expected_output", enc("42\n")), 4, nil},
		{"accepted despite trailing space", sub(71, "print('42  ')\nprint()\n", "expected_output", enc("42")), 3, nil},
		{"time limit", sub(71, "while True: pass\n", "cpu_time_limit", 1, "wall_time_limit", 3), 5, nil},
		{"non-zero exit", sub(71, "import sys\nsys.exit(3)\n"), 11, func(r Result) string {
			if r["exit_code"] != 3.0 {
				return "exit_code not 3"
			}
			return ""
		}},
		{"segfault", sub(54, "int main() { volatile int *p = nullptr; *p = 1; }\n"), 7, func(r Result) string {
			if r["exit_signal"] != 11.0 {
				return "exit_signal not 11"
			}
			return ""
		}},
		{"memory limit", sub(71, "x = bytearray(200 * 1024 * 1024)\nprint(len(x))\n", "memory_limit", 65536), 12, func(r Result) string {
			if !strings.HasPrefix(dec(t, r["message"]), "Memory limit exceeded") {
				return "message " + dec(t, r["message"])
			}
			return ""
		}},
	}
	var tokens []string
	for _, c := range cases {
		tokens = append(tokens, create(t, c.s))
	}
	rs := poll(t, tokens...)
	for i, c := range cases {
		r := rs[i]
		if r.statusID() != c.status {
			t.Errorf("%s: status %v, want %d (message %q, stdout %q, stderr %q)", c.name, r["status"], c.status,
				dec(t, r["message"]), dec(t, r["stdout"]), dec(t, r["stderr"]))
			continue
		}
		if c.check != nil {
			if msg := c.check(r); msg != "" {
				t.Errorf("%s: %s", c.name, msg)
			}
		}
	}
}

// TestRefused: what Judge0 refuses at submission, and unknown tokens
// and fields.
func TestRefused(t *testing.T) {
	for _, c := range []struct {
		s     map[string]any
		field string
	}{
		{map[string]any{"source_code": "x", "language_id": 9999}, "language_id"},
		{map[string]any{"source_code": "x", "language_id": 71, "cpu_time_limit": 16}, "cpu_time_limit"},
		{map[string]any{"source_code": "x", "language_id": 71, "number_of_runs": 21}, "number_of_runs"},
		{map[string]any{"source_code": "x", "language_id": 54, "compiler_options": "-fplugin=/tmp/x.so"}, "compiler_options"},
		{map[string]any{"source_code": "x", "language_id": 71, "additional_files": enc("not a zip")}, "additional_files"},
		{map[string]any{"language_id": 71}, "source_code"},
		{map[string]any{"source_code": "x", "language_id": 71, "enable_network": true}, "enable_network"},
	} {
		var errs map[string][]string
		callJSON(t, http.MethodPost, "/submissions", c.s, http.StatusUnprocessableEntity, &errs)
		if len(errs[c.field]) == 0 {
			t.Errorf("%v: errors %v, want one on %s", c.s, errs, c.field)
		}
	}
	var e struct{ Error string }
	callJSON(t, http.MethodGet, "/submissions/00000000-0000-4000-8000-000000000000", nil, http.StatusNotFound, &e)
	token := create(t, sub(71, "print(1)\n"))
	callJSON(t, http.MethodGet, "/submissions/"+token+"?fields=stdout,nonsense", nil, http.StatusBadRequest, &e)
	if !strings.Contains(e.Error, "nonsense") {
		t.Errorf("unknown field: %q", e.Error)
	}
}

// TestListAndDelete: X-Auth-User guards both; an ended submission is
// deleted.
func TestListAndDelete(t *testing.T) {
	token := create(t, sub(71, "print('gone')\n"))
	pollOne(t, token)
	callJSON(t, http.MethodGet, "/submissions", nil, http.StatusForbidden, nil)
	callJSON(t, http.MethodDelete, "/submissions/"+token, nil, http.StatusForbidden, nil, "X-Auth-User", "wrong")
	callJSON(t, http.MethodPost, "/authorize", nil, http.StatusOK, nil, "X-Auth-User", adminToken)
	var page struct {
		Submissions []map[string]any
		Meta        map[string]any
	}
	callJSON(t, http.MethodGet, "/submissions?per_page=5", nil, http.StatusOK, &page, "X-Auth-User", adminToken)
	if len(page.Submissions) == 0 || page.Meta["total_count"] == nil || page.Meta["current_page"] != 1.0 {
		t.Errorf("listing %v", page)
	}
	var r map[string]any
	callJSON(t, http.MethodDelete, "/submissions/"+token+"?fields=token,stdout", nil, http.StatusOK, &r, "X-Auth-User", adminToken)
	if r["token"] != token || r["stdout"] != "gone\n" {
		t.Errorf("deleted %v", r)
	}
	callJSON(t, http.MethodGet, "/submissions/"+token, nil, http.StatusNotFound, nil)
}
