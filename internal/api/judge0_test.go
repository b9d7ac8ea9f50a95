package api

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/coderacer/coderacer/internal/engine"
	"github.com/coderacer/coderacer/internal/judge0"
)

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// TestJudge0CreateAndPoll: the SDK's way, base64 in and out; fields=*
// is exactly Judge0's attributes.
func TestJudge0CreateAndPoll(t *testing.T) {
	e := newJudge0Env(t, Options{})
	token := e.submit(t, "?base64_encoded=true&wait=false",
		`{"source_code": "`+b64("hello\n")+`", "language_id": 71, "stdin": "`+b64("in")+`"}`)
	var m map[string]any
	e.call(t, http.MethodGet, "/judge0/submissions/"+token+"?base64_encoded=true&fields=*", "", http.StatusOK, &m)
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	want := judge0.Attributes()
	sort.Strings(keys)
	sort.Strings(want)
	if !slices.Equal(keys, want) {
		t.Errorf("fields=* gave %v, want %v", keys, want)
	}
	if statusID(m) != judge0.Accepted || m["stdout"] != b64("hello\n") || m["stderr"] != b64("in") || m["token"] != token {
		t.Errorf("submission %v", m)
	}
	if m["language_id"] != 71.0 || m["cpu_time_limit"] != "5.0" || m["memory_limit"] != 128000.0 || m["number_of_runs"] != 1.0 {
		t.Errorf("echoed attributes %v", m)
	}
	job := e.exec.lastJob(t)
	if job.Language != "python3" || job.Entrypoint != "main.py" || string(job.Stdin) != "in" ||
		job.RunLimits.CPUTime != 6*time.Second || job.RunLimits.WallTime != 10*time.Second || job.RunLimits.Memory != 128000*1024 {
		t.Errorf("job %+v", job)
	}
	var def map[string]any
	e.call(t, http.MethodGet, "/judge0/submissions/"+token, "", http.StatusOK, &def)
	if len(def) != len(judge0.DefaultFields()) || def["stdout"] != "hello\n" {
		t.Errorf("default fields: %v", def)
	}
}

func TestJudge0Wait(t *testing.T) {
	e := newJudge0Env(t, Options{})
	var m map[string]any
	e.call(t, http.MethodPost, "/judge0/submissions?wait=true&fields=stdout,status_id", `{"source_code": "x", "language_id": 71}`, http.StatusCreated, &m)
	if m["stdout"] != "x" || m["status_id"] != 3.0 || len(m) != 2 {
		t.Errorf("wait=true answered %v", m)
	}
}

// TestJudge0Invalid: everything is checked at submission (422 by field;
// 400 for what is no submission at all).
func TestJudge0Invalid(t *testing.T) {
	e := newJudge0Env(t, Options{})
	for _, c := range []struct{ body, field string }{
		{`{"source_code": "x"}`, "language_id"},
		{`{"source_code": "x", "language_id": 9999}`, "language_id"},
		{`{"source_code": "x", "language_id": 71, "cpu_time_limit": 100}`, "cpu_time_limit"},
		{`{"source_code": "x", "language_id": 71, "memory_limit": 100}`, "memory_limit"},
		{`{"source_code": "x", "language_id": 71, "number_of_runs": 21}`, "number_of_runs"},
		{`{"source_code": "x", "language_id": 71, "compiler_options": "-O2"}`, "compiler_options"},
		{`{"source_code": "x", "language_id": 54, "compiler_options": "-fplugin=evil.so"}`, "compiler_options"},
		{`{"source_code": "x", "language_id": 71, "enable_network": true}`, "enable_network"},
		{`{"source_code": "x", "language_id": 71, "additional_files": "` + b64("not a zip") + `"}`, "additional_files"},
		{`{"source_code": "x", "language_id": 71, "callback_url": "http://forbidden/"}`, "callback_url"},
		{`{"source_code": "x", "language_id": 71, "command_line_arguments": "'open"}`, "command_line_arguments"},
	} {
		var errs map[string][]string
		e.call(t, http.MethodPost, "/judge0/submissions", c.body, http.StatusUnprocessableEntity, &errs)
		if len(errs[c.field]) == 0 {
			t.Errorf("%s: errors %v, want one on %s", c.body, errs, c.field)
		}
	}
	e.call(t, http.MethodPost, "/judge0/submissions", `[1]`, http.StatusBadRequest, nil)
	e.call(t, http.MethodGet, "/judge0/submissions/nope", "", http.StatusNotFound, nil)
	token := e.submit(t, "", `{"source_code": "x", "language_id": 71}`)
	var msg struct{ Error string }
	e.call(t, http.MethodGet, "/judge0/submissions/"+token+"?fields=stdout,bogus", "", http.StatusBadRequest, &msg)
	if !strings.Contains(msg.Error, "bogus") {
		t.Errorf("unknown field: %q", msg.Error)
	}
	if n := len(e.exec.jobs); n != 1 {
		t.Errorf("%d jobs ran, want only the valid one", n)
	}
}

