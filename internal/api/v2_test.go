package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coderacer/coderacer/internal/engine"
)

// pistonRuntimes are runtimes whose names differ from Piston's (python3,
// node) and some that do not (c, go, bash).
var pistonRuntimes = []engine.RuntimeInfo{
	{Language: "python3", Entrypoint: "main.py", Version: "3.11.2", Aliases: []string{"python", "py", "py3", "python3.11"}},
	{Language: "node", Entrypoint: "main.js", Version: "20.20.2", Aliases: []string{"javascript", "js", "nodejs", "node-js"}},
	{Language: "c", Entrypoint: "main.c", Version: "12.2.0", Aliases: []string{"gcc", "c17"}, Compiled: true},
	{Language: "java", Entrypoint: "Main.java", Version: "17.0.15", Aliases: []string{"jdk", "openjdk"}, Compiled: true},
	{Language: "go", Entrypoint: "main.go", Version: "1.19.8", Aliases: []string{"golang", "go1"}, Compiled: true},
	{Language: "bash", Entrypoint: "main.sh", Version: "5.2.15"},
}

const v2Hello = `{"language":"python","version":"3.11.2","files":[{"content":"print(1)"}]}`

// pistonClientBody is what piston-client 1.0.2 posts for
// client.execute("python", code) with no config: no file name, args
// ["1","2","3"], timeouts 10000/3000 and memory limits -1.
const pistonClientBody = `{"language":"python","version":"3.11.2","files":[{"content":"print(1)"}],` +
	`"stdin":"","args":["1","2","3"],"compile_timeout":10000,"run_timeout":3000,` +
	`"compile_memory_limit":-1,"run_memory_limit":-1}`

func pistonExec() *fakeExec { return &fakeExec{runtimes: pistonRuntimes} }

