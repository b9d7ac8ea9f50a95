package api

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/coderacer/coderacer/internal/admission"
	"github.com/coderacer/coderacer/internal/engine"
	"github.com/coderacer/coderacer/internal/judge"
	"github.com/coderacer/coderacer/internal/metrics"
)

// Every field of a request reaches the engine's JudgeJob.
func TestJudgeParseEveryField(t *testing.T) {
	f := &fakeJudge{}
	body := judgeBody(`"args":["-v"],"network":false,
		"limits":{"cpuTimeMs":1000,"memoryBytes":268435456},"compileLimits":{"wallTimeMs":5000},
		"tests":[
		  {"name":"one","stdin":"1 2\n","expectedOutput":"3\n"},
		  {"stdin":"x","expectedOutput":"y","args":[],"files":[{"name":"data.txt","content":"d"}],"limits":{"wallTimeMs":2000},"points":2.5}
		],
		"compare":{"mode":"float","caseSensitive":false,"absTolerance":0.001,"relTolerance":0},
		"checker":{"language":"c++","entrypoint":"chk.cpp","files":[{"name":"chk.cpp","content":"c"},{"name":"testlib.h","content":"t"}],"protocol":"exitcode","limits":{"cpuTimeMs":500}},
		"interactor":{"language":"python3","entrypoint":"i.py","files":[{"name":"i.py","content":"i"}],"limits":{"memoryBytes":1048576}},
		"stopOnFirstFailure":true,"outputPreviewBytes":100,"unknownField":1`)
	code, text := postJudge(t, New(f, Options{Logger: quietLogger()}), body)
	if code != http.StatusOK {
		t.Fatalf("status %d: %s", code, text)
	}
	job := f.lastJudge(t)
	wantJob := engine.Job{Language: "python3", Entrypoint: "main.py",
		Files: []engine.File{{Name: "main.py", Content: []byte("print(input())")}}, Args: []string{"-v"},
		RunLimits:     engine.Limits{CPUTime: time.Second, Memory: 256 << 20},
		CompileLimits: engine.Limits{WallTime: 5 * time.Second}}
	if !reflect.DeepEqual(job.Job, wantJob) {
		t.Errorf("job\n got %+v\nwant %+v", job.Job, wantJob)
	}
	wantTests := []engine.Test{
		{Name: "one", Stdin: []byte("1 2\n"), ExpectedOutput: []byte("3\n"), Points: 1},
		{Name: "2", Stdin: []byte("x"), ExpectedOutput: []byte("y"), Args: []string{},
			Files: []engine.File{{Name: "data.txt", Content: []byte("d")}}, Limits: engine.Limits{WallTime: 2 * time.Second}, Points: 2.5},
	}
	if !reflect.DeepEqual(job.Tests, wantTests) {
		t.Errorf("tests\n got %+v\nwant %+v", job.Tests, wantTests)
	}
	if want := (judge.Compare{Mode: judge.Float, CaseSensitive: false, AbsTolerance: 0.001, RelTolerance: 0}); job.Compare != want {
		t.Errorf("compare %+v, want %+v", job.Compare, want)
	}
	wantChecker := &engine.Program{Language: "c++", Entrypoint: "chk.cpp", Protocol: judge.ExitCode,
		Files:  []engine.File{{Name: "chk.cpp", Content: []byte("c")}, {Name: "testlib.h", Content: []byte("t")}},
		Limits: engine.Limits{CPUTime: 500 * time.Millisecond}}
	if !reflect.DeepEqual(job.Checker, wantChecker) {
		t.Errorf("checker %+v", job.Checker)
	}
	wantInteractor := &engine.Program{Language: "python3", Entrypoint: "i.py", Protocol: judge.Testlib,
		Files: []engine.File{{Name: "i.py", Content: []byte("i")}}, Limits: engine.Limits{Memory: 1 << 20}}
	if !reflect.DeepEqual(job.Interactor, wantInteractor) {
		t.Errorf("interactor %+v", job.Interactor)
	}
	if !job.StopOnFirstFailure || job.OutputPreviewBytes != 100 || job.OnTest != nil {
		t.Errorf("stop %v, preview %d, onTest set %v", job.StopOnFirstFailure, job.OutputPreviewBytes, job.OnTest != nil)
	}
}

