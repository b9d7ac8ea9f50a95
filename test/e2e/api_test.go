package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/coderacer/coderacer/test/testserver"
)

// allLanguages are the nine languages the server must offer.
var allLanguages = []string{"python3", "node", "go", "php", "java", "ruby", "c", "c++", "bash"}

// TestHealth: GET /api/v1/health answers 200 {"status":"ok"}.
func TestHealth(t *testing.T) {
	status, hdr, body := testserver.Do(t, srv, http.MethodGet, "/api/v1/health", nil)
	if status != http.StatusOK {
		t.Fatalf("GET /api/v1/health: %d %s", status, body)
	}
	var h map[string]any
	if err := json.Unmarshal(body, &h); err != nil || h["status"] != "ok" {
		t.Errorf("GET /api/v1/health body = %s (%v), want {\"status\":\"ok\"}", body, err)
	}
	if ct := hdr.Get("Content-Type"); !strings.Contains(ct, "application/json") {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
}

// TestRuntimes: GET /api/v1/runtimes lists the nine languages with a
// version, aliases and whether they compile.
func TestRuntimes(t *testing.T) {
	list := runtimes(t)
	byName := map[string]RuntimeInfo{}
	for _, rt := range list {
		if rt.Language == "" || rt.Version == "" {
			t.Errorf("runtime without a language or version: %+v", rt)
		}
		if _, dup := byName[rt.Language]; dup {
			t.Errorf("runtime %s listed twice", rt.Language)
		}
		byName[rt.Language] = rt
	}
	compiled := map[string]bool{"go": true, "java": true, "c": true, "c++": true}
	for _, lang := range allLanguages {
		rt, ok := byName[lang]
		if !ok {
			t.Errorf("runtime %s is not installed: run scripts/setup.sh (GET /api/v1/runtimes lists %+v)", lang, list)
			continue
		}
		if rt.Compiled != compiled[lang] {
			t.Errorf("runtime %s: compiled = %v, want %v", lang, rt.Compiled, compiled[lang])
		}
	}
	if rt, ok := byName["python3"]; ok && !strings.HasPrefix(rt.Version, "3.") {
		t.Errorf("python3 version = %q, want 3.x", rt.Version)
	}
	// An alias names one runtime only and is never a language's own name.
	owner := map[string]string{}
	for _, rt := range list {
		for _, a := range rt.Aliases {
			if _, isLang := byName[a]; isLang {
				t.Errorf("alias %q of %s is also a language's name", a, rt.Language)
			}
			if o, dup := owner[a]; dup {
				t.Errorf("alias %q belongs to both %s and %s", a, o, rt.Language)
			}
			owner[a] = rt.Language
		}
	}
	for alias, lang := range map[string]string{"py": "python3", "python": "python3", "js": "node", "cpp": "c++", "golang": "go", "sh": "bash"} {
		if owner[alias] != lang {
			t.Errorf("alias %q belongs to %q, want %s", alias, owner[alias], lang)
		}
	}
}

// errorCase is a request the API must refuse.
type errorCase struct {
	name     string
	body     any // Request, string or []byte
	status   int
	exact    string   // the error message exactly, if set
	contains []string // substrings of the error message
}

// TestAPIErrors: bad requests get a 4xx with a JSON {"error": ...}.
func TestAPIErrors(t *testing.T) {
	hello := python(`print("hi")`)
	with := func(f func(r *Request)) Request {
		r := hello
		r.Files = append([]File(nil), hello.Files...)
		f(&r)
		return r
	}
	cases := []errorCase{
		{name: "unknown_language", body: single("brainfudge", "main.bf", "+"), status: 400, exact: "runtime not found: brainfudge"},
		{name: "malformed_json", body: `{"language": "python3", "entrypoint": `, status: 400},
		{name: "not_an_object", body: `[1, 2, 3]`, status: 400},
		{name: "empty_body", body: ``, status: 400},
		{name: "files_wrong_type", body: `{"language":"python3","entrypoint":"main.py","files":"print(1)"}`, status: 400},
		{name: "language_wrong_type", body: `{"language":3,"entrypoint":"main.py","files":[{"name":"main.py","content":"print(1)"}]}`, status: 400},
		{name: "limits_wrong_type", body: `{"language":"python3","entrypoint":"main.py","files":[{"name":"main.py","content":"print(1)"}],"limits":{"cpuTimeMs":"fast"}}`, status: 400},
		{name: "missing_language", body: `{"entrypoint":"main.py","files":[{"name":"main.py","content":"print(1)"}]}`, status: 400},
		{name: "missing_files", body: `{"language":"python3","entrypoint":"main.py"}`, status: 400},
		{name: "empty_files", body: `{"language":"python3","entrypoint":"main.py","files":[]}`, status: 400},
		{name: "dotdot_name", body: with(func(r *Request) {
			r.Files = append(r.Files, File{Name: "../x", Content: "x"})
		}), status: 400},
		{name: "dotdot_inside_name", body: with(func(r *Request) {
			r.Files = append(r.Files, File{Name: "a/../../x", Content: "x"})
		}), status: 400},
		{name: "absolute_name", body: with(func(r *Request) {
			r.Files = append(r.Files, File{Name: "/etc/passwd", Content: "x"})
		}), status: 400},
		{name: "empty_name", body: with(func(r *Request) {
			r.Files = append(r.Files, File{Name: "", Content: "x"})
		}), status: 400},
		{name: "nul_in_name", body: with(func(r *Request) {
			r.Files = append(r.Files, File{Name: "a\x00b", Content: "x"})
		}), status: 400},
		{name: "duplicate_name", body: with(func(r *Request) {
			r.Files = append(r.Files, File{Name: "main.py", Content: "print(2)"})
		}), status: 400},
		{name: "entrypoint_not_in_files", body: with(func(r *Request) { r.Entrypoint = "other.py" }), status: 400},
		{name: "too_many_files", body: with(func(r *Request) {
			for i := 0; i < 101; i++ {
				r.Files = append(r.Files, File{Name: fmt.Sprintf("f%d.txt", i), Content: "x"})
			}
		}), status: 400},
		{name: "cpu_time_over_max", body: with(func(r *Request) { r.Limits = &Limits{CPUTimeMs: 31000} }), status: 400, contains: []string{"cpuTimeMs"}},
		{name: "wall_time_over_max", body: with(func(r *Request) { r.Limits = &Limits{WallTimeMs: 31000} }), status: 400, contains: []string{"wallTimeMs"}},
		{name: "memory_over_max", body: with(func(r *Request) { r.Limits = &Limits{MemoryBytes: 3 << 30} }), status: 400, contains: []string{"memoryBytes"}},
		{name: "output_over_max", body: with(func(r *Request) { r.Limits = &Limits{OutputBytes: 17 << 20} }), status: 400, contains: []string{"outputBytes"}},
		{name: "compile_wall_time_over_max", body: func() Request {
			r := single("c", "main.c", "int main(void) { return 0; }\n")
			r.CompileLimits = &Limits{WallTimeMs: 10 * 60 * 1000}
			return r
		}(), status: 400, contains: []string{"wallTimeMs"}},
		{name: "negative_limit", body: `{"language":"python3","entrypoint":"main.py","files":[{"name":"main.py","content":"print(1)"}],"limits":{"cpuTimeMs":-1}}`, status: 400, contains: []string{"cpuTimeMs"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, r := execute(t, c.body)
			if status != c.status {
				t.Fatalf("want HTTP %d, got %d: %s", c.status, status, shorten(string(r.Raw), 1000))
			}
			if r.Error == "" {
				t.Fatalf("the error response has no \"error\" field: %s", r.Raw)
			}
			if c.exact != "" && r.Error != c.exact {
				t.Errorf("error = %q, want exactly %q", r.Error, c.exact)
			}
			for _, s := range c.contains {
				if !strings.Contains(r.Error, s) {
					t.Errorf("error = %q, want it to name %q", r.Error, s)
				}
			}
		})
	}
}

// TestLimitsAtMaximumAccepted: a limit exactly at the server maximum is
// allowed (only above it is a 400).
func TestLimitsAtMaximumAccepted(t *testing.T) {
	req := python(`print("max")`)
	req.Limits = &Limits{CPUTimeMs: 30000, WallTimeMs: 30000, OutputBytes: 16 << 20}
	r := mustExecute(t, req)
	expectStatus(t, r, "OK")
	if r.Stdout != "max\n" {
		t.Errorf("stdout = %q", r.Stdout)
	}
}

// TestBodyTooLarge: a body over 8 MiB gets 413 with a JSON error, whether
// its length is announced or chunked.
func TestBodyTooLarge(t *testing.T) {
	content := strings.Repeat("# padding padding padding padding padding padding padding\n", (9<<20)/58)
	req := python(content + `print("should not run")` + "\n")
	body, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	if len(body) <= 8<<20 {
		t.Fatalf("test bug: body of %d bytes", len(body))
	}
	check := func(t *testing.T, resp *http.Response, data []byte) {
		t.Helper()
		if resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Fatalf("want 413, got %d: %s", resp.StatusCode, shorten(string(data), 500))
		}
		var e struct {
			Error string `json:"error"`
		}
		if err := json.Unmarshal(data, &e); err != nil || e.Error != "request body exceeds 8388608 bytes" {
			t.Errorf("413 body is not the JSON error naming the limit: %s", shorten(string(data), 500))
		}
	}
	t.Run("content_length", func(t *testing.T) {
		header := fmt.Sprintf("POST /api/v1/execute HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n", srv.Port, len(body))
		resp, data := testserver.RawPost(t, srv, header, func(w io.Writer) error {
			_, err := w.Write(body)
			return err
		})
		check(t, resp, data)
	})
	t.Run("chunked", func(t *testing.T) {
		header := fmt.Sprintf("POST /api/v1/execute HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n", srv.Port)
		resp, data := testserver.RawPost(t, srv, header, func(w io.Writer) error {
			for off := 0; off < len(body); off += 32 << 10 {
				end := min(off+32<<10, len(body))
				if _, err := fmt.Fprintf(w, "%x\r\n%s\r\n", end-off, body[off:end]); err != nil {
					return err
				}
			}
			_, err := io.WriteString(w, "0\r\n\r\n")
			return err
		})
		check(t, resp, data)
	})
	t.Run("under_limit_accepted", func(t *testing.T) {
		// 6 MiB of data in a second file: under the limit, it runs.
		data := strings.Repeat("z", 6<<20)
		r := mustExecute(t, Request{Language: "python3", Entrypoint: "main.py", Files: []File{
			{Name: "main.py", Content: "print(len(open('big.txt').read()))\n"},
			{Name: "big.txt", Content: data},
		}})
		expectStatus(t, r, "OK")
		if r.Stdout != fmt.Sprintf("%d\n", len(data)) {
			t.Errorf("stdout = %q, want %d", r.Stdout, len(data))
		}
	})
	// The server still works after refusing big bodies.
	r := mustExecute(t, python(`print("still alive")`))
	if r.Stdout != "still alive\n" {
		t.Errorf("stdout = %q", r.Stdout)
	}
}