// checkV2Error asserts a v2 error answer, {"message": string} and nothing
// else, and returns the message.
func checkV2Error(t *testing.T, rec interface {
	Result() *http.Response
}, wantCode int) string {
	t.Helper()
	resp := rec.Result()
	body := new(bytes.Buffer)
	body.ReadFrom(resp.Body)
	if resp.StatusCode != wantCode {
		t.Fatalf("status %d, want %d; body %s", resp.StatusCode, wantCode, body)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	var e struct {
		Message *string `json:"message"`
	}
	if err := dec.Decode(&e); err != nil || e.Message == nil {
		t.Fatalf("body %q is not {\"message\": string} (%v)", body, err)
	}
	return *e.Message
}

func TestV2Runtimes(t *testing.T) {
	rec := do(t, newTestHandler(pistonExec()), "GET", "/api/v2/runtimes", "")
	got := checkJSON(t, rec, http.StatusOK)
	want := `[{"language":"bash","version":"5.2.15","aliases":[]},` +
		`{"language":"c","version":"12.2.0","aliases":["gcc","c17"]},` +
		`{"language":"go","version":"1.19.8","aliases":["golang","go1"]},` +
		`{"language":"java","version":"17.0.15","aliases":["jdk","openjdk"]},` +
		`{"language":"javascript","version":"20.20.2","aliases":["node","js","nodejs","node-js"],"runtime":"node"},` +
		`{"language":"python","version":"3.11.2","aliases":["python3","py","py3","python3.11"],"runtime":"python3"}]` + "\n"
	if got != want {
		t.Errorf("body\n got %s\nwant %s", got, want)
	}
	if pistonRuntimes[0].Aliases[0] != "python" {
		t.Error("the executor's aliases were modified")
	}
	if rec := do(t, newTestHandler(&fakeExec{runtimes: []engine.RuntimeInfo{}}), "GET", "/api/v2/runtimes", ""); checkJSON(t, rec, 200) != "[]\n" {
		t.Errorf("empty list: %s", rec.Body)
	}
}

func TestV2ExecuteResponseShape(t *testing.T) {
	exec := &fakeExec{runtimes: pistonRuntimes, fn: resultFn(&engine.Result{
		Language: "python3", Version: "3.11.2", Status: engine.StatusOK,
		Run: &engine.StageResult{
			Stdout: []byte("1\n"), Stderr: []byte("warn <&>\n"), Output: []byte("warn <&>\n1\n"),
			Status: engine.StatusOK, CPUTime: 8400 * time.Microsecond,
			WallTime: 12600 * time.Microsecond, Memory: 8192000,
		},
	})}
	rec := do(t, newTestHandler(exec), "POST", "/api/v2/execute", v2Hello)
	got := checkJSON(t, rec, http.StatusOK)
	want := `{"language":"python","version":"3.11.2","run":{"stdout":"1\n","stderr":"warn <&>\n",` +
		`"output":"warn <&>\n1\n","code":0,"signal":null,"message":null,"status":null,` +
		`"cpu_time":8,"wall_time":13,"memory":8192000}}` + "\n"
	if got != want {
		t.Errorf("body\n got %s\nwant %s", got, want)
	}
}

func TestV2ExecuteCompiledShape(t *testing.T) {
	exec := &fakeExec{runtimes: pistonRuntimes, fn: resultFn(&engine.Result{
		Language: "c", Version: "12.2.0", Status: engine.StatusOK,
		Compile: &engine.StageResult{
			Stderr: []byte("warning"), Output: []byte("warning"), Status: engine.StatusOK,
			CPUTime: 300 * time.Millisecond, WallTime: 400 * time.Millisecond, Memory: 1 << 20,
		},
		Run: &engine.StageResult{
			Stdout: []byte("hi"), Output: []byte("hi"), Status: engine.StatusOK,
			CPUTime: time.Millisecond, WallTime: 2 * time.Millisecond, Memory: 4096,
		},
	})}
	rec := do(t, newTestHandler(exec), "POST", "/api/v2/execute", `{"language":"c","version":"*","files":[{"content":"int main(){}"}]}`)
	got := checkJSON(t, rec, http.StatusOK)
	want := `{"language":"c","version":"12.2.0",` +
		`"run":{"stdout":"hi","stderr":"","output":"hi","code":0,"signal":null,"message":null,"status":null,"cpu_time":1,"wall_time":2,"memory":4096},` +
		`"compile":{"stdout":"","stderr":"warning","output":"warning","code":0,"signal":null,"message":null,"status":null,"cpu_time":300,"wall_time":400,"memory":1048576}}` + "\n"
	if got != want {
		t.Errorf("body\n got %s\nwant %s", got, want)
	}
}

// A failed compilation: run mirrors compile, as Piston does, so clients
// that read only run.* see the compiler's error.
func TestV2ExecuteCompileError(t *testing.T) {
	exec := &fakeExec{runtimes: pistonRuntimes, fn: resultFn(&engine.Result{
		Language: "c", Version: "12.2.0", Status: engine.StatusCompileError,
		Compile: &engine.StageResult{
			Stderr: []byte("main.c:1: error"), Output: []byte("main.c:1: error"), ExitCode: 1,
			Status: engine.StatusCompileError, CPUTime: 50 * time.Millisecond, WallTime: 70 * time.Millisecond, Memory: 4096,
		},
	})}
	rec := do(t, newTestHandler(exec), "POST", "/api/v2/execute", `{"language":"c","version":"12","files":[{"content":"x"}]}`)
	got := checkJSON(t, rec, http.StatusOK)
	stage := `{"stdout":"","stderr":"main.c:1: error","output":"main.c:1: error","code":1,"signal":null,"message":null,"status":"RE","cpu_time":50,"wall_time":70,"memory":4096}`
	want := `{"language":"c","version":"12.2.0","run":` + stage + `,"compile":` + stage + "}\n"
	if got != want {
		t.Errorf("body\n got %s\nwant %s", got, want)
	}
}

func TestV2ExecuteCompileTimeout(t *testing.T) {
	exec := &fakeExec{runtimes: pistonRuntimes, fn: resultFn(&engine.Result{
		Language: "c", Version: "12.2.0", Status: engine.StatusCompileError,
		Compile: &engine.StageResult{Signal: "SIGKILL", ExitCode: 137, Status: engine.StatusTimeLimitExceeded, Message: "wall time limit of 10s exceeded"},
	})}
	var got v2Response
	rec := do(t, newTestHandler(exec), "POST", "/api/v2/execute", `{"language":"c","version":"*","files":[{"content":"x"}]}`)
	json.Unmarshal([]byte(checkJSON(t, rec, 200)), &got)
	if got.Compile == nil || *got.Compile.Status != "TO" || *got.Run.Status != "TO" || got.Run.Code != nil || *got.Run.Signal != "SIGKILL" {
		t.Errorf("body %s", rec.Body)
	}
}

// Every engine status in Piston's terms.
func TestV2StageStatuses(t *testing.T) {
	type want struct {
		status, signal, message string
		code                    any // float64 or nil
	}
	tests := []struct {
		name  string
		stage engine.StageResult
		want  want
	}{
		{"OK", engine.StageResult{Status: engine.StatusOK}, want{"", "", "", 0.0}},
		{"RE", engine.StageResult{Status: engine.StatusRuntimeError, ExitCode: 3}, want{"RE", "", "", 3.0}},
		{"CE", engine.StageResult{Status: engine.StatusCompileError, ExitCode: 1}, want{"RE", "", "", 1.0}},
		{"SG", engine.StageResult{Status: engine.StatusSignaled, ExitCode: 139, Signal: "SIGSEGV", Message: "killed by SIGSEGV"}, want{"SG", "SIGSEGV", "killed by SIGSEGV", nil}},
		{"TLE", engine.StageResult{Status: engine.StatusTimeLimitExceeded, ExitCode: 137, Signal: "SIGKILL", Message: "CPU time limit of 1s exceeded"}, want{"TO", "SIGKILL", "CPU time limit of 1s exceeded", nil}},
		{"MLE", engine.StageResult{Status: engine.StatusMemoryLimitExceeded, ExitCode: 137, Signal: "SIGKILL", Message: "memory limit of 1048576 bytes exceeded"}, want{"SG", "SIGKILL", "memory limit of 1048576 bytes exceeded", nil}},
		{"MLE without message", engine.StageResult{Status: engine.StatusMemoryLimitExceeded, Signal: "SIGKILL"}, want{"SG", "SIGKILL", "memory limit exceeded", nil}},
		{"OLE stdout", engine.StageResult{Status: engine.StatusOutputLimitExceeded, StdoutTruncated: true, Signal: "SIGKILL", Message: "output limit"}, want{"OL", "SIGKILL", "output limit", nil}},
		{"OLE stderr", engine.StageResult{Status: engine.StatusOutputLimitExceeded, StderrTruncated: true, Signal: "SIGKILL", Message: "output limit"}, want{"EL", "SIGKILL", "output limit", nil}},
		{"OLE file size", engine.StageResult{Status: engine.StatusOutputLimitExceeded, Signal: "SIGXFSZ", Message: "file size limit of 1 bytes exceeded"}, want{"SG", "SIGXFSZ", "file size limit of 1 bytes exceeded", nil}},
		{"IE", engine.StageResult{Status: engine.StatusInternalError}, want{"XX", "", "internal error", nil}},
		{"IE with message", engine.StageResult{Status: engine.StatusInternalError, Message: "the sandbox failed"}, want{"XX", "", "the sandbox failed", nil}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := tt.stage
			exec := &fakeExec{runtimes: pistonRuntimes, fn: resultFn(&engine.Result{Version: "3.11.2", Status: st.Status, Run: &st})}
			rec := do(t, newTestHandler(exec), "POST", "/api/v2/execute", v2Hello)
			var got struct {
				Run map[string]any `json:"run"`
			}
			json.Unmarshal([]byte(checkJSON(t, rec, 200)), &got)
			check := func(field string, want any) {
				if want == "" {
					want = nil
				}
				if got.Run[field] != want {
					t.Errorf("%s = %#v, want %#v", field, got.Run[field], want)
				}
			}
			check("status", tt.want.status)
			check("signal", tt.want.signal)
			check("message", tt.want.message)
			if got.Run["code"] != tt.want.code {
				t.Errorf("code = %#v, want %#v", got.Run["code"], tt.want.code)
			}
		})
	}
}