func TestJudgeParseDefaults(t *testing.T) {
	f := &fakeJudge{}
	code, text := postJudge(t, New(f, Options{Logger: quietLogger()}), judgeBody(`"tests":[{"expectedOutput":""}],"compare":null,"checker":null,"interactor":null`))
	if code != http.StatusOK {
		t.Fatalf("status %d: %s", code, text)
	}
	job := f.lastJudge(t)
	if job.Compare != judge.DefaultCompare() || job.Checker != nil || job.Interactor != nil || job.StopOnFirstFailure {
		t.Errorf("job %+v", job)
	}
	if job.OutputPreviewBytes != DefaultJudgeOutputPreviewBytes {
		t.Errorf("preview %d", job.OutputPreviewBytes)
	}
	if tt := job.Tests[0]; tt.Name != "1" || tt.Points != 1 || tt.Args != nil || tt.Stdin != nil {
		t.Errorf("test %+v", tt)
	}
	// A compare object sets only what it names.
	postJudge(t, New(f, Options{Logger: quietLogger()}), judgeBody(`"tests":[{"expectedOutput":""}],"compare":{"mode":"tokens"}`))
	want := judge.DefaultCompare()
	want.Mode = judge.Tokens
	if got := f.lastJudge(t).Compare; got != want {
		t.Errorf("compare %+v, want %+v", got, want)
	}
	// A checker needs no expected output, and its protocol is testlib.
	postJudge(t, New(f, Options{Logger: quietLogger()}), judgeBody(`"tests":[{}],"checker":{"language":"c","entrypoint":"c.c","files":[{"name":"c.c","content":""}]}`))
	if j := f.lastJudge(t); j.Checker.Protocol != judge.Testlib || j.Tests[0].ExpectedOutput != nil {
		t.Errorf("checker job %+v", j)
	}
}

