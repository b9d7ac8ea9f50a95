package api

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coderacer/coderacer/internal/engine"
)

// TestInputBounds: each argument, all of them and stdin are bounded, in
// both dialects, with the same words.
func TestInputBounds(t *testing.T) {
	h := New(&fakeExec{}, Options{MaxArgBytes: 4, MaxArgsBytes: 30, MaxStdinBytes: 3, Logger: quietLogger()})
	v1 := func(extra string) string {
		return `{"language":"python3","entrypoint":"m.py","files":[{"name":"m.py","content":"x"}]` + extra + `}`
	}
	v2 := func(extra string) string {
		return `{"language":"python3","version":"3","files":[{"content":"x"}]` + extra + `}`
	}
	cases := []struct {
		extra, err string
	}{
		{`,"args":["abcd"],"stdin":"abc"`, ""},
		{`,"args":["a","abcde"]`, "args[1] is 5 bytes long; an argument may have at most 4 bytes"},
		{`,"args":["abcd","abcd","abc"]`, "args take 38 bytes together, counting 9 more for each (its NUL and pointer, as execve does); the most allowed is 30"},
		{`,"args":["","",""]`, ""},
		{`,"args":["","","",""]`, "args take 36 bytes together, counting 9 more for each (its NUL and pointer, as execve does); the most allowed is 30"},
		{`,"stdin":"abcd"`, "stdin is 4 bytes long; it may have at most 3 bytes"},
		{`,"args":["a\u0000"]`, "args[0] must not contain a NUL character"},
	}
	for _, c := range cases {
		rec := do(t, h, "POST", "/api/v1/execute", v1(c.extra))
		if c.err == "" {
			checkJSON(t, rec, http.StatusOK)
		} else if got := checkError(t, rec, http.StatusBadRequest); got != c.err {
			t.Errorf("v1 %s: error %q, want %q", c.extra, got, c.err)
		}
		rec = do(t, h, "POST", "/api/v2/execute", v2(c.extra))
		var e struct{ Message string }
		json.Unmarshal(rec.Body.Bytes(), &e)
		if c.err == "" && rec.Code != http.StatusOK || c.err != "" && (rec.Code != http.StatusBadRequest || e.Message != c.err) {
			t.Errorf("v2 %s: %d %s, want %q", c.extra, rec.Code, rec.Body, c.err)
		}
	}
}

func TestByteBudget(t *testing.T) {
	b := &byteBudget{limit: 10}
	if !b.reserve(25) {
		t.Fatal("a first reservation must pass, whatever its size")
	}
	if b.reserve(1) {
		t.Fatal("over the limit")
	}
	b.release(25)
	if !b.reserve(6) || !b.reserve(4) || b.reserve(1) || b.held() != 10 {
		t.Fatalf("held %d", b.held())
	}
}

// TestResponseMemoryFull: a big result that does not fit beside those
// being written is a 503 with Retry-After in both dialects; a small one
// always goes.
func TestResponseMemoryFull(t *testing.T) {
	big := make([]byte, 1<<20)
	exec := &fakeExec{fn: func(ctx context.Context, job engine.Job) (*engine.Result, error) {
		out := big
		if string(job.Files[0].Content) == "small" {
			out = []byte("hi")
		}
		return &engine.Result{Language: "python3", Status: engine.StatusOK,
			Run: &engine.StageResult{Stdout: out, Status: engine.StatusOK}}, nil
	}}
	s := newServer(exec, Options{ResponseMemoryBytes: 1 << 20, Logger: quietLogger()})
	s.responses.reserve(1) // an answer being written holds the memory
	body := func(content string) string {
		return `{"language":"python3","entrypoint":"m.py","files":[{"name":"m.py","content":"` + content + `"}]}`
	}
	hs := s.handler()
	rec := do(t, hs, "POST", "/api/v1/execute", body("big"))
	msg := checkError(t, rec, http.StatusServiceUnavailable)
	if want := "server busy: responses waiting for their clients hold 1 of the 1048576 bytes allowed, retry later"; msg != want || rec.Header().Get("Retry-After") != "1" {
		t.Errorf("%q (Retry-After %q), want %q", msg, rec.Header().Get("Retry-After"), want)
	}
	rec = do(t, hs, "POST", "/api/v2/execute", `{"language":"python3","version":"3","files":[{"content":"big"}]}`)
	if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), `"message":"server busy: responses`) {
		t.Errorf("v2: %d %s", rec.Code, rec.Body)
	}
	checkJSON(t, do(t, hs, "POST", "/api/v1/execute", body("small")), http.StatusOK)
	if s.responses.held() != 1 {
		t.Errorf("held %d after the answers, want 1", s.responses.held())
	}
}