func TestV2ExecuteInternalErrorWithoutStages(t *testing.T) {
	for _, res := range []*engine.Result{
		{Status: engine.StatusInternalError},
		{Status: engine.StatusInternalError, Compile: &engine.StageResult{Status: engine.StatusOK}},
	} {
		exec := &fakeExec{runtimes: pistonRuntimes, fn: resultFn(res)}
		rec := do(t, newTestHandler(exec), "POST", "/api/v2/execute", v2Hello)
		var got v2Response
		json.Unmarshal([]byte(checkJSON(t, rec, 200)), &got)
		if got.Run.Status == nil || *got.Run.Status != "XX" || *got.Run.Message != "internal error" || got.Run.Code != nil {
			t.Errorf("body %s", rec.Body)
		}
		if got.Version != "3.11.2" || got.Language != "python" {
			t.Errorf("language/version from the resolved runtime: %s", rec.Body)
		}
	}
}

// An executor that does not interleave still gets an output.
func TestV2ExecuteOutputFallback(t *testing.T) {
	exec := &fakeExec{runtimes: pistonRuntimes, fn: resultFn(&engine.Result{
		Status: engine.StatusOK, Run: &engine.StageResult{Stdout: []byte("o"), Stderr: []byte("e"), Status: engine.StatusOK},
	})}
	var got v2Response
	json.Unmarshal([]byte(checkJSON(t, do(t, newTestHandler(exec), "POST", "/api/v2/execute", v2Hello), 200)), &got)
	if got.Run.Output != "oe" {
		t.Errorf("output %q", got.Run.Output)
	}
}