func TestJudgeBadRequests(t *testing.T) {
	const test = `"tests":[{"expectedOutput":""}]`
	const chk = `{"language":"c","entrypoint":"c.c","files":[{"name":"c.c","content":""}]`
	tests := []struct{ body, want string }{
		{``, "request body is empty; it must be a JSON object"},
		{`null`, "request body must be a JSON object, not null"},
		{`[]`, "request body must be a JSON object, not an array"},
		{`{"language":"x"} x`, "malformed JSON at byte 18: invalid character 'x' after top-level value"},
		{`{"entrypoint":"a","files":[{"name":"a","content":""}],` + test + `}`, "language is required"},
		{`{"language":"python3","files":[{"name":"a","content":""}],` + test + `}`, "entrypoint is required"},
		{`{"language":"python3","entrypoint":"a",` + test + `}`, "files is required"},
		{`{"language":"python3","entrypoint":"a","files":[{"name":"a"}],` + test + `}`, "files[0].content is required"},
		{`{"language":"python3","entrypoint":"b","files":[{"name":"a","content":""}],` + test + `}`, `entrypoint "b" is not among the files`},
		{judgeBody(`"stdin":"x",` + test), "stdin belongs to each test (tests[i].stdin), not to the request"},
		{judgeBody(`"args":[1],` + test), "args must be an array of strings"},
		{judgeBody(`"limits":{"cpuTimeMs":-1},` + test), "limits.cpuTimeMs must not be negative"},
		{judgeBody(`"compileLimits":{"memoryBytes":"x"},` + test), "compileLimits.memoryBytes must be an integer, not a string"},
		{judgeBody(``), "tests is required"},
		{judgeBody(`"tests":null`), "tests is required"},
		{judgeBody(`"tests":[]`), "tests must not be empty"},
		{judgeBody(`"tests":{}`), "tests must be an array, not an object"},
		{judgeBody(`"tests":[null]`), "tests[0] must be an object, not null"},
		{judgeBody(`"tests":[{"expectedOutput":""},3]`), "tests[1] must be an object, not a number"},
		{judgeBody(`"tests":[{}]`), "tests[0].expectedOutput is required: without a checker or an interactor the output is compared with it"},
		{judgeBody(`"tests":[{"expectedOutput":1}]`), "tests[0].expectedOutput must be a string, not a number"},
		{judgeBody(`"tests":[{"expectedOutput":"","name":2}]`), "tests[0].name must be a string, not a number"},
		{judgeBody(`"tests":[{"expectedOutput":"","stdin":[]}]`), "tests[0].stdin must be a string, not an array"},
		{judgeBody(`"tests":[{"expectedOutput":"","args":["a",1]}]`), "tests[0].args must be an array of strings"},
		{judgeBody(`"tests":[{"expectedOutput":"","args":["a\u0000"]}]`), "tests[0].args[0] must not contain a NUL character"},
		{judgeBody(`"tests":[{"expectedOutput":"","points":-1}]`), "tests[0].points must be a number between 0 and 1e+09"},
		{judgeBody(`"tests":[{"expectedOutput":"","points":"1"}]`), "tests[0].points must be a number, not a string"},
		{judgeBody(`"tests":[{"expectedOutput":"","points":1e400}]`), "tests[0].points must be a number within the range of a double"},
		{judgeBody(test + `,"compare":{"absTolerance":1e999}`), "compare.absTolerance must be a number within the range of a double"},
		{judgeBody(`"tests":[{"expectedOutput":"","limits":{"wallTimeMs":-5}}]`), "tests[0].limits.wallTimeMs must not be negative"},
		{judgeBody(`"tests":[{"expectedOutput":"","limits":{"wallTimeMs":1.5}}]`), "tests[0].limits.wallTimeMs must be an integer between 0 and 9223372036854775807"},
		{judgeBody(`"tests":[{"expectedOutput":"","files":[{"name":"x"}]}]`), "tests[0].files[0].content is required"},
		{judgeBody(`"tests":[{"expectedOutput":"","files":[{"name":"main.py","content":""}]}]`), `tests[0].files (beside the submission's): invalid file name "main.py": duplicate`},
		{judgeBody(`"tests":[{"expectedOutput":"","files":[{"name":"/etc/x","content":""}]}]`), `tests[0].files (beside the submission's): invalid file name "/etc/x": is absolute`},
		{judgeBody(test + `,"compare":{"mode":"fuzzy"}`), `compare.mode must be "exact", "lines", "tokens" or "float", not "fuzzy"`},
		{judgeBody(test + `,"compare":{"mode":1}`), "compare.mode must be a string, not a number"},
		{judgeBody(test + `,"compare":{"caseSensitive":"no"}`), "compare.caseSensitive must be a boolean, not a string"},
		{judgeBody(test + `,"compare":{"absTolerance":-1}`), "compare.absTolerance must be a number at least 0"},
		{judgeBody(test + `,"compare":[]`), "compare must be an object, not an array"},
		{judgeBody(test + `,"checker":"wcmp"`), "checker must be an object, not a string"},
		{judgeBody(test + `,"checker":{"entrypoint":"c.c","files":[{"name":"c.c","content":""}]}`), "checker.language is required"},
		{judgeBody(test + `,"checker":{"language":"c","files":[{"name":"c.c","content":""}]}`), "checker.entrypoint is required"},
		{judgeBody(test + `,"checker":{"language":"c","entrypoint":"c.c"}`), "checker.files is required and must not be empty"},
		{judgeBody(test + `,"checker":{"language":"c","entrypoint":"c.c","files":[{"content":""}]}`), "checker.files[0].name is required"},
		{judgeBody(test + `,"checker":{"language":"c","entrypoint":"d.c","files":[{"name":"c.c","content":""}]}`), `checker: entrypoint "d.c" is not among the files`},
		{judgeBody(test + `,"checker":` + chk + `,"protocol":"icpc"}`), `checker.protocol must be "testlib" or "exitcode", not "icpc"`},
		{judgeBody(test + `,"checker":` + chk + `,"limits":{"openFiles":-1}}`), "checker.limits.openFiles must not be negative"},
		{judgeBody(test + `,"interactor":` + chk + `,"protocol":"exitcode"}`), `interactor.protocol must be "testlib", not "exitcode"`},
		{judgeBody(test + `,"interactor":` + chk + `,"files":{}}`), "interactor.files must be an array, not an object"},
		{judgeBody(test + `,"stopOnFirstFailure":"yes"`), "stopOnFirstFailure must be a boolean, not a string"},
		{judgeBody(test + `,"outputPreviewBytes":-1`), "outputPreviewBytes must be between 0 and 65536"},
		{judgeBody(test + `,"outputPreviewBytes":65537`), "outputPreviewBytes must be between 0 and 65536"},
		{judgeBody(test + `,"outputPreviewBytes":1.5`), "outputPreviewBytes must be an integer between 0 and 9223372036854775807"},
	}
	f := &fakeJudge{}
	h := New(f, Options{Logger: quietLogger()})
	for _, tt := range tests {
		rec := do(t, h, "POST", "/api/v1/judge", tt.body)
		if got := checkError(t, rec, http.StatusBadRequest); got != tt.want {
			t.Errorf("%s\n got %q\nwant %q", tt.body, got, tt.want)
		}
	}
	if len(f.jjobs) != 0 {
		t.Errorf("Judge called %d times for bad requests", len(f.jjobs))
	}
}