// TestJudge0CompilerOptionsAllowed: options pass through the runtime's
// allow-list once Judge0's characters are removed.
func TestJudge0CompilerOptionsAllowed(t *testing.T) {
	e := newJudge0Env(t, Options{})
	e.submit(t, "", `{"source_code": "x", "language_id": 54, "compiler_options": " -O2 "}`)
	if job := e.exec.lastJob(t); !slices.Equal(job.CompilerOptions, []string{"-O2"}) {
		t.Errorf("options %q, want [-O2]", job.CompilerOptions)
	}
	var errs map[string][]string
	e.call(t, http.MethodPost, "/judge0/submissions", `{"source_code": "x", "language_id": 54, "compiler_options": "-O2; rm -rf /"}`,
		http.StatusUnprocessableEntity, &errs)
	if len(errs["compiler_options"]) != 1 || !strings.Contains(errs["compiler_options"][0], "rm") {
		t.Errorf("errors %v", errs)
	}
}

// TestJudge0Outcomes: Judge0's statuses from the engine's results.
func TestJudge0Outcomes(t *testing.T) {
	e := newJudge0Env(t, Options{})
	cases := []struct {
		run    engine.StageResult
		body   string
		status int
		check  func(m map[string]any) bool
	}{
		{engine.StageResult{Status: engine.StatusOK, Stdout: []byte("4\n")}, `"expected_output": "5"`, judge0.WrongAnswer, nil},
		{engine.StageResult{Status: engine.StatusOK, Stdout: []byte("5  \n\n")}, `"expected_output": "5"`, judge0.Accepted, nil},
		{engine.StageResult{Status: engine.StatusMemoryLimitExceeded, Signal: "SIGKILL"}, `"stdin": ""`, judge0.RuntimeErrorOther,
			func(m map[string]any) bool {
				s, _ := m["message"].(string)
				return strings.HasPrefix(s, "Memory limit exceeded")
			}},
		{engine.StageResult{Status: engine.StatusOK, CPUTime: 2 * time.Second}, `"cpu_time_limit": 1.5`, judge0.TimeLimitExceeded, nil},
		{engine.StageResult{Status: engine.StatusRuntimeError, ExitCode: 3}, `"stdin": ""`, judge0.RuntimeErrorNZEC,
			func(m map[string]any) bool { return m["exit_code"] == 3.0 }},
		{engine.StageResult{Status: engine.StatusOK, Stdout: []byte("a"), Stderr: []byte("b"), Output: []byte("ba")},
			`"redirect_stderr_to_stdout": true`, judge0.Accepted,
			func(m map[string]any) bool { return m["stdout"] == "ba" && m["stderr"] == nil }},
	}
	for i, c := range cases {
		run := c.run
		e.exec.fn = func(ctx context.Context, job engine.Job) (*engine.Result, error) {
			return &engine.Result{Language: job.Language, Status: run.Status, Run: &run}, nil
		}
		token := e.submit(t, "", `{"source_code": "x", "language_id": 71, `+c.body+`}`)
		m := e.get(t, token)
		if statusID(m) != c.status || c.check != nil && !c.check(m) {
			t.Errorf("case %d: status %d, want %d; %v", i, statusID(m), c.status, m)
		}
	}
}

