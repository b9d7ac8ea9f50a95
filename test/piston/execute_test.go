package piston

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/coderacer/coderacer/test/testserver"
)

// stage is a v2 stage object; pointers tell null from zero.
type stage struct {
	Stdout   string   `json:"stdout"`
	Stderr   string   `json:"stderr"`
	Output   string   `json:"output"`
	Code     *int     `json:"code"`
	Signal   *string  `json:"signal"`
	Message  *string  `json:"message"`
	Status   *string  `json:"status"`
	CPUTime  *float64 `json:"cpu_time"`
	WallTime *float64 `json:"wall_time"`
	Memory   *float64 `json:"memory"`
}

type response struct {
	Language string  `json:"language"`
	Version  string  `json:"version"`
	Run      *stage  `json:"run"`
	Compile  *stage  `json:"compile"`
	Message  *string `json:"message"`
	raw      []byte
}

func str(p *string) string {
	if p == nil {
		return "<null>"
	}
	return *p
}

// execute posts body to /api/v2/execute and decodes the answer.
func execute(t *testing.T, body string) (int, *response) {
	t.Helper()
	code, _, data := testserver.Do(t, srv, http.MethodPost, "/api/v2/execute", []byte(body))
	r := &response{raw: data}
	if err := json.Unmarshal(data, r); err != nil {
		t.Fatalf("POST /api/v2/execute answered %d with a body that is not JSON: %s", code, data)
	}
	return code, r
}

func mustExecute(t *testing.T, body string) *response {
	t.Helper()
	code, r := execute(t, body)
	if code != http.StatusOK || r.Run == nil {
		t.Fatalf("POST /api/v2/execute: %d %s", code, r.raw)
	}
	return r
}

func TestRuntimes(t *testing.T) {
	code, _, data := testserver.Do(t, srv, http.MethodGet, "/api/v2/runtimes", nil)
	if code != http.StatusOK {
		t.Fatalf("GET /api/v2/runtimes: %d %s", code, data)
	}
	var rts []struct {
		Language string   `json:"language"`
		Version  string   `json:"version"`
		Aliases  []string `json:"aliases"`
		Runtime  *string  `json:"runtime"`
	}
	if err := json.Unmarshal(data, &rts); err != nil {
		t.Fatal(err)
	}
	byName := map[string]int{}
	for i, rt := range rts {
		byName[rt.Language] = i
	}
	for name, runtime := range map[string]string{"python": "python3", "javascript": "node", "c": "", "bash": ""} {
		i, ok := byName[name]
		if !ok {
			t.Errorf("no runtime %q in %s", name, data)
			continue
		}
		if got := str(rts[i].Runtime); (runtime == "" && rts[i].Runtime != nil) || (runtime != "" && got != runtime) {
			t.Errorf("%s: runtime %s, want %q", name, got, runtime)
		}
	}
}

func TestExecutePython(t *testing.T) {
	r := mustExecute(t, `{"language":"python","version":"3.x","files":[{"name":"main.py","content":"import sys\nprint(sys.stdin.read().upper(), sys.argv[1:])\nprint('e', file=sys.stderr)"}],"stdin":"hi","args":["a","b"]}`)
	if r.Language != "python" || !strings.HasPrefix(r.Version, "3.") || r.Compile != nil {
		t.Errorf("language %q version %q compile %v", r.Language, r.Version, r.Compile)
	}
	run := r.Run
	// Stdout and stderr are two pipes: output keeps each one's order, the
	// chunks of the two as the engine read them.
	// stdin "hi" arrives as "hi\n": Piston ends stdin with a newline.
	if run.Stdout != "HI\n ['a', 'b']\n" || run.Stderr != "e\n" || !interleaves(run.Output, run.Stdout, run.Stderr) {
		t.Errorf("stdout %q stderr %q output %q", run.Stdout, run.Stderr, run.Output)
	}
	if run.Code == nil || *run.Code != 0 || run.Signal != nil || run.Status != nil || run.Message != nil {
		t.Errorf("run %s", r.raw)
	}
	if run.CPUTime == nil || run.WallTime == nil || run.Memory == nil || *run.Memory <= 0 || *run.WallTime <= 0 {
		t.Errorf("resources %s", r.raw)
	}
}

// Files in base64 and hex, the main file without a name.
func TestExecuteEncodings(t *testing.T) {
	// print(open('lib.txt').read() + open('file2.code').read())
	r := mustExecute(t, `{"language":"py","version":"*","files":[
		{"content":"cHJpbnQob3BlbignbGliLnR4dCcpLnJlYWQoKSArIG9wZW4oJ2ZpbGUyLmNvZGUnKS5yZWFkKCkp","encoding":"base64"},
		{"name":"lib.txt","content":"6869","encoding":"hex"},
		{"content":"!"}]}`)
	if r.Run.Stdout != "hi!\n" {
		t.Errorf("stdout %q: %s", r.Run.Stdout, r.raw)
	}
}