func TestV2ExecuteInvalidUTF8Output(t *testing.T) {
	exec := &fakeExec{runtimes: pistonRuntimes, fn: resultFn(&engine.Result{
		Status: engine.StatusOK, Run: &engine.StageResult{Stdout: []byte("a\xffb"), Output: []byte("a\xffb"), Status: engine.StatusOK},
	})}
	var got v2Response
	if err := json.Unmarshal([]byte(checkJSON(t, do(t, newTestHandler(exec), "POST", "/api/v2/execute", v2Hello), 200)), &got); err != nil {
		t.Fatal(err)
	}
	if got.Run.Stdout != "a\uFFFDb" || got.Run.Output != "a\uFFFDb" {
		t.Errorf("stdout %q output %q", got.Run.Stdout, got.Run.Output)
	}
}

// What piston-client sends by default becomes the job with the server's
// defaults.
func TestV2ExecutePistonClientDefaults(t *testing.T) {
	exec := pistonExec()
	rec := do(t, newTestHandler(exec), "POST", "/api/v2/execute", pistonClientBody)
	checkJSON(t, rec, http.StatusOK)
	job := exec.lastJob(t)
	want := engine.Job{
		Language: "python3", Entrypoint: "main.py",
		Files:         []engine.File{{Name: "main.py", Content: []byte("print(1)")}},
		Stdin:         []byte("\n"), // Piston ends stdin with a newline
		Args:          []string{"1", "2", "3"},
		CompileLimits: engine.Limits{WallTime: 10 * time.Second},
		RunLimits:     engine.Limits{WallTime: 3 * time.Second},
	}
	if fmt.Sprintf("%#v", job) != fmt.Sprintf("%#v", want) {
		t.Errorf("job\n got %#v\nwant %#v", job, want)
	}
}

// Piston ends stdin with a newline when it has none (its Job
// constructor), and programs written for it count on that: the execute
// route does the same, so "" reaches the program as "\n".
func TestV2ExecuteStdinEndsWithNewline(t *testing.T) {
	for _, c := range []struct{ field, want string }{
		{``, "\n"},
		{`,"stdin":null`, "\n"},
		{`,"stdin":""`, "\n"},
		{`,"stdin":"a"`, "a\n"},
		{`,"stdin":"a\n"`, "a\n"},
		{`,"stdin":"a\n\n"`, "a\n\n"},
		{`,"stdin":"\r"`, "\r\n"},
		{`,"stdin":"\u0000"`, "\x00\n"},
	} {
		exec := pistonExec()
		body := `{"language":"python","version":"*","files":[{"content":"x"}]` + c.field + `}`
		checkJSON(t, do(t, newTestHandler(exec), "POST", "/api/v2/execute", body), http.StatusOK)
		if got := string(exec.lastJob(t).Stdin); got != c.want {
			t.Errorf("%s: stdin %q, want %q", body, got, c.want)
		}
	}
}

// The newline is the server's: stdin at the bound is taken, one byte over
// is refused, whatever its last byte.
func TestV2StdinBoundWithoutNewline(t *testing.T) {
	exec := pistonExec()
	h := New(exec, Options{MaxStdinBytes: 3, Logger: quietLogger()})
	body := `{"language":"python","version":"*","files":[{"content":"x"}],"stdin":"%s"}`
	checkJSON(t, do(t, h, "POST", "/api/v2/execute", fmt.Sprintf(body, "abc")), http.StatusOK)
	if got := string(exec.lastJob(t).Stdin); got != "abc\n" {
		t.Errorf("stdin %q, want %q", got, "abc\n")
	}
	msg := checkV2Error(t, do(t, h, "POST", "/api/v2/execute", fmt.Sprintf(body, `ab\n\n`)), http.StatusBadRequest)
	if msg != "stdin is 4 bytes long; it may have at most 3 bytes" {
		t.Errorf("message %q", msg)
	}
}

func TestV2ExecuteBuildsJob(t *testing.T) {
	exec := pistonExec()
	body := `{"language":"Python","version":"3.x",
		"files":[{"name":"pkg/main.py","content":"import lib"},{"name":"lib.py","content":"","encoding":"utf8"},
		         {"content":"aGk=","encoding":"base64"},{"content":"6869","encoding":"hex"}],
		"stdin":"input\n","args":["-v","two words"],
		"compile_timeout":20000,"run_timeout":5000,"compile_cpu_time":15000,"run_cpu_time":2500.4,
		"compile_memory_limit":536870912,"run_memory_limit":1048576,"some_future_field":[1]}`
	checkJSON(t, do(t, newTestHandler(exec), "POST", "/api/v2/execute", body), http.StatusOK)
	job := exec.lastJob(t)
	want := engine.Job{
		Language: "python3", Entrypoint: "pkg/main.py",
		Files: []engine.File{
			{Name: "pkg/main.py", Content: []byte("import lib")},
			{Name: "lib.py", Content: []byte{}},
			{Name: "file2.code", Content: []byte("hi")},
			{Name: "file3.code", Content: []byte("hi")},
		},
		Stdin: []byte("input\n"),
		Args:  []string{"-v", "two words"},
		RunLimits: engine.Limits{
			WallTime: 5 * time.Second, CPUTime: 2500 * time.Millisecond, Memory: 1 << 20,
		},
		CompileLimits: engine.Limits{
			WallTime: 20 * time.Second, CPUTime: 15 * time.Second, Memory: 512 << 20,
		},
	}
	if fmt.Sprintf("%#v", job) != fmt.Sprintf("%#v", want) {
		t.Errorf("job\n got %#v\nwant %#v", job, want)
	}
}

