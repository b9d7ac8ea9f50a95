package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/coderacer/coderacer/internal/engine"
)

const helloBody = `{"language":"python3","entrypoint":"main.py","files":[{"name":"main.py","content":"print(1)"}]}`

func resultFn(res *engine.Result) func(context.Context, engine.Job) (*engine.Result, error) {
	return func(context.Context, engine.Job) (*engine.Result, error) { return res, nil }
}

func TestExecuteResponseShape(t *testing.T) {
	exec := &fakeExec{fn: resultFn(&engine.Result{
		Language: "python3", Version: "3.11.2", Status: engine.StatusOK,
		Run: &engine.StageResult{
			Stdout: []byte("1\n"), Stderr: []byte("warn <&>\n"),
			Status: engine.StatusOK, CPUTime: 10 * time.Millisecond,
			WallTime: 12300 * time.Microsecond, Memory: 123456,
		},
		Timings: engine.Timings{Queue: 200 * time.Microsecond, Preparation: time.Millisecond},
	})}
	rec := do(t, newTestHandler(exec), "POST", "/api/v1/execute", helloBody)
	got := checkJSON(t, rec, http.StatusOK)
	want := `{"language":"python3","version":"3.11.2","stdout":"1\n","stderr":"warn <&>\n",` +
		`"executionTime":"12.3ms","preparationTime":"1.2ms",` +
		`"exitCode":0,"signal":"","status":"OK","cpuTime":"10ms","wallTime":"12.3ms","memory":123456,` +
		`"stdoutTruncated":false,"stderrTruncated":false,"timings":{"queue":"200µs","preparation":"1ms","compile":"0s","run":"0s","setup":"0s","collection":"0s"}}` + "\n"
	if got != want {
		t.Errorf("body\n got %s\nwant %s", got, want)
	}
	if rec.Header().Get("X-Content-Type-Options") != "nosniff" {
		t.Error("missing X-Content-Type-Options: nosniff")
	}
}

func TestExecuteCompiledShape(t *testing.T) {
	exec := &fakeExec{fn: resultFn(&engine.Result{
		Language: "go", Version: "1.26.8", Status: engine.StatusTimeLimitExceeded,
		Compile: &engine.StageResult{
			Stderr: []byte("note"), Status: engine.StatusOK,
			CPUTime: 300 * time.Millisecond, WallTime: 400 * time.Millisecond, Memory: 1 << 20,
		},
		Run: &engine.StageResult{
			Stdout: []byte("partial"), StdoutTruncated: true, ExitCode: -1, Signal: "SIGKILL",
			Status: engine.StatusTimeLimitExceeded, CPUTime: 3 * time.Second,
			WallTime: 3100 * time.Millisecond, Memory: 2048, Message: "CPU time limit of 3s exceeded",
		},
	})}
	rec := do(t, newTestHandler(exec), "POST", "/api/v1/execute", helloBody)
	got := checkJSON(t, rec, http.StatusOK)
	want := `{"language":"go","version":"1.26.8","stdout":"partial","stderr":"",` +
		`"executionTime":"3.5s","preparationTime":"0s",` +
		`"exitCode":-1,"signal":"SIGKILL","status":"TLE","cpuTime":"3s","wallTime":"3.1s","memory":2048,` +
		`"stdoutTruncated":true,"stderrTruncated":false,"message":"CPU time limit of 3s exceeded",` +
		`"compile":{"stdout":"","stderr":"note","exitCode":0,"signal":"","status":"OK","cpuTime":"300ms",` +
		`"wallTime":"400ms","memory":1048576,"stdoutTruncated":false,"stderrTruncated":false},"timings":{"queue":"0s","preparation":"0s","compile":"0s","run":"0s","setup":"0s","collection":"0s"}}` + "\n"
	if got != want {
		t.Errorf("body\n got %s\nwant %s", got, want)
	}
}