func TestJudgeBounds(t *testing.T) {
	f := &fakeJudge{}
	h := New(f, Options{Logger: quietLogger(), MaxBodyBytes: 200, MaxStdinBytes: 10,
		Judge: JudgeOptions{MaxBodyBytes: 600, MaxTests: 3, MaxTestBytes: 20, MaxOutputPreviewBytes: 10}})
	tests := []struct {
		body string
		code int
		want string
	}{
		{judgeBody(`"tests":[{"expectedOutput":""},{"expectedOutput":""},{"expectedOutput":""},{"expectedOutput":""}]`), 400, "too many tests: 4, the maximum is 3"},
		{judgeBody(`"tests":[{"stdin":"0123456789","expectedOutput":"0123456789"},{"expectedOutput":"x"}]`), 400,
			"tests hold more than 20 bytes (stdin, expectedOutput and files of every test together), the most allowed; tests[1] passes it"},
		{judgeBody(`"tests":[{"expectedOutput":"","files":[{"name":"f","content":"012345678901234567890"}]}]`), 400,
			"tests hold more than 20 bytes (stdin, expectedOutput and files of every test together), the most allowed; tests[0] passes it"},
		{judgeBody(`"tests":[{"stdin":"01234567890","expectedOutput":""}]`), 400, "tests[0].stdin is 11 bytes long; it may have at most 10 bytes"},
		{judgeBody(`"tests":[{"expectedOutput":""}],"outputPreviewBytes":11`), 400, "outputPreviewBytes must be between 0 and 10"},
		// Over execute's body bound, within judge's.
		{judgeBody(`"tests":[{"expectedOutput":""}],"x":"` + strings.Repeat("x", 300) + `"`), 200, ""},
		{judgeBody(`"tests":[{"expectedOutput":""}],"x":"` + strings.Repeat("x", 600) + `"`), 413, "request body exceeds 600 bytes"},
	}
	for _, tt := range tests {
		rec := do(t, h, "POST", "/api/v1/judge", tt.body)
		if tt.code == 200 {
			checkJSON(t, rec, 200)
			continue
		}
		if got := checkError(t, rec, tt.code); got != tt.want {
			t.Errorf("%.80s...\n got %q\nwant %q", tt.body, got, tt.want)
		}
	}
}

func TestJudgeNotImplemented(t *testing.T) {
	rec := do(t, newTestHandler(&fakeExec{}), "POST", "/api/v1/judge", judgeBody(`"tests":[{"expectedOutput":""}]`))
	if got := checkError(t, rec, http.StatusNotImplemented); got != errNoJudge {
		t.Errorf("error %q", got)
	}
}