// A main file without a name gets the runtime's usual entrypoint name, so
// compilers that go by the extension find it; the others file{i}.code.
func TestV2DefaultFileNames(t *testing.T) {
	tests := []struct {
		language string
		files    string
		want     []string
	}{
		{"c", `[{"content":"x"}]`, []string{"main.c"}},
		{"java", `[{"content":"x"},{"content":"y"}]`, []string{"Main.java", "file1.code"}},
		{"javascript", `[{"content":"x"}]`, []string{"main.js"}},
		{"bash", `[{"content":"x","name":null}]`, []string{"main.sh"}},
		// The usual name is taken by another file: Piston's name instead.
		{"python", `[{"content":"x"},{"name":"main.py","content":"y"}]`, []string{"file0.code", "main.py"}},
	}
	for _, tt := range tests {
		exec := pistonExec()
		body := fmt.Sprintf(`{"language":%q,"version":"*","files":%s}`, tt.language, tt.files)
		checkJSON(t, do(t, newTestHandler(exec), "POST", "/api/v2/execute", body), http.StatusOK)
		job := exec.lastJob(t)
		var names []string
		for _, f := range job.Files {
			names = append(names, f.Name)
		}
		if fmt.Sprint(names) != fmt.Sprint(tt.want) || job.Entrypoint != tt.want[0] {
			t.Errorf("%s %s: names %v entrypoint %q, want %v", tt.language, tt.files, names, job.Entrypoint, tt.want)
		}
	}
}

func TestV2VersionSelectors(t *testing.T) {
	tests := []struct {
		language, version string
		want              string // our language, or "" for unknown
	}{
		{"python", "*", "python3"},
		{"python", "3.11.2", "python3"},
		{"python", "3", "python3"},
		{"python", "3.11", "python3"},
		{"python", "3.x", "python3"},
		{"python", "^3.10", "python3"},
		{"python", "~3.11", "python3"},
		{"python", ">=3.10 <4", "python3"},
		{"python", " 3.11.2 ", "python3"},
		{"python", "3.10.0", ""},
		{"python", "2", ""},
		{"python", ">3.11.2", ""},
		{"python", "latest", ""},
		{"PY", "*", "python3"},
		{"python3", "*", "python3"},
		{"javascript", "20", "node"},
		{"js", "20.20.2", "node"},
		{"node", "*", "node"},
		{"java", "17.0.15", "java"},
		{"go", "1.19", "go"},
		{"c", "12.2.0", "c"},
		{"gcc", "<13", "c"},
		{"cobol", "*", ""},
	}
	for _, tt := range tests {
		exec := pistonExec()
		body := fmt.Sprintf(`{"language":%q,"version":%q,"files":[{"content":"x"}]}`, tt.language, tt.version)
		rec := do(t, newTestHandler(exec), "POST", "/api/v2/execute", body)
		if tt.want == "" {
			if got, want := checkV2Error(t, rec, 400), tt.language+"-"+tt.version+" runtime is unknown"; got != want {
				t.Errorf("%s %s: message %q, want %q", tt.language, tt.version, got, want)
			}
			continue
		}
		checkJSON(t, rec, http.StatusOK)
		if got := exec.lastJob(t).Language; got != tt.want {
			t.Errorf("%s %s: ran %s, want %s", tt.language, tt.version, got, tt.want)
		}
	}
}