func TestJudge0CompileError(t *testing.T) {
	e := newJudge0Env(t, Options{})
	e.exec.fn = func(ctx context.Context, job engine.Job) (*engine.Result, error) {
		return &engine.Result{Status: engine.StatusCompileError,
			Compile: &engine.StageResult{Status: engine.StatusCompileError, Stderr: []byte("error: x"), Output: []byte("error: x")}}, nil
	}
	m := e.get(t, e.submit(t, "", `{"source_code": "x", "language_id": 54}`))
	if statusID(m) != judge0.CompilationError || m["compile_output"] != "error: x" || m["time"] != nil {
		t.Errorf("compile error: %v", m)
	}
}

func TestJudge0NotUTF8(t *testing.T) {
	e := newJudge0Env(t, Options{})
	e.exec.fn = func(ctx context.Context, job engine.Job) (*engine.Result, error) {
		return &engine.Result{Status: engine.StatusOK, Run: &engine.StageResult{Status: engine.StatusOK, Stdout: []byte{0xff, 0xfe}}}, nil
	}
	token := e.submit(t, "", `{"source_code": "x", "language_id": 71}`)
	var msg struct{ Error string }
	e.call(t, http.MethodGet, "/judge0/submissions/"+token, "", http.StatusBadRequest, &msg)
	if msg.Error != judge0.ErrNotUTF8 {
		t.Errorf("error %q", msg.Error)
	}
	var m map[string]any
	e.call(t, http.MethodGet, "/judge0/submissions/"+token+"?base64_encoded=true", "", http.StatusOK, &m)
	if m["stdout"] != base64.StdEncoding.EncodeToString([]byte{0xff, 0xfe}) {
		t.Errorf("stdout %v", m["stdout"])
	}
}

// TestJudge0NumberOfRuns: the runs repeat, the times are averaged, and
// the first run that is not Accepted ends them.
func TestJudge0NumberOfRuns(t *testing.T) {
	e := newJudge0Env(t, Options{})
	n := 0
	e.exec.fn = func(ctx context.Context, job engine.Job) (*engine.Result, error) {
		n++
		return &engine.Result{Status: engine.StatusOK, Run: &engine.StageResult{Status: engine.StatusOK,
			CPUTime: time.Duration(n) * 10 * time.Millisecond, Memory: int64(n) * 1024 * 1024}}, nil
	}
	m := e.get(t, e.submit(t, "", `{"source_code": "x", "language_id": 71, "number_of_runs": 3}`))
	if n != 3 || m["time"] != "0.020" || m["memory"] != 2048.0 || statusID(m) != judge0.Accepted {
		t.Errorf("%d runs; time %v memory %v status %d", n, m["time"], m["memory"], statusID(m))
	}
	n = 0
	e.exec.fn = func(ctx context.Context, job engine.Job) (*engine.Result, error) {
		n++
		st := engine.StatusOK
		if n == 2 {
			st = engine.StatusRuntimeError
		}
		return &engine.Result{Status: st, Run: &engine.StageResult{Status: st, ExitCode: n - 1}}, nil
	}
	m = e.get(t, e.submit(t, "", `{"source_code": "x", "language_id": 71, "number_of_runs": 5}`))
	if n != 2 || statusID(m) != judge0.RuntimeErrorNZEC {
		t.Errorf("%d runs, status %d; want 2 runs ending in NZEC", n, statusID(m))
	}
}

