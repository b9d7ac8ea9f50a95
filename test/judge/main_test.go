// Package judge holds the end-to-end tests of POST /api/v1/judge: they
// build the real coderacer binary, start `coderacer serve` as root with
// the real sandbox and judge real submissions over HTTP: compare modes,
// the suite's own testlib-style checkers (testdata/checkers, on
// testdata/checklib.h) and the number-guessing interactor
// (testdata/interactors). Nothing is mocked.
//
// testlib itself is not ours to commit; the checkers here follow its
// arguments, exit codes and standard-error format.
package judge

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/coderacer/coderacer/test/testserver"
)

// srv is the shared server; interactive tests need two sandboxes at once.
var srv *testserver.Server

func TestMain(m *testing.M) {
	os.Exit(testserver.Main(m, testserver.Options{
		Name: "judge",
		Env:  map[string]string{"CODERACER_PARALLELISM": "2"},
	}, func(s *testserver.Server) error { srv = s; return nil }))
}

type (
	File   = testserver.File
	Limits = testserver.Limits
)

// Request is a POST /api/v1/judge body.
type Request struct {
	Language           string   `json:"language"`
	Entrypoint         string   `json:"entrypoint"`
	Files              []File   `json:"files"`
	CompileLimits      *Limits  `json:"compileLimits,omitempty"`
	Limits             *Limits  `json:"limits,omitempty"`
	Tests              []Test   `json:"tests"`
	Compare            *Compare `json:"compare,omitempty"`
	Checker            *Program `json:"checker,omitempty"`
	Interactor         *Program `json:"interactor,omitempty"`
	StopOnFirstFailure bool     `json:"stopOnFirstFailure,omitempty"`
	OutputPreviewBytes int64    `json:"outputPreviewBytes,omitempty"`
}

// Test is one test case of a request.
type Test struct {
	Name           string   `json:"name"`
	Stdin          string   `json:"stdin"`
	ExpectedOutput string   `json:"expectedOutput"`
	Args           []string `json:"args,omitempty"`
	Files          []File   `json:"files,omitempty"`
	Limits         *Limits  `json:"limits,omitempty"`
	Points         float64  `json:"points,omitempty"`
}

// Compare is the request's comparison.
type Compare struct {
	Mode          string   `json:"mode,omitempty"`
	CaseSensitive *bool    `json:"caseSensitive,omitempty"`
	AbsTolerance  *float64 `json:"absTolerance,omitempty"`
	RelTolerance  *float64 `json:"relTolerance,omitempty"`
}

// Program is a checker or an interactor.
type Program struct {
	Language   string  `json:"language"`
	Entrypoint string  `json:"entrypoint"`
	Files      []File  `json:"files"`
	Protocol   string  `json:"protocol,omitempty"`
	Limits     *Limits `json:"limits,omitempty"`
}

// Response is a POST /api/v1/judge answer (or an error's body).
type Response struct {
	Language    string            `json:"language"`
	Version     string            `json:"version"`
	Status      string            `json:"status"`
	Compile     *testserver.Stage `json:"compile"`
	Passed      int               `json:"passed"`
	Total       int               `json:"total"`
	Score       float64           `json:"score"`
	MaxScore    float64           `json:"maxScore"`
	MaxCPUTime  string            `json:"maxCpuTime"`
	MaxWallTime string            `json:"maxWallTime"`
	MaxMemory   int64             `json:"maxMemory"`
	Tests       []TestResult      `json:"tests"`
	Error       string            `json:"error"`
	Raw         []byte            `json:"-"`
}

// TestResult is one test's outcome.
type TestResult struct {
	Name           string  `json:"name"`
	Verdict        string  `json:"verdict"`
	ExitCode       int     `json:"exitCode"`
	Signal         string  `json:"signal"`
	CPUTime        string  `json:"cpuTime"`
	WallTime       string  `json:"wallTime"`
	Memory         int64   `json:"memory"`
	Points         float64 `json:"points"`
	CheckerMessage string  `json:"checkerMessage"`
	Stdout         string  `json:"stdout"`
	Stderr         string  `json:"stderr"`
	Message        string  `json:"message"`
}