func TestExecuteCompileError(t *testing.T) {
	exec := &fakeExec{fn: resultFn(&engine.Result{
		Language: "go", Version: "1.26.8", Status: engine.StatusCompileError,
		Compile: &engine.StageResult{
			Stdout: []byte("out"), Stderr: []byte("main.go:1: syntax error"), ExitCode: 1,
			Status: engine.StatusRuntimeError, CPUTime: 50 * time.Millisecond,
			WallTime: 70 * time.Millisecond, Memory: 4096, StderrTruncated: true,
		},
	})}
	rec := do(t, newTestHandler(exec), "POST", "/api/v1/execute", helloBody)
	got := checkJSON(t, rec, http.StatusOK)
	want := `{"language":"go","version":"1.26.8","stdout":"out","stderr":"main.go:1: syntax error",` +
		`"executionTime":"70ms","preparationTime":"0s",` +
		`"exitCode":1,"signal":"","status":"CE","cpuTime":"50ms","wallTime":"70ms","memory":4096,` +
		`"stdoutTruncated":false,"stderrTruncated":true,` +
		`"compile":{"stdout":"out","stderr":"main.go:1: syntax error","exitCode":1,"signal":"","status":"RE","cpuTime":"50ms",` +
		`"wallTime":"70ms","memory":4096,"stdoutTruncated":false,"stderrTruncated":true},"timings":{"queue":"0s","preparation":"0s","compile":"0s","run":"0s","setup":"0s","collection":"0s"}}` + "\n"
	if got != want {
		t.Errorf("body\n got %s\nwant %s", got, want)
	}
}

func TestExecuteInternalErrorWithoutStages(t *testing.T) {
	exec := &fakeExec{fn: resultFn(&engine.Result{
		Language: "python3", Version: "3.11.2", Status: engine.StatusInternalError,
		Timings: engine.Timings{Queue: time.Millisecond},
	})}
	rec := do(t, newTestHandler(exec), "POST", "/api/v1/execute", helloBody)
	got := checkJSON(t, rec, http.StatusOK)
	want := `{"language":"python3","version":"3.11.2","stdout":"","stderr":"",` +
		`"executionTime":"0s","preparationTime":"1ms",` +
		`"exitCode":0,"signal":"","status":"IE","cpuTime":"0s","wallTime":"0s","memory":0,` +
		`"stdoutTruncated":false,"stderrTruncated":false,"message":"internal error","timings":{"queue":"1ms","preparation":"0s","compile":"0s","run":"0s","setup":"0s","collection":"0s"}}` + "\n"
	if got != want {
		t.Errorf("body\n got %s\nwant %s", got, want)
	}
}

func TestExecuteInternalErrorAfterCompile(t *testing.T) {
	exec := &fakeExec{fn: resultFn(&engine.Result{
		Status: engine.StatusInternalError,
		Compile: &engine.StageResult{
			Stdout: []byte("built"), Status: engine.StatusOK, WallTime: time.Second,
		},
	})}
	rec := do(t, newTestHandler(exec), "POST", "/api/v1/execute", helloBody)
	checkJSON(t, rec, http.StatusOK)
	var got map[string]any
	json.Unmarshal(rec.Body.Bytes(), &got)
	if got["status"] != "IE" || got["stdout"] != "built" || got["compile"] == nil || got["message"] != "internal error" {
		t.Errorf("unexpected body %s", rec.Body)
	}
}

func TestExecuteInvalidUTF8Output(t *testing.T) {
	exec := &fakeExec{fn: resultFn(&engine.Result{
		Status: engine.StatusOK,
		Run: &engine.StageResult{
			Stdout: []byte("a\xffb\xc3(\x00\x1b[0m\"\\"),
			Stderr: []byte{0xed, 0xa0, 0x80}, // a UTF-16 surrogate, invalid in UTF-8
		},
	})}
	rec := do(t, newTestHandler(exec), "POST", "/api/v1/execute", helloBody)
	checkJSON(t, rec, http.StatusOK)
	var got struct{ Stdout, Stderr string }
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if want := "a\uFFFDb\uFFFD(\x00\x1b[0m\"\\"; got.Stdout != want {
		t.Errorf("stdout %q, want %q", got.Stdout, want)
	}
	if !utf8.ValidString(got.Stderr) || !strings.Contains(got.Stderr, "\uFFFD") {
		t.Errorf("stderr %q", got.Stderr)
	}
}