func zipOf(t *testing.T, files map[string]string) string {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, content := range files {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(content))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(buf.Bytes())
}

func TestJudge0AdditionalFiles(t *testing.T) {
	e := newJudge0Env(t, Options{})
	e.submit(t, "", `{"source_code": "x", "language_id": 71, "additional_files": "`+zipOf(t, map[string]string{"lib/data.txt": "42"})+`"}`)
	job := e.exec.lastJob(t)
	if len(job.Files) != 2 || job.Files[1].Name != "lib/data.txt" || string(job.Files[1].Content) != "42" {
		t.Errorf("files %+v", job.Files)
	}
	for _, bad := range []map[string]string{{"../x": "1"}, {"/etc/x": "1"}, {"main.py": "shadow"}} {
		var errs map[string][]string
		e.call(t, http.MethodPost, "/judge0/submissions", `{"source_code": "x", "language_id": 71, "additional_files": "`+zipOf(t, bad)+`"}`,
			http.StatusUnprocessableEntity, &errs)
		if len(errs["additional_files"]) == 0 {
			t.Errorf("%v: %v", bad, errs)
		}
	}
}

func TestJudge0Batch(t *testing.T) {
	e := newJudge0Env(t, Options{})
	var items []map[string]any
	e.call(t, http.MethodPost, "/judge0/submissions/batch?base64_encoded=true", `{"submissions": [
		{"source_code": "`+b64("a")+`", "language_id": 71},
		{"source_code": "`+b64("b")+`", "language_id": 9999},
		{"source_code": "`+b64("c")+`", "language_id": 63}]}`, http.StatusCreated, &items)
	if len(items) != 3 || items[0]["token"] == nil || items[1]["language_id"] == nil || items[2]["language_id"] == nil {
		t.Fatalf("batch answered %v", items)
	}
	e.call(t, http.MethodPost, "/judge0/submissions/batch", `{"submissions": [{"language_id": 71}]}`, http.StatusUnprocessableEntity, &items)
	var got struct{ Submissions []map[string]any }
	e.call(t, http.MethodGet, "/judge0/submissions/batch?tokens="+items[0]["token"].(string)+",unknown&base64_encoded=true&fields=stdout", "", http.StatusOK, &got)
	if len(got.Submissions) != 2 || got.Submissions[0]["stdout"] != b64("a") || got.Submissions[1] != nil {
		t.Errorf("batch GET: %v", got.Submissions)
	}
}

func TestJudge0ListAndDelete(t *testing.T) {
	e := newJudge0Env(t, Options{Judge0: Judge0Options{AuthUsers: []string{"admin-token"}}})
	e.call(t, http.MethodGet, "/judge0/submissions", "", http.StatusForbidden, nil)
	e.call(t, http.MethodPost, "/judge0/authorize", "", http.StatusForbidden, nil)
	done := e.submit(t, "", `{"source_code": "x", "language_id": 71}`)
	e.subs.hold = true
	queued := e.submit(t, "", `{"source_code": "y", "language_id": 71}`)
	e.users = []string{"admin-token"}
	e.call(t, http.MethodPost, "/judge0/authorize", "", http.StatusOK, nil)
	var page struct {
		Submissions []map[string]any
		Meta        map[string]any
	}
	e.call(t, http.MethodGet, "/judge0/submissions?per_page=1", "", http.StatusOK, &page)
	if len(page.Submissions) != 1 || page.Submissions[0]["token"] != queued || page.Meta["total_count"] != 2.0 ||
		page.Meta["total_pages"] != 2.0 || page.Meta["next_page"] != 2.0 || page.Meta["prev_page"] != nil {
		t.Errorf("page %+v", page)
	}
	var msg struct{ Error string }
	e.call(t, http.MethodDelete, "/judge0/submissions/"+queued, "", http.StatusBadRequest, &msg)
	if !strings.Contains(msg.Error, "In Queue") {
		t.Errorf("delete queued: %q", msg.Error)
	}
	var m map[string]any
	e.call(t, http.MethodDelete, "/judge0/submissions/"+done+"?fields=token,stdout", "", http.StatusOK, &m)
	if m["token"] != done || m["stdout"] != "x" {
		t.Errorf("deleted %v", m)
	}
	e.call(t, http.MethodGet, "/judge0/submissions/"+done, "", http.StatusNotFound, nil)
	e.subs.runQueued(context.Background())
	e.call(t, http.MethodDelete, "/judge0/submissions/"+queued, "", http.StatusOK, nil)
}