func TestExecuteCompileError(t *testing.T) {
	r := mustExecute(t, `{"language":"c","version":"*","files":[{"content":"int main( {"}]}`)
	c := r.Compile
	if c == nil || c.Code == nil || *c.Code == 0 || str(c.Status) != "RE" || !strings.Contains(c.Stderr, "error") {
		t.Fatalf("compile %s", r.raw)
	}
	if r.Run.Stderr != c.Stderr || str(r.Run.Status) != "RE" || *r.Run.Code != *c.Code {
		t.Errorf("run does not mirror compile: %s", r.raw)
	}
}

func TestExecuteTimeout(t *testing.T) {
	r := mustExecute(t, `{"language":"python","version":"*","files":[{"content":"while True: pass"}],"run_timeout":400}`)
	run := r.Run
	if str(run.Status) != "TO" || str(run.Signal) != "SIGKILL" || run.Code != nil || !strings.Contains(str(run.Message), "time limit") {
		t.Errorf("run %s", r.raw)
	}
}

func TestExecuteCPUTimeout(t *testing.T) {
	r := mustExecute(t, `{"language":"python","version":"*","files":[{"content":"while True: pass"}],"run_cpu_time":300}`)
	if str(r.Run.Status) != "TO" || !strings.Contains(str(r.Run.Message), "CPU time limit") {
		t.Errorf("run %s", r.raw)
	}
}

func TestExecuteOutputLimits(t *testing.T) {
	// The default output limit is 1 MiB per stream: 2 MiB is over it.
	r := mustExecute(t, `{"language":"python","version":"*","files":[{"content":"import sys\nsys.stdout.write('x' * (2 << 20))"}]}`)
	if str(r.Run.Status) != "OL" || len(r.Run.Stdout) != 1<<20 {
		t.Errorf("stdout: status %s, %d bytes kept, message %s", str(r.Run.Status), len(r.Run.Stdout), str(r.Run.Message))
	}
	r = mustExecute(t, `{"language":"python","version":"*","files":[{"content":"import sys\nsys.stderr.write('x' * (2 << 20))"}]}`)
	if str(r.Run.Status) != "EL" || len(r.Run.Stderr) != 1<<20 {
		t.Errorf("stderr: status %s, %d bytes kept, message %s", str(r.Run.Status), len(r.Run.Stderr), str(r.Run.Message))
	}
}

// A memory kill is SG, as Piston reports it, with a message that says
// which limit it was.
func TestExecuteMemoryLimit(t *testing.T) {
	r := mustExecute(t, `{"language":"c","version":"*","run_memory_limit":67108864,"files":[{"content":
		"#include <stdlib.h>\n#include <string.h>\nint main(void) { for (;;) { char *p = malloc(1 << 20); if (!p) return 3; memset(p, 1, 1 << 20); } }"}]}`)
	if str(r.Run.Status) != "SG" || !strings.Contains(str(r.Run.Message), "memory limit") {
		t.Errorf("run %s", r.raw)
	}
}

func TestExecuteSignal(t *testing.T) {
	r := mustExecute(t, `{"language":"python","version":"*","files":[{"content":"import os, signal\nos.kill(os.getpid(), signal.SIGSEGV)"}]}`)
	if str(r.Run.Status) != "SG" || str(r.Run.Signal) != "SIGSEGV" || r.Run.Code != nil {
		t.Errorf("run %s", r.raw)
	}
}

func TestExecuteErrors(t *testing.T) {
	tests := []struct {
		body string
		code int
		want string
	}{
		{`{"language":"python","version":"2.7","files":[{"content":""}]}`, 400, "python-2.7 runtime is unknown"},
		{`{"language":"python","version":"*"}`, 400, "files is required as an array"},
		{`{"language":"python","version":"*","files":[{"content":"","name":"../x"}]}`, 400, `invalid file name "../x": contains ".."`},
		{`{"language":"python","version":"*","files":[{"content":""}],"run_timeout":30001}`, 400, "run_timeout cannot exceed the configured limit of 30000"},
		{`{"language":"python","version":"*","files":[{"content":""}],"compile_memory_limit":99999999999}`, 400, "compile_memory_limit cannot exceed the configured limit of 2147483648"},
		{`{"language":"python","version":"*","files":[{"content":""}],"run_cpu_time":-1}`, 400, "run_cpu_time must be non-negative"},
	}
	for _, tt := range tests {
		code, r := execute(t, tt.body)
		if code != tt.code || str(r.Message) != tt.want {
			t.Errorf("%s: %d %s, want %d %q", tt.body, code, r.raw, tt.code, tt.want)
		}
	}
}

// interleaves reports whether out is a and b merged, each in its order.
func interleaves(out, a, b string) bool {
	if len(out) != len(a)+len(b) {
		return false
	}
	// ok[j] after row i: out[:i+j] merges a[:i] and b[:j].
	ok := make([]bool, len(b)+1)
	for i := 0; i <= len(a); i++ {
		for j := 0; j <= len(b); j++ {
			switch {
			case i == 0 && j == 0:
				ok[j] = true
			default:
				fromA := i > 0 && ok[j] && a[i-1] == out[i+j-1]
				fromB := j > 0 && ok[j-1] && b[j-1] == out[i+j-1]
				ok[j] = fromA || fromB
			}
		}
	}
	return ok[len(b)]
}