func TestExecuteBuildsJob(t *testing.T) {
	exec := &fakeExec{}
	body := `{"language":"python3","entrypoint":"pkg/main.py",
		"files":[{"name":"pkg/main.py","content":"import lib"},{"name":"lib.py","content":""}],
		"stdin":"input\n","args":["-v","two words"],
		"limits":{"wallTimeMs":5000,"cpuTimeMs":2500,"memoryBytes":1048576,"processes":8,
		          "outputBytes":1024,"fileSizeBytes":2048,"openFiles":32},
		"compileLimits":{"wallTimeMs":20000},
		"someFutureField":{"nested":[1,2,3]}}`
	req := httptest.NewRequest("POST", "/api/v1/execute", strings.NewReader(body))
	// What curl -d sends: the type must not matter.
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	newTestHandler(exec).ServeHTTP(rec, req)
	checkJSON(t, rec, http.StatusOK)

	job := exec.lastJob(t)
	want := engine.Job{
		Language: "python3", Entrypoint: "pkg/main.py",
		Files: []engine.File{
			{Name: "pkg/main.py", Content: []byte("import lib")},
			{Name: "lib.py", Content: []byte{}},
		},
		Stdin: []byte("input\n"),
		Args:  []string{"-v", "two words"},
		RunLimits: engine.Limits{
			WallTime: 5 * time.Second, CPUTime: 2500 * time.Millisecond, Memory: 1 << 20,
			Processes: 8, Output: 1024, FileSize: 2048, OpenFiles: 32,
		},
		CompileLimits: engine.Limits{WallTime: 20 * time.Second},
	}
	if fmt.Sprintf("%#v", job) != fmt.Sprintf("%#v", want) {
		t.Errorf("job\n got %#v\nwant %#v", job, want)
	}
}

func TestExecuteOptionalFieldsAbsentOrNull(t *testing.T) {
	for _, body := range []string{
		helloBody,
		`{"language":"python3","entrypoint":"main.py","files":[{"name":"main.py","content":""}],
		  "stdin":null,"args":null,"limits":null,"compileLimits":null}`,
		`{"language":"python3","entrypoint":"main.py","files":[{"name":"main.py","content":""}],
		  "limits":{},"compileLimits":{"wallTimeMs":0}}`,
	} {
		exec := &fakeExec{}
		rec := do(t, newTestHandler(exec), "POST", "/api/v1/execute", body)
		checkJSON(t, rec, http.StatusOK)
		job := exec.lastJob(t)
		if job.Stdin != nil || job.Args != nil || job.RunLimits != (engine.Limits{}) || job.CompileLimits != (engine.Limits{}) {
			t.Errorf("%s: job %#v", body, job)
		}
	}
}