func TestJudge0Callback(t *testing.T) {
	e := newJudge0Env(t, Options{})
	token := e.submit(t, "", `{"source_code": "out", "language_id": 71, "callback_url": "http://example.com/hook"}`)
	if len(e.cbs.deliveries) != 1 {
		t.Fatalf("%d deliveries", len(e.cbs.deliveries))
	}
	d := e.cbs.deliveries[0]
	var m map[string]any
	if err := json.Unmarshal(d.body, &m); err != nil {
		t.Fatal(err)
	}
	if d.method != http.MethodPut || d.url != "http://example.com/hook" || d.id != token ||
		m["stdout"] != b64("out") || len(m) != len(judge0.DefaultFields()) {
		t.Errorf("delivery %s %s %s: %v", d.method, d.url, d.id, m)
	}
}

// TestJudge0RootPrefix: "/" puts the routes at the root, beside /api.
func TestJudge0RootPrefix(t *testing.T) {
	e := newJudge0Env(t, Options{Judge0: Judge0Options{Prefix: "/"}})
	var langs []judge0.Language
	e.call(t, http.MethodGet, "/languages", "", http.StatusOK, &langs)
	if !slices.ContainsFunc(langs, func(l judge0.Language) bool { return l.ID == 71 }) {
		t.Errorf("languages %v", langs)
	}
	var tok struct{ Token string }
	e.call(t, http.MethodPost, "/submissions", `{"source_code": "x", "language_id": 71}`, http.StatusCreated, &tok)
	e.call(t, http.MethodGet, "/judge0/languages", "", http.StatusNotFound, nil)
	e.call(t, http.MethodGet, "/api/v1/runtimes", "", http.StatusOK, nil)
}

func TestJudge0Information(t *testing.T) {
	e := newJudge0Env(t, Options{})
	var cfg map[string]any
	e.call(t, http.MethodGet, "/judge0/config_info", "", http.StatusOK, &cfg)
	if len(cfg) != 39 || cfg["max_submission_batch_size"] != 20.0 || cfg["cpu_time_limit"] != 5.0 {
		t.Errorf("config_info has %d keys: %v", len(cfg), cfg)
	}
	var statuses []judge0.Status
	e.call(t, http.MethodGet, "/judge0/statuses", "", http.StatusOK, &statuses)
	if len(statuses) != 14 {
		t.Errorf("%d statuses", len(statuses))
	}
	var d judge0.LanguageDetail
	e.call(t, http.MethodGet, "/judge0/languages/54", "", http.StatusOK, &d)
	if d.SourceFile != "main.cpp" || d.CompileCmd == nil {
		t.Errorf("detail %+v", d)
	}
	e.call(t, http.MethodGet, "/judge0/languages/62", "", http.StatusNotFound, nil) // java: not installed here
	var about map[string]string
	e.call(t, http.MethodGet, "/judge0/about", "", http.StatusOK, &about)
	if about["version"] != "1.13.1" {
		t.Errorf("about %v", about)
	}
	e.call(t, http.MethodPost, "/judge0/authenticate", "", http.StatusOK, nil)
	e.call(t, http.MethodGet, "/judge0/workers", "", http.StatusOK, nil)
	e.call(t, http.MethodGet, "/judge0/system_info", "", http.StatusOK, nil)
}