// With several versions of a language, the newest that matches wins.
func TestV2NewestMatchingVersion(t *testing.T) {
	exec := &fakeExec{runtimes: []engine.RuntimeInfo{
		{Language: "python3", Version: "3.9.4", Aliases: []string{"python"}},
		{Language: "python3.12", Version: "3.12.1", Aliases: []string{"python"}},
	}}
	srv := &server{exec: exec, opts: Options{MaxFiles: 10}, log: quietLogger()}
	for sel, want := range map[string]string{"*": "3.12.1", "3": "3.12.1", "3.9": "3.9.4", "<3.12": "3.9.4"} {
		rt, ok := srv.resolveV2("python", sel)
		if !ok || rt.info.Version != want {
			t.Errorf("%s: got %v %v, want %s", sel, rt.info.Version, ok, want)
		}
	}
	// A version that is not SemVer matches "*" and itself only.
	srv.exec = &fakeExec{runtimes: []engine.RuntimeInfo{{Language: "odd", Version: "2024a"}}}
	for sel, want := range map[string]bool{"*": true, "2024a": true, "2024": false} {
		if _, ok := srv.resolveV2("odd", sel); ok != want {
			t.Errorf("odd %s: %v", sel, ok)
		}
	}
}

func TestV2ExecuteBadRequests(t *testing.T) {
	files := `"files":[{"content":"x"}]`
	tests := []struct{ body, want string }{
		{``, "request body is empty; it must be a JSON object"},
		{`null`, "request body must be a JSON object, not null"},
		{`[]`, "request body must be a JSON object, not an array"},
		{`{"language":`, "malformed JSON at byte 12: unexpected end of JSON input"},
		{`{` + files + `,"version":"*"}`, "language is required as a string"},
		{`{"language":3,"version":"*",` + files + `}`, "language is required as a string"},
		{`{"language":"","version":"*",` + files + `}`, "language is required as a string"},
		{`{"language":"python",` + files + `}`, "version is required as a string"},
		{`{"language":"python","version":3.11,` + files + `}`, "version is required as a string"},
		{`{"language":"python","version":"*"}`, "files is required as an array"},
		{`{"language":"python","version":"*","files":{}}`, "files is required as an array"},
		{`{"language":"python","version":"*","files":[]}`, "files must contain at least one file"},
		{`{"language":"python","version":"*","files":[null]}`, "files[0] must be an object"},
		{`{"language":"python","version":"*","files":["x"]}`, "files[0] must be an object"},
		{`{"language":"python","version":"*","files":[{"content":"x"},{"name":"a"}]}`, "files[1].content is required as a string"},
		{`{"language":"python","version":"*","files":[{"content":1}]}`, "files[0].content is required as a string"},
		{`{"language":"python","version":"*","files":[{"content":"x","name":7}]}`, "files[0].name must be a string"},
		{`{"language":"python","version":"*","files":[{"content":"x","encoding":"utf16"}]}`, "files[0].encoding must be one of utf8, base64, hex"},
		{`{"language":"python","version":"*","files":[{"content":"x","encoding":1}]}`, "files[0].encoding must be a string"},
		{`{"language":"python","version":"*","files":[{"content":"!!","encoding":"base64"}]}`, "files[0].content is not valid base64"},
		{`{"language":"python","version":"*","files":[{"content":"zz","encoding":"hex"}]}`, "files[0].content is not valid hex"},
		{`{"language":"python","version":"*","files":[{"content":"x","name":"../x"}]}`, `invalid file name "../x": contains ".."`},
		{`{"language":"python","version":"*","files":[{"content":"x","name":"/etc/x"}]}`, `invalid file name "/etc/x": is absolute`},
		{`{"language":"python","version":"*","files":[{"content":"x","name":""}]}`, `a file name is empty`},
		{`{"language":"python","version":"*","files":[{"content":"x","name":"a"},{"content":"y","name":"a"}]}`, `invalid file name "a": duplicate`},
		{`{"language":"python","version":"*",` + files + `,"stdin":5}`, "stdin must be a string"},
		{`{"language":"python","version":"*",` + files + `,"args":"a"}`, "args must be an array of strings"},
		{`{"language":"python","version":"*",` + files + `,"args":[1]}`, "args must be an array of strings"},
		{`{"language":"python","version":"*",` + files + `,"args":["a\u0000"]}`, "args[0] must not contain a NUL character"},
		{`{"language":"python","version":"*",` + files + `,"run_timeout":"3000"}`, "If specified, run_timeout must be a number"},
		{`{"language":"python","version":"*",` + files + `,"compile_memory_limit":true}`, "If specified, compile_memory_limit must be a number"},
		{`{"language":"python","version":"*",` + files + `,"run_timeout":-1}`, "run_timeout must be non-negative"},
		{`{"language":"python","version":"*",` + files + `,"compile_cpu_time":-5}`, "compile_cpu_time must be non-negative"},
		{`{"language":"python","version":"*",` + files + `,"run_memory_limit":-2}`, "run_memory_limit must be non-negative"},
		{`{"language":"python","version":"9",` + files + `}`, "python-9 runtime is unknown"},
	}
	for _, tt := range tests {
		exec := pistonExec()
		got := checkV2Error(t, do(t, newTestHandler(exec), "POST", "/api/v2/execute", tt.body), http.StatusBadRequest)
		if got != tt.want {
			t.Errorf("%s:\n got %q\nwant %q", tt.body, got, tt.want)
		}
		if len(exec.jobs) != 0 {
			t.Errorf("%s: the job ran", tt.body)
		}
	}
}