func TestJudgeErrors(t *testing.T) {
	failWith := func(err error) func(context.Context, engine.JudgeJob) (*engine.JudgeResult, error) {
		return func(context.Context, engine.JudgeJob) (*engine.JudgeResult, error) { return nil, err }
	}
	limit := func(stage string, k engine.Limit, v, max int64) error {
		return &engine.LimitError{Stage: stage, Limit: k, Value: v, Max: max}
	}
	// The engine names the part of the job a limit is about.
	part := func(name string, err error) error { return &engine.PartError{Part: name, Err: err} }
	body := judgeBody(`"limits":{"cpuTimeMs":2000},"tests":[{"expectedOutput":""},{"expectedOutput":"","limits":{"cpuTimeMs":40000,"wallTimeMs":99000000000}}],
		"checker":{"language":"c","entrypoint":"c.c","files":[{"name":"c.c","content":""}],"limits":{"memoryBytes":4294967296}}`)
	tests := []struct {
		name  string
		err   error
		code  int
		want  string
		retry string
	}{
		{"runtime", &engine.RuntimeNotFoundError{Language: "cobol"}, 400, "runtime not found: cobol", ""},
		{"test limit", part("tests[1]", limit(engine.StageRun, engine.LimitCPUTime, int64(40*time.Second), int64(30*time.Second))), 400, "tests[1].limits.cpuTimeMs 40000 exceeds the server maximum 30000", ""},
		{"clamped test limit", part("tests[1]", limit(engine.StageRun, engine.LimitWallTime, maxTimeMs*int64(time.Millisecond), int64(30*time.Second))), 400, "tests[1].limits.wallTimeMs 99000000000 exceeds the server maximum 30000", ""},
		{"checker limit", part("checker", limit(engine.StageRun, engine.LimitMemory, 4<<30, 2<<30)), 400, "checker.limits.memoryBytes 4294967296 exceeds the server maximum 2147483648", ""},
		{"compile limit", limit(engine.StageCompile, engine.LimitCPUTime, int64(90*time.Second), int64(60*time.Second)), 400, "compileLimits.cpuTimeMs 90000 exceeds the server maximum 60000", ""},
		{"file", &engine.FileError{Name: "x", Reason: "bad"}, 400, `invalid file name "x": bad`, ""},
		{"network", engine.ErrNetworkDisabled, 400, engine.ErrNetworkDisabled.Error(), ""},
		{"language", &admission.LanguageError{Language: "c"}, 403, `this API key may not use language "c"`, ""},
		{"quota", &admission.QuotaError{RetryAfter: 2500 * time.Millisecond}, 429, "", "3"},
		{"busy", engine.ErrQueueFull, 503, "server busy: execution queue is full, retry later", "1"},
		{"one sandbox", engine.ErrInteractiveUnavailable, 501, engine.ErrInteractiveUnavailable.Error(), ""},
		{"gate without judge", admission.ErrCannotJudge, 501, errNoJudge, ""},
		{"internal", errors.New("boom"), 500, "internal error", ""},
		{"nil", nil, 500, "internal error", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newTestHandler(&fakeJudge{jfn: failWith(tt.err)})
			rec := do(t, h, "POST", "/api/v1/judge", body)
			got := checkError(t, rec, tt.code)
			if tt.want != "" && got != tt.want {
				t.Errorf("error %q, want %q", got, tt.want)
			}
			if ra := rec.Header().Get("Retry-After"); ra != tt.retry {
				t.Errorf("Retry-After %q, want %q", ra, tt.retry)
			}
		})
	}
}

func judgeResultFixture() *engine.JudgeResult {
	return &engine.JudgeResult{
		Language: "c++", Version: "12.2.0", Status: judge.WrongAnswer,
		Compile: &engine.StageResult{Stderr: []byte("warning <&>"), Status: engine.StatusOK, CPUTime: 300 * time.Millisecond,
			WallTime: 400 * time.Millisecond, Memory: 1 << 20, Cached: true},
		Tests: []engine.TestResult{
			{Index: 0, Name: "1", Verdict: judge.Accepted, CPUTime: time.Millisecond, WallTime: 1500 * time.Microsecond,
				Memory: 4096, Points: 1, CheckerMessage: "ok 1 number", Stdout: []byte("3\n")},
			{Index: 1, Name: "big", Verdict: judge.WrongAnswer, ExitCode: 0, CPUTime: 2 * time.Millisecond, WallTime: 3 * time.Millisecond,
				Memory: 8192, Points: 0.5, CheckerMessage: "points 0.5", Stdout: []byte("\xffab"), StdoutTruncated: true,
				Stderr: []byte("e\u2028"), Message: "partial"},
			{Index: 2, Name: "3", Verdict: judge.Skipped},
		},
		Passed: 1, Total: 3, Score: 1.5, MaxScore: 4,
		MaxCPUTime: 2 * time.Millisecond, MaxWallTime: 3 * time.Millisecond, MaxMemory: 8192,
	}
}