// TestBodyMemoryFull: a body announced beyond what is left is refused
// before it is read.
func TestBodyMemoryFull(t *testing.T) {
	s := newServer(&fakeExec{}, Options{BodyMemoryBytes: 1000, Logger: quietLogger()})
	s.bodies.reserve(990)
	rec := do(t, s.handler(), "POST", "/api/v1/execute", `{"language":"python3","entrypoint":"m.py","files":[{"name":"m.py","content":"x"}]}`)
	msg := checkError(t, rec, http.StatusServiceUnavailable)
	if want := "server busy: request bodies being read hold 990 of the 1000 bytes allowed, retry later"; msg != want {
		t.Errorf("%q, want %q", msg, want)
	}
	s.bodies.release(990)
	checkJSON(t, do(t, s.handler(), "POST", "/api/v1/execute", `{"language":"python3","entrypoint":"m.py","files":[{"name":"m.py","content":"x"}]}`), http.StatusOK)
	if s.bodies.held() != 0 {
		t.Errorf("held %d after the request, want 0", s.bodies.held())
	}
}

// TestLimitListener: beyond the limit a connection gets a 503 in both
// shapes and is closed; once one closes, the next is served.
func TestLimitListener(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }))
	srv.Listener = LimitListener(ln, 1, quietLogger())
	srv.Start()
	defer srv.Close()
	first, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond)
	second, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	second.SetDeadline(time.Now().Add(2 * time.Second))
	io.WriteString(second, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(second), nil)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(resp.Body)
	want := `{"error":"server busy: too many connections (the limit is 1), retry later","message":"server busy: too many connections (the limit is 1), retry later"}` + "\n"
	if resp.StatusCode != 503 || string(data) != want || resp.Header.Get("Retry-After") != "1" {
		t.Errorf("%d %q, want 503 %q", resp.StatusCode, data, want)
	}
	second.Close()
	first.Close()
	time.Sleep(50 * time.Millisecond)
	r, err := http.Get(srv.URL)
	if err != nil || r.StatusCode != 200 {
		t.Fatalf("after the first closed: %v", err)
	}
	r.Body.Close()
}

// TestStalledReaderCutOff: a client that never reads its 48 MiB answer
// is cut off once a write waits past the write timeout, and the result
// it pinned is released.
func TestStalledReaderCutOff(t *testing.T) {
	big := make([]byte, 8<<20)
	for i := range big {
		big[i] = 0xff // six bytes of JSON each
	}
	exec := &fakeExec{fn: func(ctx context.Context, job engine.Job) (*engine.Result, error) {
		return &engine.Result{Language: "python3", Status: engine.StatusOK,
			Run: &engine.StageResult{Stdout: big, Status: engine.StatusOK}}, nil
	}}
	s := newServer(exec, Options{WriteTimeout: 300 * time.Millisecond, Logger: quietLogger()})
	srv := httptest.NewServer(s.handler())
	defer srv.Close()
	c, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	body := `{"language":"python3","entrypoint":"m.py","files":[{"name":"m.py","content":"x"}]}`
	io.WriteString(c, "POST /api/v1/execute HTTP/1.1\r\nHost: x\r\nContent-Length: "+strconv.Itoa(len(body))+"\r\n\r\n"+body)
	deadline := time.Now().Add(10 * time.Second)
	for s.responses.held() == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if s.responses.held() == 0 {
		t.Fatal("the answer never started")
	}
	start := time.Now()
	for s.responses.held() != 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if held := s.responses.held(); held != 0 {
		t.Fatalf("the result is still held (%d bytes) 10 s later", held)
	}
	t.Logf("cut off %v after the answer started", time.Since(start).Round(time.Millisecond))
}