func TestExecuteBadRequests(t *testing.T) {
	const files = `"files":[{"name":"main.py","content":"x"}]`
	const head = `{"language":"python3","entrypoint":"main.py",`
	nameCase := func(name string) string {
		b, _ := json.Marshal(name)
		return fmt.Sprintf(`{"language":"python3","entrypoint":"main.py","files":[{"name":"main.py","content":""},{"name":%s,"content":""}]}`, b)
	}
	var many strings.Builder
	many.WriteString(`{"language":"python3","entrypoint":"f0","files":[`)
	for i := range 101 {
		if i > 0 {
			many.WriteByte(',')
		}
		fmt.Fprintf(&many, `{"name":"f%d","content":""}`, i)
	}
	many.WriteString(`]}`)
	deep := `{"language":"python3","x":` + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + `}`

	tests := []struct {
		name, body, want string
	}{
		{"empty body", "", "request body is empty; it must be a JSON object"},
		{"blank body", " \n\t", "request body is empty; it must be a JSON object"},
		{"null body", "null", "request body must be a JSON object, not null"},
		{"array body", "[1,2]", "request body must be a JSON object, not an array"},
		{"string body", `"hi"`, "request body must be a JSON object, not a string"},
		{"form body", "language=python3&entrypoint=main.py", "malformed JSON at byte 1: invalid character 'l' looking for beginning of value"},
		{"offset counts leading space", "\n  {x", "malformed JSON at byte 5: invalid character 'x' looking for beginning of object key string"},
		{"truncated", `{"language":"python3"`, "malformed JSON at byte 21: unexpected end of JSON input"},
		{"trailing garbage", helloBody + "x", fmt.Sprintf("malformed JSON at byte %d: invalid character 'x' after top-level value", len(helloBody)+1)},
		{"two objects", helloBody + helloBody, fmt.Sprintf("malformed JSON at byte %d: invalid character '{' after top-level value", len(helloBody)+1)},
		{"deeply nested", deep, "malformed JSON at byte 10026: invalid character '[' exceeded max depth"},

		{"language missing", `{"entrypoint":"main.py",` + files + `}`, "language is required"},
		{"language null", `{"language":null,"entrypoint":"main.py",` + files + `}`, "language is required"},
		{"language empty", `{"language":"","entrypoint":"main.py",` + files + `}`, "language must not be empty"},
		{"language number", `{"language":3,"entrypoint":"main.py",` + files + `}`, "language must be a string, not a number"},
		{"entrypoint missing", `{"language":"python3",` + files + `}`, "entrypoint is required"},
		{"entrypoint null", `{"language":"python3","entrypoint":null,` + files + `}`, "entrypoint is required"},
		{"entrypoint empty", `{"language":"python3","entrypoint":"",` + files + `}`, "entrypoint must not be empty"},
		{"entrypoint array", `{"language":"python3","entrypoint":["main.py"],` + files + `}`, "entrypoint must be a string, not an array"},
		{"entrypoint not among files", `{"language":"python3","entrypoint":"x.py",` + files + `}`, `entrypoint "x.py" is not among the files`},
		{"files missing", `{"language":"python3","entrypoint":"main.py"}`, "files is required"},
		{"files null", head + `"files":null}`, "files is required"},
		{"files empty", head + `"files":[]}`, "files must not be empty"},
		{"files string", head + `"files":"main.py"}`, "files must be an array, not a string"},
		{"files object", head + `"files":{"name":"main.py"}}`, "files must be an array, not an object"},
		{"file null", head + `"files":[{"name":"main.py","content":""},null]}`, "files[1] must be an object, not null"},
		{"file string", head + `"files":["main.py"]}`, "files[0] must be an object, not a string"},
		{"file name missing", head + `"files":[{"content":"x"}]}`, "files[0].name is required"},
		{"file name null", head + `"files":[{"name":null,"content":"x"}]}`, "files[0].name is required"},
		{"file name number", head + `"files":[{"name":"main.py","content":""},{"name":7,"content":"x"}]}`, "files[1].name must be a string, not a number"},
		{"file content missing", head + `"files":[{"name":"main.py"}]}`, "files[0].content is required"},
		{"file content null", head + `"files":[{"name":"main.py","content":null}]}`, "files[0].content is required"},
		{"file content bytes", head + `"files":[{"name":"main.py","content":[112,114]}]}`, "files[0].content must be a string, not an array"},
		{"stdin number", head + files + `,"stdin":1}`, "stdin must be a string, not a number"},
		{"args string", head + files + `,"args":"-v"}`, "args must be an array of strings"},
		{"args element number", head + files + `,"args":["-v",1]}`, "args must be an array of strings"},
		{"args NUL", head + files + `,"args":["ok","a\u0000b"]}`, "args[1] must not contain a NUL character"},
		{"limits string", head + files + `,"limits":"big"}`, "limits must be an object, not a string"},
		{"limit fraction", head + files + `,"limits":{"wallTimeMs":1.5}}`, "limits.wallTimeMs must be an integer between 0 and 9223372036854775807"},
		{"limit exponent", head + files + `,"limits":{"wallTimeMs":9e15}}`, "limits.wallTimeMs must be an integer between 0 and 9223372036854775807"},
		{"limit beyond int64", head + files + `,"limits":{"memoryBytes":99999999999999999999}}`, "limits.memoryBytes must be an integer between 0 and 9223372036854775807"},
		{"limit string", head + files + `,"compileLimits":{"cpuTimeMs":"100"}}`, "compileLimits.cpuTimeMs must be an integer, not a string"},
		{"limit bool", head + files + `,"limits":{"processes":true}}`, "limits.processes must be an integer, not a boolean"},
		{"limit negative", head + files + `,"limits":{"cpuTimeMs":-1}}`, "limits.cpuTimeMs must not be negative"},
		{"compile limit negative", head + files + `,"compileLimits":{"openFiles":-5}}`, "compileLimits.openFiles must not be negative"},
		{"limit over max", head + files + `,"limits":{"wallTimeMs":30001}}`, "limits.wallTimeMs 30001 exceeds the server maximum 30000"},
		{"memory over max", head + files + `,"limits":{"memoryBytes":3000000000}}`, "limits.memoryBytes 3000000000 exceeds the server maximum 2147483648"},
		{"compile limit over max", head + files + `,"compileLimits":{"processes":1000}}`, "compileLimits.processes 1000 exceeds the server maximum 256"},
		// Would overflow time.Duration if converted naively.
		{"huge wall time", head + files + `,"limits":{"wallTimeMs":9000000000000000}}`, "limits.wallTimeMs 9000000000000000 exceeds the server maximum 30000"},
		{"max int64 cpu time", head + files + `,"compileLimits":{"cpuTimeMs":9223372036854775807}}`, "compileLimits.cpuTimeMs 9223372036854775807 exceeds the server maximum 60000"},
		{"unknown language", `{"language":"cobol","entrypoint":"main.py",` + files + `}`, "runtime not found: cobol"},

		{"too many files", many.String(), "too many files: 101, the maximum is 100"},
		{"name NUL", nameCase("a\x00b"), `invalid file name "a\x00b": contains control character U+0000`},
		{"name newline", nameCase("a\nb"), `invalid file name "a\nb": contains control character U+000A`},
		{"name absolute", nameCase("/etc/passwd"), `invalid file name "/etc/passwd": is absolute`},
		{"name dotdot", nameCase("../x"), `invalid file name "../x": contains ".."`},
		{"name inner dotdot", nameCase("x/../y"), `invalid file name "x/../y": contains ".."`},
		{"name dot", nameCase("./main.py"), `invalid file name "./main.py": contains "."`},
		{"name backslash", nameCase(`a\b`), `invalid file name "a\\b": contains a backslash`},
		{"name double slash", nameCase("a//b"), `invalid file name "a//b": has an empty path component`},
		{"name trailing slash", nameCase("a/"), `invalid file name "a/": has an empty path component`},
		{"name empty", nameCase(""), "a file name is empty"},
		{"name too long", nameCase(strings.Repeat("a", 256)), fmt.Sprintf("invalid file name %q: has a path component longer than 255 bytes", strings.Repeat("a", 256))},
		{"name duplicate", nameCase("main.py"), `invalid file name "main.py": duplicate`},
		{"name is a directory", nameCase("main.py/x"), `invalid file name "main.py": is also a directory of "main.py/x"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			exec := &fakeExec{}
			got := checkError(t, do(t, newTestHandler(exec), "POST", "/api/v1/execute", tt.body), http.StatusBadRequest)
			if got != tt.want {
				t.Errorf("error %q\n          want %q", got, tt.want)
			}
		})
	}
}

func TestExecuteBodyTooLarge(t *testing.T) {
	h := New(&fakeExec{}, Options{MaxBodyBytes: 100, Logger: quietLogger()})
	body := `{"language":"python3","entrypoint":"main.py","files":[{"name":"main.py","content":"` + strings.Repeat("x", 100) + `"}]}`
	got := checkError(t, do(t, h, "POST", "/api/v1/execute", body), http.StatusRequestEntityTooLarge)
	if want := "request body exceeds 100 bytes"; got != want {
		t.Errorf("error %q, want %q", got, want)
	}
	// Exactly at the bound is fine.
	body = helloBody + strings.Repeat(" ", 100-len(helloBody))
	checkJSON(t, do(t, h, "POST", "/api/v1/execute", body), http.StatusOK)
}

func TestExecuteBodyTooLargeDefault(t *testing.T) {
	body := `{"language":"python3","entrypoint":"main.py","files":[{"name":"main.py","content":"` + strings.Repeat("x", 8<<20) + `"}]}`
	got := checkError(t, do(t, newTestHandler(&fakeExec{}), "POST", "/api/v1/execute", body), http.StatusRequestEntityTooLarge)
	if want := "request body exceeds 8388608 bytes"; got != want {
		t.Errorf("error %q, want %q", got, want)
	}
}

func TestExecuteMaxFilesOption(t *testing.T) {
	h := New(&fakeExec{}, Options{MaxFiles: 1, Logger: quietLogger()})
	body := `{"language":"python3","entrypoint":"a","files":[{"name":"a","content":""},{"name":"b","content":""}]}`
	got := checkError(t, do(t, h, "POST", "/api/v1/execute", body), http.StatusBadRequest)
	if want := "too many files: 2, the maximum is 1"; got != want {
		t.Errorf("error %q, want %q", got, want)
	}
}

func TestExecuteEngineErrors(t *testing.T) {
	tests := []struct {
		name     string
		err      error
		wantCode int
		want     string
	}{
		{"runtime not found", &engine.RuntimeNotFoundError{Language: "brainfuck"}, 400, "runtime not found: brainfuck"},
		{"wrapped runtime not found", fmt.Errorf("resolve: %w", &engine.RuntimeNotFoundError{Language: "x"}), 400, "runtime not found: x"},
		{"bare sentinel", engine.ErrRuntimeNotFound, 400, "runtime not found"},
		{"limit", &engine.LimitError{Stage: engine.StageRun, Limit: engine.LimitProcesses, Value: 300, Max: 256}, 400, "limits.processes 300 exceeds the server maximum 256"},
		{"file", &engine.FileError{Name: "x\x00", Reason: "cannot be created"}, 400, `invalid file name "x\x00": cannot be created`},
		{"queue full", engine.ErrQueueFull, 503, "server busy: execution queue is full, retry later"},
		{"wrapped queue full", fmt.Errorf("local: %w", engine.ErrQueueFull), 503, "server busy: execution queue is full, retry later"},
		{"other", errors.New("sandbox exploded at /var/lib/secret"), 500, "internal error"},
		// A deadline of the engine's own, with the client still there, is
		// the server's failure.
		{"engine deadline", context.DeadlineExceeded, 500, "internal error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			exec := &fakeExec{fn: func(context.Context, engine.Job) (*engine.Result, error) { return nil, tt.err }}
			rec := do(t, newTestHandler(exec), "POST", "/api/v1/execute", helloBody)
			if got := checkError(t, rec, tt.wantCode); got != tt.want {
				t.Errorf("error %q, want %q", got, tt.want)
			}
			wantRetry := ""
			if tt.wantCode == 503 {
				wantRetry = "1"
			}
			if got := rec.Header().Get("Retry-After"); got != wantRetry {
				t.Errorf("Retry-After %q, want %q", got, wantRetry)
			}
		})
	}
}

func TestExecuteNilResult(t *testing.T) {
	exec := &fakeExec{fn: func(context.Context, engine.Job) (*engine.Result, error) { return nil, nil }}
	got := checkError(t, do(t, newTestHandler(exec), "POST", "/api/v1/execute", helloBody), 500)
	if got != "internal error" {
		t.Errorf("error %q", got)
	}
}

func TestExecuteClientGone(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	exec := &fakeExec{fn: func(ctx context.Context, _ engine.Job) (*engine.Result, error) {
		cancel()
		<-ctx.Done()
		return nil, ctx.Err()
	}}
	req := httptest.NewRequest("POST", "/api/v1/execute", strings.NewReader(helloBody)).WithContext(ctx)
	rec := httptest.NewRecorder()
	newTestHandler(exec).ServeHTTP(rec, req)
	if rec.Body.Len() != 0 {
		t.Errorf("wrote %q to a client that is gone", rec.Body)
	}
}

func TestExecutePanicRecovered(t *testing.T) {
	exec := &fakeExec{fn: func(context.Context, engine.Job) (*engine.Result, error) { panic("boom") }}
	got := checkError(t, do(t, newTestHandler(exec), "POST", "/api/v1/execute", helloBody), 500)
	if got != "internal error" {
		t.Errorf("error %q", got)
	}
}

func TestRuntimes(t *testing.T) {
	rec := do(t, newTestHandler(&fakeExec{}), "GET", "/api/v1/runtimes", "")
	got := checkJSON(t, rec, http.StatusOK)
	want := `[{"language":"bash","version":"5.2.15","aliases":[],"compiled":false},` +
		`{"language":"go","version":"1.26.8","aliases":["golang"],"compiled":true},` +
		`{"language":"python3","version":"3.11.2","aliases":["python","py"],"compiled":false}]` + "\n"
	if got != want {
		t.Errorf("body\n got %s\nwant %s", got, want)
	}
	if defaultRuntimes[0].Language != "python3" {
		t.Error("sorting modified the executor's slice")
	}
}

func TestRuntimesEmpty(t *testing.T) {
	rec := do(t, newTestHandler(&fakeExec{runtimes: []engine.RuntimeInfo{}}), "GET", "/api/v1/runtimes", "")
	if got := checkJSON(t, rec, http.StatusOK); got != "[]\n" {
		t.Errorf("body %q, want []", got)
	}
}

func TestHealth(t *testing.T) {
	rec := do(t, newTestHandler(&fakeExec{}), "GET", "/api/v1/health", "")
	if got := checkJSON(t, rec, http.StatusOK); got != `{"status":"ok"}`+"\n" {
		t.Errorf("body %q", got)
	}
	rec = do(t, newTestHandler(&fakeExec{notReady: true}), "GET", "/api/v1/health", "")
	if got := checkJSON(t, rec, http.StatusServiceUnavailable); got != `{"status":"starting"}`+"\n" {
		t.Errorf("body %q", got)
	}
}
