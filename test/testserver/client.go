package testserver

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// ---- the API's shapes ----

// Limits is the request's limits object; zero fields are left out.
type Limits struct {
	WallTimeMs    int64 `json:"wallTimeMs,omitempty"`
	CPUTimeMs     int64 `json:"cpuTimeMs,omitempty"`
	MemoryBytes   int64 `json:"memoryBytes,omitempty"`
	Processes     int64 `json:"processes,omitempty"`
	OutputBytes   int64 `json:"outputBytes,omitempty"`
	FileSizeBytes int64 `json:"fileSizeBytes,omitempty"`
	OpenFiles     int64 `json:"openFiles,omitempty"`
}

// File is one source file of a request.
type File struct {
	Name    string `json:"name"`
	Content string `json:"content"`
}

// Request is a POST /api/v1/execute body.
type Request struct {
	Language      string   `json:"language"`
	Entrypoint    string   `json:"entrypoint"`
	Files         []File   `json:"files"`
	Stdin         string   `json:"stdin,omitempty"`
	Args          []string `json:"args,omitempty"`
	Limits        *Limits  `json:"limits,omitempty"`
	CompileLimits *Limits  `json:"compileLimits,omitempty"`
}

// Stage is one stage's result; the response's top level has the same fields.
type Stage struct {
	Stdout          string `json:"stdout"`
	Stderr          string `json:"stderr"`
	ExitCode        int    `json:"exitCode"`
	Signal          string `json:"signal"`
	Status          string `json:"status"`
	CPUTime         string `json:"cpuTime"`
	WallTime        string `json:"wallTime"`
	Memory          int64  `json:"memory"`
	StdoutTruncated bool   `json:"stdoutTruncated"`
	StderrTruncated bool   `json:"stderrTruncated"`
	Message         string `json:"message"`
	// Cached is set on a compile stage served from the compile cache.
	Cached bool `json:"cached"`
}

// Response is a POST /api/v1/execute answer (or an error's body).
type Response struct {
	Language        string `json:"language"`
	Version         string `json:"version"`
	ExecutionTime   string `json:"executionTime"`
	PreparationTime string `json:"preparationTime"`
	Stage
	Compile *Stage `json:"compile"`
	Error   string `json:"error"`

	Raw     []byte        `json:"-"` // the body as received
	Elapsed time.Duration `json:"-"` // the request's duration, measured by the client
}

// RuntimeInfo is one element of GET /api/v1/runtimes.
type RuntimeInfo struct {
	Language string   `json:"language"`
	Version  string   `json:"version"`
	Aliases  []string `json:"aliases"`
	Compiled bool     `json:"compiled"`
}

// Shorten cuts s to n bytes, saying how long it was.
func Shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + fmt.Sprintf("...(%d bytes in all)", len(s))
}

// String describes a response for failure messages.
func (r *Response) String() string {
	if r == nil {
		return "<nil response>"
	}
	var b strings.Builder
	if r.Error != "" {
		fmt.Fprintf(&b, "error=%q ", r.Error)
	}
	fmt.Fprintf(&b, "status=%s exitCode=%d signal=%q message=%q cpu=%s wall=%s memory=%d truncated(out=%v,err=%v) took=%v\n  stdout=%q\n  stderr=%q",
		r.Status, r.ExitCode, r.Signal, r.Message, r.CPUTime, r.WallTime, r.Memory,
		r.StdoutTruncated, r.StderrTruncated, r.Elapsed.Round(time.Millisecond),
		Shorten(r.Stdout, 600), Shorten(r.Stderr, 1500))
	if c := r.Compile; c != nil {
		fmt.Fprintf(&b, "\n  compile: status=%s exitCode=%d signal=%q message=%q cpu=%s wall=%s stdout=%q stderr=%q",
			c.Status, c.ExitCode, c.Signal, c.Message, c.CPUTime, c.WallTime, Shorten(c.Stdout, 300), Shorten(c.Stderr, 1500))
	}
	return b.String()
}

// ---- requests ----

// Single builds a one-file request.
func Single(lang, entry, src string) Request {
	return Request{Language: lang, Entrypoint: entry, Files: []File{{Name: entry, Content: src}}}
}

// Python is a python3 request running src as main.py.
func Python(src string) Request { return Single("python3", "main.py", src) }

// Bash is a bash request running src as main.sh.
func Bash(src string) Request { return Single("bash", "main.sh", src) }

// C is a C request compiling and running src as main.c.
func C(src string) Request { return Single("c", "main.c", src) }

// RandomHex returns n random bytes in hex (2n characters).
func RandomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

// ---- HTTP helpers ----

var client = &http.Client{Timeout: RequestTimeout}

// Do sends one request to s and returns its status, headers and body. A
// transport error fails the test, with the server's log if it has exited.
func Do(t testing.TB, s *Server, method, path string, body []byte) (int, http.Header, []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), RequestTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, s.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatalf("building %s %s: %v", method, path, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := client.Do(req)
	if err != nil {
		if s.HasExited() {
			t.Fatalf("%s %s: %v; the %s server has exited (%v); its log ends with:\n%s", method, path, err, s.Name, s.waitErr, s.LogTail(8<<10))
		}
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the body: %v", method, path, err)
	}
	return resp.StatusCode, resp.Header, data
}