// post sends req to POST /api/v1/judge and decodes the answer.
func post(t testing.TB, req any) (int, *Response) {
	t.Helper()
	body, err := json.Marshal(req)
	if err != nil {
		t.Fatalf("encoding the request: %v", err)
	}
	status, _, data := testserver.Do(t, srv, http.MethodPost, "/api/v1/judge", body)
	r := &Response{Raw: data}
	if err := json.Unmarshal(data, r); err != nil {
		t.Fatalf("POST /api/v1/judge answered %d with a body that is not JSON (%v): %s", status, err, testserver.Shorten(string(data), 2000))
	}
	return status, r
}

// judge posts req and requires a 200.
func judge(t testing.TB, req Request) *Response {
	t.Helper()
	status, r := post(t, req)
	if status != http.StatusOK {
		t.Fatalf("POST /api/v1/judge: want 200, got %d: %s", status, testserver.Shorten(string(r.Raw), 3000))
	}
	return r
}

// expectVerdicts requires the tests' names and verdicts, in request order,
// and a status that is the first verdict other than AC.
func expectVerdicts(t testing.TB, r *Response, want ...string) {
	t.Helper()
	if len(r.Tests) != len(want) {
		t.Fatalf("%d test results, want %d: %s", len(r.Tests), len(want), testserver.Shorten(string(r.Raw), 4000))
	}
	status, passed := "AC", 0
	for i, w := range want {
		name, verdict, _ := strings.Cut(w, "=")
		got := r.Tests[i]
		if got.Name != name || got.Verdict != verdict {
			t.Errorf("test %d: %s=%s, want %s=%s (checkerMessage %q, message %q, exitCode %d, signal %q, stdout %q, stderr %q)",
				i, got.Name, got.Verdict, name, verdict, got.CheckerMessage, got.Message, got.ExitCode, got.Signal,
				testserver.Shorten(got.Stdout, 300), testserver.Shorten(got.Stderr, 600))
		}
		if verdict == "AC" {
			passed++
		} else if status == "AC" {
			status = verdict
		}
	}
	if r.Status != status || r.Passed != passed || r.Total != len(want) {
		t.Errorf("status %s, passed %d, total %d; want %s, %d, %d", r.Status, r.Passed, r.Total, status, passed, len(want))
	}
}

// testdata reads the suite's programs as request files: each path under
// testdata/, named by its base name.
func testdata(t testing.TB, paths ...string) []File {
	t.Helper()
	var files []File
	for _, p := range paths {
		data, err := os.ReadFile(filepath.Join("testdata", p))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, File{Name: filepath.Base(p), Content: string(data)})
	}
	return files
}

// checker is one of testdata/checkers, with checklib.h, as a testlib
// checker in C++.
func checker(t testing.TB, name string) *Program {
	t.Helper()
	return &Program{
		Language:   "c++",
		Entrypoint: name + ".cpp",
		Files:      testdata(t, "checkers/"+name+".cpp", "checklib.h"),
		Protocol:   "testlib",
	}
}

// cpp is a one-file C++ submission.
func cpp(src string) Request {
	return Request{Language: "c++", Entrypoint: "main.cpp", Files: []File{{Name: "main.cpp", Content: src}}}
}

// python is a one-file Python submission.
func python(src string) Request {
	return Request{Language: "python3", Entrypoint: "main.py", Files: []File{{Name: "main.py", Content: src}}}
}

// echo prints its stdin unchanged: a test's stdin is the output to judge.
func echo() Request {
	return python("import sys\nsys.stdout.buffer.write(sys.stdin.buffer.read())\n")
}

func ptr[T any](v T) *T { return &v }