func TestV2LimitsOverMaximum(t *testing.T) {
	tests := []struct{ field, value, want string }{
		{"run_timeout", "30001", "run_timeout cannot exceed the configured limit of 30000"},
		{"compile_timeout", "60001", "compile_timeout cannot exceed the configured limit of 60000"},
		{"run_cpu_time", "1e15", "run_cpu_time cannot exceed the configured limit of 30000"},
		{"compile_cpu_time", "99999999", "compile_cpu_time cannot exceed the configured limit of 60000"},
		{"run_memory_limit", "2147483649", "run_memory_limit cannot exceed the configured limit of 2147483648"},
		{"compile_memory_limit", "1e300", "compile_memory_limit cannot exceed the configured limit of 2147483648"},
	}
	for _, tt := range tests {
		body := fmt.Sprintf(`{"language":"python","version":"*","files":[{"content":"x"}],%q:%s}`, tt.field, tt.value)
		got := checkV2Error(t, do(t, newTestHandler(pistonExec()), "POST", "/api/v2/execute", body), http.StatusBadRequest)
		if got != tt.want {
			t.Errorf("%s=%s: %q, want %q", tt.field, tt.value, got, tt.want)
		}
	}
	// 0, null and -1 for memory are the configured value; at the maximum is fine.
	for _, extra := range []string{
		`"run_timeout":0,"run_memory_limit":null,"compile_memory_limit":-1,"run_cpu_time":30000,"compile_timeout":60000`,
	} {
		body := `{"language":"python","version":"*","files":[{"content":"x"}],` + extra + `}`
		exec := pistonExec()
		checkJSON(t, do(t, newTestHandler(exec), "POST", "/api/v2/execute", body), http.StatusOK)
		job := exec.lastJob(t)
		if job.RunLimits != (engine.Limits{CPUTime: 30 * time.Second}) || job.CompileLimits != (engine.Limits{WallTime: time.Minute}) {
			t.Errorf("limits %+v %+v", job.RunLimits, job.CompileLimits)
		}
	}
}

func TestV2ExecuteEngineErrors(t *testing.T) {
	tests := []struct {
		name     string
		err      error
		wantCode int
		want     string
	}{
		{"runtime vanished", &engine.RuntimeNotFoundError{Language: "python3"}, 400, "python-3.11.2 runtime is unknown"},
		{"bare sentinel", engine.ErrRuntimeNotFound, 400, "python-3.11.2 runtime is unknown"},
		{"limit", &engine.LimitError{Stage: engine.StageRun, Limit: engine.LimitWallTime, Value: int64(50 * time.Second), Max: int64(20 * time.Second)}, 400, "run_timeout cannot exceed the configured limit of 20000"},
		{"other limit", &engine.LimitError{Stage: engine.StageRun, Limit: engine.LimitProcesses, Value: 300, Max: 256}, 400, "limits.processes 300 exceeds the server maximum 256"},
		{"file", &engine.FileError{Name: "x", Reason: "cannot be created"}, 400, `invalid file name "x": cannot be created`},
		{"queue full", fmt.Errorf("local: %w", engine.ErrQueueFull), 503, "server busy: execution queue is full, retry later"},
		{"other", errors.New("sandbox exploded at /var/lib/secret"), 500, "internal error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			exec := &fakeExec{runtimes: pistonRuntimes, fn: func(context.Context, engine.Job) (*engine.Result, error) { return nil, tt.err }}
			rec := do(t, newTestHandler(exec), "POST", "/api/v2/execute", v2Hello)
			if got := checkV2Error(t, rec, tt.wantCode); got != tt.want {
				t.Errorf("message %q, want %q", got, tt.want)
			}
			if tt.wantCode == 503 && rec.Header().Get("Retry-After") != "1" {
				t.Error("no Retry-After")
			}
		})
	}
	exec := &fakeExec{runtimes: pistonRuntimes, fn: func(context.Context, engine.Job) (*engine.Result, error) { return nil, nil }}
	if got := checkV2Error(t, do(t, newTestHandler(exec), "POST", "/api/v2/execute", v2Hello), 500); got != "internal error" {
		t.Errorf("nil result: %q", got)
	}
}