// Execute posts req (a Request, or raw []byte / string JSON) to s's
// /api/v1/execute and decodes the answer, whatever its status. A body that
// is not a JSON object fails the test; a non-200 without an "error" field
// is an error of the test.
func Execute(t testing.TB, s *Server, req any) (int, *Response) {
	t.Helper()
	var body []byte
	switch v := req.(type) {
	case []byte:
		body = v
	case string:
		body = []byte(v)
	default:
		var err error
		body, err = json.Marshal(v)
		if err != nil {
			t.Fatalf("encoding the request: %v", err)
		}
	}
	start := time.Now()
	status, hdr, data := Do(t, s, http.MethodPost, "/api/v1/execute", body)
	r := &Response{Raw: data, Elapsed: time.Since(start)}
	if err := json.Unmarshal(data, r); err != nil {
		t.Fatalf("POST /api/v1/execute answered %d with a body that is not the JSON object expected (%v), Content-Type %q: %s",
			status, err, hdr.Get("Content-Type"), Shorten(string(data), 2000))
	}
	if status != http.StatusOK && r.Error == "" {
		t.Errorf("POST /api/v1/execute answered %d without an \"error\" field: %s", status, Shorten(string(data), 2000))
	}
	return status, r
}

// MustExecute is Execute that requires a 200.
func MustExecute(t testing.TB, s *Server, req any) *Response {
	t.Helper()
	status, r := Execute(t, s, req)
	if status != http.StatusOK {
		t.Fatalf("POST /api/v1/execute: want 200, got %d: %s", status, Shorten(string(r.Raw), 2000))
	}
	return r
}

// ExpectStatus fails the test unless r's status is want.
func ExpectStatus(t testing.TB, r *Response, want string) {
	t.Helper()
	if r.Status != want {
		t.Fatalf("want status %s, got %s", want, r)
	}
}

// Duration parses one of the response's duration strings; field names it
// in the failure.
func Duration(t testing.TB, field, s string) time.Duration {
	t.Helper()
	d, err := time.ParseDuration(s)
	if err != nil {
		t.Fatalf("field %s = %q is not a Go duration: %v", field, s, err)
	}
	return d
}

// JSONOutput decodes into v the JSON a program printed as the last line of
// its stdout.
func JSONOutput(t testing.TB, r *Response, v any) {
	t.Helper()
	out := strings.TrimSpace(r.Stdout)
	if i := strings.LastIndexByte(out, '\n'); i >= 0 {
		out = out[i+1:]
	}
	if err := json.Unmarshal([]byte(out), v); err != nil {
		t.Fatalf("the program's output is not the JSON expected (%v): %s", err, r)
	}
}

// ErrNoRuntimes is wrapped by Runtimes' failure when the list is empty.
var ErrNoRuntimes = errors.New("no runtimes")

// Runtimes fetches GET /api/v1/runtimes of s (once per server) and fails
// the test if that fails or the list is empty.
func Runtimes(t testing.TB, s *Server) []RuntimeInfo {
	t.Helper()
	s.runtimesOnce.Do(func() {
		resp, err := client.Get(s.URL + "/api/v1/runtimes")
		if err != nil {
			s.runtimesErr = err
			return
		}
		defer resp.Body.Close()
		data, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			s.runtimesErr = fmt.Errorf("GET /api/v1/runtimes answered %d: %s", resp.StatusCode, data)
			return
		}
		if err := json.Unmarshal(data, &s.runtimes); err != nil {
			s.runtimesErr = fmt.Errorf("GET /api/v1/runtimes: %v: %s", err, Shorten(string(data), 2000))
			return
		}
		if len(s.runtimes) == 0 {
			s.runtimesErr = fmt.Errorf("GET /api/v1/runtimes: %w: %s", ErrNoRuntimes, data)
		}
	})
	if s.runtimesErr != nil {
		t.Fatalf("%v", s.runtimesErr)
	}
	return s.runtimes
}

// RequireRuntime fails the test when lang is not installed on s.
func RequireRuntime(t testing.TB, s *Server, lang string) RuntimeInfo {
	t.Helper()
	var names []string
	for _, rt := range Runtimes(t, s) {
		if rt.Language == lang {
			return rt
		}
		names = append(names, rt.Language)
	}
	t.Fatalf("runtime %s is not installed: run scripts/setup.sh (GET /api/v1/runtimes lists %v)", lang, names)
	return RuntimeInfo{}
}

// RawPost sends a request whose header is written as given and whose body
// is written by write in the background, over a plain TCP connection to s,
// and reads the response even when the server answers before the body is
// complete (a 413, say). The body read is capped at 1 MiB.
func RawPost(t testing.TB, s *Server, header string, write func(w io.Writer) error) (*http.Response, []byte) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", s.Port), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(90 * time.Second))
	go func() {
		bw := bufio.NewWriterSize(conn, 64<<10)
		if _, err := io.WriteString(bw, header); err != nil {
			return
		}
		if write(bw) == nil {
			bw.Flush()
		}
	}()
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("reading the response: %v", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	whole := int64(len(body)) == resp.ContentLength
	if err := checkRaw(header, resp, body, whole); err != nil {
		t.Errorf("%v", err)
	}
	return resp, body
}