func TestJudgeResponseShape(t *testing.T) {
	res := judgeResultFixture()
	f := &fakeJudge{jfn: func(context.Context, engine.JudgeJob) (*engine.JudgeResult, error) { return res, nil }}
	rec := do(t, newTestHandler(f), "POST", "/api/v1/judge", judgeBody(`"tests":[{"expectedOutput":"SECRET-ANSWER"}]`))
	got := checkJSON(t, rec, http.StatusOK)
	want := `{"language":"c++","version":"12.2.0","status":"WA",` +
		`"compile":{"stdout":"","stderr":"warning <&>","exitCode":0,"signal":"","status":"OK","cpuTime":"300ms","wallTime":"400ms","memory":1048576,"stdoutTruncated":false,"stderrTruncated":false,"cached":true},` +
		`"passed":1,"total":3,"score":1.5,"maxScore":4,"maxCpuTime":"2ms","maxWallTime":"3ms","maxMemory":8192,"tests":[` +
		`{"name":"1","verdict":"AC","exitCode":0,"signal":"","cpuTime":"1ms","wallTime":"1.5ms","memory":4096,"points":1,"checkerMessage":"ok 1 number","stdout":"3\n","stderr":""},` +
		`{"name":"big","verdict":"WA","exitCode":0,"signal":"","cpuTime":"2ms","wallTime":"3ms","memory":8192,"points":0.5,"checkerMessage":"points 0.5","stdout":"\ufffdab","stderr":"e\u2028","stdoutTruncated":true,"message":"partial"},` +
		`{"name":"3","verdict":"SKIPPED","exitCode":0,"signal":"","cpuTime":"0s","wallTime":"0s","memory":0,"points":0,"checkerMessage":"","stdout":"","stderr":""}]}` + "\n"
	if got != want {
		t.Errorf("body\n got %s\nwant %s", got, want)
	}
	if strings.Contains(got, "SECRET") || strings.Contains(got, "expectedOutput") {
		t.Error("the expected output is echoed")
	}
	// The streamed answer is what json.Encoder writes of the document.
	doc, err := encodeJSON(newJudgeResponse(res, func(s string) string { return s }))
	if err != nil || string(doc)+"\n" != got {
		t.Errorf("encoder's document differs (%v):\n%s", err, doc)
	}
}

// An interpreted language has no compile stage: no "compile" member.
func TestJudgeResponseNoCompile(t *testing.T) {
	f := &fakeJudge{}
	code, text := postJudge(t, newTestHandler(f), judgeBody(`"tests":[{"stdin":"a","expectedOutput":"a"},{"stdin":"b","expectedOutput":"c"}]`))
	want := `{"language":"python3","version":"1.0","status":"WA","passed":1,"total":2,"score":1,"maxScore":2,"maxCpuTime":"0s","maxWallTime":"0s","maxMemory":0,"tests":[` +
		`{"name":"1","verdict":"AC","exitCode":0,"signal":"","cpuTime":"0s","wallTime":"0s","memory":0,"points":1,"checkerMessage":"","stdout":"a","stderr":""},` +
		`{"name":"2","verdict":"WA","exitCode":0,"signal":"","cpuTime":"0s","wallTime":"0s","memory":0,"points":0,"checkerMessage":"","stdout":"b","stderr":""}]}`
	if code != 200 || text != want {
		t.Errorf("%d\n got %s\nwant %s", code, text, want)
	}
}

// A large result is held in the response memory while it is written: a
// second one that does not fit is a 503.
func TestJudgeResponseMemory(t *testing.T) {
	big := &engine.JudgeResult{Status: judge.Accepted, Tests: []engine.TestResult{{Stdout: make([]byte, 100<<10)}}}
	s := newServer(&fakeJudge{}, Options{Logger: quietLogger(), ResponseMemoryBytes: 150 << 10})
	done, ok := s.holdJudgeResult(big)
	if !ok {
		t.Fatal("first result refused")
	}
	if _, ok := s.holdJudgeResult(big); ok {
		t.Error("second result held beyond the response memory")
	}
	done()
	if _, ok := s.holdJudgeResult(big); !ok {
		t.Error("result refused once the memory is free")
	}
	if got := judgeResultBytes(big); got != 100<<10 {
		t.Errorf("judgeResultBytes %d", got)
	}
}

type noStats struct{}

func (noStats) Stats() engine.Stats { return engine.Stats{} }

// Judged submissions are counted under their own dialects; a request
// refused before it ran is none.
func TestJudgeMetrics(t *testing.T) {
	m := metrics.New(noStats{})
	h := New(&fakeJudge{}, Options{Logger: quietLogger(), Metrics: m, MetricsRoute: true})
	postJudge(t, h, judgeBody(`"tests":[{"stdin":"a","expectedOutput":"a"}]`))
	postJudge(t, h, judgeBody(`"tests":[]`))
	c := dialWS(t, h, "/api/v1/connect")
	c.send(v1Judge)
	c.rest(v1CloseDone, "done")
	body := do(t, h, "GET", "/metrics", "").Body.String()
	for _, want := range []string{
		`coderacer_judge_submissions_total{dialect="v1-judge",language="python3",status="AC"} 1`,
		`coderacer_judge_submissions_total{dialect="v1-judge-websocket",language="python3",status="WA"} 1`,
		`coderacer_judge_tests_total{verdict="AC"} 3`,
	} {
		if !strings.Contains(body, want+"\n") {
			t.Errorf("no %s in the metrics", want)
		}
	}
}