func TestV2ExecuteBodyTooLarge(t *testing.T) {
	h := New(pistonExec(), Options{MaxBodyBytes: 100, Logger: quietLogger()})
	body := `{"language":"python","version":"*","files":[{"content":"` + strings.Repeat("x", 200) + `"}]}`
	if got := checkV2Error(t, do(t, h, "POST", "/api/v2/execute", body), 413); got != "request body exceeds 100 bytes" {
		t.Errorf("message %q", got)
	}
	h = New(pistonExec(), Options{MaxFiles: 2, Logger: quietLogger()})
	body = `{"language":"python","version":"*","files":[{"content":"1"},{"content":"2"},{"content":"3"}]}`
	if got := checkV2Error(t, do(t, h, "POST", "/api/v2/execute", body), 400); got != "too many files: 3, the maximum is 2" {
		t.Errorf("message %q", got)
	}
}

func TestV2NotFoundAndMethods(t *testing.T) {
	h := newTestHandler(pistonExec())
	for _, target := range []string{"/api/v2/", "/api/v2/piston/execute", "/api/v2/execute/x"} {
		if got := checkV2Error(t, do(t, h, "GET", target, ""), 404); got != "not found" {
			t.Errorf("%s: %q", target, got)
		}
	}
	for _, tt := range []struct{ method, target, allow string }{
		{"GET", "/api/v2/execute", "POST"},
		{"PUT", "/api/v2/execute", "POST"},
		{"POST", "/api/v2/runtimes", "GET, HEAD"},
		{"DELETE", "/api/v2/connect", "GET, HEAD"},
	} {
		rec := do(t, h, tt.method, tt.target, "")
		if got := checkV2Error(t, rec, 405); got != "method not allowed" {
			t.Errorf("%s %s: %q", tt.method, tt.target, got)
		}
		if rec.Header().Get("Allow") != tt.allow {
			t.Errorf("%s %s: Allow %q", tt.method, tt.target, rec.Header().Get("Allow"))
		}
	}
	// Without an upgrade, the WebSocket endpoints say what they are.
	if got := checkV2Error(t, do(t, h, "GET", "/api/v2/connect", ""), 426); !strings.Contains(got, "WebSocket") {
		t.Errorf("426 message %q", got)
	}
	if got := checkError(t, do(t, h, "GET", "/api/v1/connect", ""), 426); !strings.Contains(got, "WebSocket") {
		t.Errorf("426 error %q", got)
	}
}

func TestSplitIncompleteUTF8(t *testing.T) {
	tests := []struct{ in, complete, tail string }{
		{"", "", ""},
		{"abc", "abc", ""},
		{"a\xc3", "a", "\xc3"},
		{"a\xc3\xa9", "a\xc3\xa9", ""},
		{"\xe2\x82", "", "\xe2\x82"},
		{"x\xf0\x9f\x98", "x", "\xf0\x9f\x98"},
		{"x\xf0\x9f\x98\x80", "x\xf0\x9f\x98\x80", ""},
		{"a\xff", "a\xff", ""},                 // invalid: sent as is
		{"a\x80\x80\x80", "a\x80\x80\x80", ""}, // continuation bytes only
	}
	for _, tt := range tests {
		c, tail := splitIncompleteUTF8([]byte(tt.in))
		if string(c) != tt.complete || string(tail) != tt.tail {
			t.Errorf("%q: %q + %q, want %q + %q", tt.in, c, tail, tt.complete, tt.tail)
		}
	}
}

func FuzzV2ExecuteRequest(f *testing.F) {
	for _, seed := range []string{
		v2Hello, pistonClientBody,
		`{"language":"c","version":"^12","files":[{"name":"a/b.c","content":"aGk=","encoding":"base64"},{"content":"zz","encoding":"hex"}],"run_memory_limit":-1}`,
		`{"language":"python","version":">=3 <4 || 1.x","files":[{"content":""}],"run_timeout":1e300,"compile_cpu_time":-0.4}`,
		`{"language":"python","version":"*","files":[null,{"name":1}],"args":[1]}`,
		`{"language":"js","version":"","files":{}}`,
		`[]`, `null`, ``, `{"files":"x"}garbage`,
	} {
		f.Add([]byte(seed))
	}
	h := New(&fakeExec{runtimes: pistonRuntimes}, Options{MaxBodyBytes: 512, MaxFiles: 3, Logger: quietLogger()})
	f.Fuzz(func(t *testing.T, body []byte) {
		rec := do(t, h, "POST", "/api/v2/execute", string(body))
		switch rec.Code {
		case http.StatusOK:
			checkJSON(t, rec, http.StatusOK)
		case http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusServiceUnavailable:
			checkV2Error(t, rec, rec.Code)
		default:
			t.Fatalf("status %d for %q: %s", rec.Code, body, rec.Body)
		}
	})
}
