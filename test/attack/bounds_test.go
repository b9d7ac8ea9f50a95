package attack

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coderacer/coderacer/test/testserver"
)

// The default bounds (README "Configuration"); stdin's default is the
// body's, so its attacks run on the bounds server, whose stdin bound is
// 1 MiB.
const (
	boundArg   = 128<<10 - 1 // Linux's MAX_ARG_STRLEN counts the NUL
	boundArgs  = 1 << 20
	boundStdin = 1 << 20
)

// boundsProgram prints how many arguments it got, their total length and
// the length of its stdin.
const boundsProgram = `import sys
a = sys.argv[1:]
print(len(a), sum(map(len, a)), len(sys.stdin.buffer.read()))
`

// boundsCase is one request near a bound, in both dialects.
type boundsCase struct {
	name  string
	args  []string
	stdin string
	// err is the exact message of the 400; empty for a 200 whose stdout
	// is out.
	err, out string
}

func boundsCases() []boundsCase {
	x := func(n int) string { return strings.Repeat("x", n) }
	// Each argument counts 9 bytes more (its NUL and pointer): seven of
	// the longest take 917560 bytes, and an eighth 131007 bytes long
	// fills the 1 MiB.
	seven := make([]string, 7)
	for i := range seven {
		seven[i] = x(boundArg)
	}
	atTotal := append(append([]string{}, seven...), x(131007))
	overTotal := append(append([]string{}, seven...), x(131008))
	return []boundsCase{
		{name: "arg_at_bound", args: []string{x(boundArg)}, out: fmt.Sprintf("1 %d 0\n", boundArg)},
		{name: "arg_one_over", args: []string{"a", x(boundArg + 1)},
			err: "args[1] is 131072 bytes long; an argument may have at most 131071 bytes"},
		{name: "arg_256KiB", args: []string{x(256 << 10)},
			err: "args[0] is 262144 bytes long; an argument may have at most 131071 bytes"},
		{name: "args_total_at_bound", args: atTotal, out: fmt.Sprintf("8 %d 0\n", 7*boundArg+131007)},
		{name: "args_total_one_over", args: overTotal,
			err: "args take 1048577 bytes together, counting 9 more for each (its NUL and pointer, as execve does); the most allowed is 1048576"},
		{name: "args_100000_empty", args: make([]string, 100000), out: "100000 0 0\n"},
		{name: "args_200000_empty_over_total", args: make([]string, 200000),
			err: "args take 1800000 bytes together, counting 9 more for each (its NUL and pointer, as execve does); the most allowed is 1048576"},
	}
}

func boundsStdinCases() []boundsCase {
	x := func(n int) string { return strings.Repeat("x", n) }
	return []boundsCase{
		{name: "stdin_at_bound", stdin: x(boundStdin), out: fmt.Sprintf("0 0 %d\n", boundStdin)},
		{name: "stdin_one_over", stdin: x(boundStdin + 1),
			err: "stdin is 1048577 bytes long; it may have at most 1048576 bytes"},
		{name: "stdin_one_over_in_escapes", stdin: strings.Repeat("\x00", boundStdin+1),
			err: "stdin is 1048577 bytes long; it may have at most 1048576 bytes"},
	}
}

// TestBoundsArgs: an argument and all arguments together are bounded: at
// the bound the program gets exactly what was sent; one byte over is a
// 400 naming the bound (it was a 200 with status IE for a long argument,
// and no bound at all for the rest), in both dialects.
func TestBoundsArgs(t *testing.T) {
	boundsRunCases(t, srv, boundsCases())
}

func boundsRunCases(t *testing.T, srv *testserver.Server, cases []boundsCase) {
	for _, c := range cases {
		t.Run("v1/"+c.name, func(t *testing.T) {
			req := withStdin(python(boundsProgram), c.stdin)
			req.Args = c.args
			status, r := testserver.Execute(t, srv, req)
			if c.err != "" {
				if status != http.StatusBadRequest || r.Error != c.err {
					t.Fatalf("want 400 %q, got %d: %s", c.err, status, testserver.Shorten(string(r.Raw), 500))
				}
				return
			}
			if status != http.StatusOK || r.Status != "OK" || r.Stdout != c.out {
				t.Fatalf("want 200 OK with stdout %q, got %d: %s", c.out, status, r)
			}
		})
		t.Run("v2/"+c.name, func(t *testing.T) {
			req := map[string]any{"language": "python3", "version": "3", "args": c.args, "stdin": c.stdin,
				"files": []map[string]string{{"content": boundsProgram}}}
			status, body := boundsV2(t, srv, req)
			var r struct {
				Message string
				Run     struct {
					Stdout string
					Status *string
				}
			}
			if err := json.Unmarshal(body, &r); err != nil {
				t.Fatalf("%d: not JSON: %s", status, testserver.Shorten(string(body), 500))
			}
			if c.err != "" {
				if status != http.StatusBadRequest || r.Message != c.err {
					t.Fatalf("want 400 %q, got %d: %s", c.err, status, testserver.Shorten(string(body), 500))
				}
				return
			}
			if out := c.v2Out(); status != http.StatusOK || r.Run.Status != nil || r.Run.Stdout != out {
				t.Fatalf("want 200 with run.stdout %q, got %d: %s", out, status, testserver.Shorten(string(body), 500))
			}
		})
	}
	stallHello(t, srv)
}

// v2Out is c.out as the v2 API answers it: Piston's dialect ends stdin
// with a newline when it has none (docs/piston.md), one byte more for the
// program (and not counted against the bound).
func (c boundsCase) v2Out() string {
	var args, total, stdin int
	if strings.HasSuffix(c.stdin, "\n") {
		return c.out
	}
	if _, err := fmt.Sscanf(c.out, "%d %d %d\n", &args, &total, &stdin); err != nil {
		return c.out
	}
	return fmt.Sprintf("%d %d %d\n", args, total, stdin+1)
}

func boundsV2(t *testing.T, s *testserver.Server, req any) (int, []byte) {
	t.Helper()
	b, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	status, _, body := testserver.Do(t, s, http.MethodPost, "/api/v2/execute", b)
	return status, body
}

// The admission attacks run against a server of their own, with small
// bounds so the test need not open a thousand connections.
const (
	boundsConns      = 32
	boundsBodyMemory = 15 << 20
)

func boundsServer(t *testing.T) *testserver.Server {
	return ownServer(t, "bounds", map[string]string{
		"CODERACER_PARALLELISM":       "2",
		"CODERACER_MAX_CONNECTIONS":   fmt.Sprint(boundsConns),
		"CODERACER_BODY_MEMORY_BYTES": fmt.Sprint(boundsBodyMemory),
		"CODERACER_MAX_STDIN_BYTES":   fmt.Sprint(boundStdin),
	})
}

// TestBoundsAdmission: stdin is bounded like the arguments (at the bound
// exact, one over a 400 naming it, in both dialects). And what waits
// before a job is admitted is bounded.
// Connections beyond the limit are answered 503 at once, JSON in both
// dialects' shapes, and closed; request bodies beyond the body memory,
// announced or chunked, are answered 503 before they are read whole. The
// server answers hello world at once afterwards.
func TestBoundsAdmission(t *testing.T) {
	s := boundsServer(t)
	t.Run("stdin", func(t *testing.T) { boundsRunCases(t, s, boundsStdinCases()) })
	t.Run("connections_held_idle", func(t *testing.T) { boundsConnections(t, s, "") })
	t.Run("connections_held_mid_header", func(t *testing.T) {
		boundsConnections(t, s, "POST /api/v1/execute HTTP/1.1\r\nHost: x\r\n")
	})
	t.Run("connections_burst_96", func(t *testing.T) { boundsBurst(t, s, 3*boundsConns) })
	t.Run("body_memory_announced", func(t *testing.T) { boundsBodies(t, s, false) })
	t.Run("body_memory_chunked", func(t *testing.T) { boundsBodies(t, s, true) })
	t.Run("many_big_bodies_at_once", func(t *testing.T) { boundsManyBodies(t, s, 10) })
}

func boundsDial(t *testing.T, s *testserver.Server) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", s.Port), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// boundsBusy reads a 503 for a refused connection: it must come within
// 2 s, with Retry-After, as JSON with both "error" and "message".
func boundsBusy(t *testing.T, c net.Conn, path string) {
	t.Helper()
	c.SetDeadline(time.Now().Add(2 * time.Second))
	fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", path)
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("want a 503 at once, got: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	want := fmt.Sprintf("server busy: too many connections (the limit is %d), retry later", boundsConns)
	var e struct{ Error, Message string }
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") != "1" ||
		json.Unmarshal(body, &e) != nil || e.Error != want || e.Message != want {
		t.Fatalf("want 503, Retry-After 1 and {\"error\":%q,\"message\":%q}, got %d (Retry-After %q): %s",
			want, want, resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
}

// boundsConnections holds the limit's worth of connections (idle, or
// stuck in a request's header), checks that the next ones are refused for
// both dialects, then lets them go and requires hello world at once.
func boundsConnections(t *testing.T, s *testserver.Server, prefix string) {
	held := make([]net.Conn, boundsConns)
	for i := range held {
		held[i] = boundsDial(t, s)
		if prefix != "" {
			io.WriteString(held[i], prefix)
		}
	}
	time.Sleep(200 * time.Millisecond) // let the server accept them all
	for _, path := range []string{"/api/v1/health", "/api/v2/runtimes"} {
		c := boundsDial(t, s)
		boundsBusy(t, c, path)
		c.Close()
	}
	for _, c := range held {
		c.Close()
	}
	boundsHello(t, s)
}

// boundsBurst opens n connections at once and holds them: exactly the
// limit's worth are kept, every other one is answered 503 at once.
func boundsBurst(t *testing.T, s *testserver.Server, n int) {
	// The harness's client keeps its last connection open, and that
	// counts too.
	http.DefaultClient.CloseIdleConnections()
	time.Sleep(100 * time.Millisecond)
	conns := make([]net.Conn, n)
	var wg sync.WaitGroup
	for i := range conns {
		wg.Go(func() {
			c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", s.Port), 5*time.Second)
			if err == nil {
				conns[i] = c
			}
		})
	}
	wg.Wait()
	// Read them all at once: the server drops a connection that sends no
	// header within 10 s.
	outcome := make([]string, n)
	for i, c := range conns {
		if c == nil {
			t.Fatalf("connection %d failed", i)
		}
		wg.Go(func() {
			c.SetReadDeadline(time.Now().Add(2 * time.Second))
			buf := make([]byte, 12)
			k, err := io.ReadFull(c, buf)
			switch {
			case err == nil && string(buf[:k]) == "HTTP/1.1 503":
				outcome[i] = "refused"
			case k == 0 && isTimeout(err):
				outcome[i] = "kept"
			default:
				outcome[i] = fmt.Sprintf("read %q, %v", buf[:k], err)
			}
		})
	}
	wg.Wait()
	refused, kept := 0, 0
	for i, o := range outcome {
		switch o {
		case "refused":
			refused++
		case "kept":
			kept++
		default:
			t.Errorf("connection %d: %s: want a 503 or nothing (kept)", i, o)
		}
	}
	for _, c := range conns {
		c.Close()
	}
	t.Logf("%d connections at once: %d kept, %d refused", n, kept, refused)
	if kept != boundsConns || refused != n-boundsConns {
		t.Errorf("%d kept and %d refused, want %d and %d", kept, refused, boundsConns, n-boundsConns)
	}
	boundsHello(t, s)
}

func isTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}

// boundsHello requires a hello world to succeed within 2 s, once the
// server has seen the last connections go (a moment).
func boundsHello(t *testing.T, s *testserver.Server) {
	t.Helper()
	time.Sleep(100 * time.Millisecond)
	stallHello(t, s)
}

// boundsPadding writes a request printing 1 whose file is padded with a
// comment of n bytes.
func boundsPadding(w io.Writer, n int) error {
	if _, err := io.WriteString(w, `{"language":"python3","entrypoint":"main.py","files":[{"name":"main.py","content":"print(1)\n#`); err != nil {
		return err
	}
	chunk := bytes.Repeat([]byte("x"), 64<<10)
	for n > 0 {
		c := chunk[:min(n, len(chunk))]
		if _, err := w.Write(c); err != nil {
			return err
		}
		n -= len(c)
	}
	_, err := io.WriteString(w, `"}]}`)
	return err
}

// boundsSender starts a request with a body of size bytes (a valid
// request) and sends its first part; send(rest) finishes it.
type boundsSender struct {
	conn    net.Conn
	bw      *bufio.Writer
	pr      *io.PipeReader
	chunked bool
}

func boundsStart(t *testing.T, s *testserver.Server, size int, chunked bool, first int) *boundsSender {
	t.Helper()
	var hdr string
	if chunked {
		hdr = "Transfer-Encoding: chunked"
	} else {
		var small bytes.Buffer
		boundsPadding(&small, 0)
		hdr = fmt.Sprintf("Content-Length: %d", small.Len()+size)
	}
	c := boundsDial(t, s)
	pr, pw := io.Pipe()
	go func() {
		var w io.Writer = pw
		if chunked {
			w = &apiChunkWriter{w: pw}
		}
		err := boundsPadding(w, size)
		if err == nil && chunked {
			_, err = io.WriteString(pw, "0\r\n\r\n")
		}
		pw.CloseWithError(err)
	}()
	b := &boundsSender{conn: c, bw: bufio.NewWriter(c), pr: pr, chunked: chunked}
	fmt.Fprintf(b.bw, "POST /api/v1/execute HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n%s\r\nConnection: close\r\n\r\n", hdr)
	io.CopyN(b.bw, pr, int64(first))
	b.bw.Flush()
	return b
}

// finish sends the rest (it may fail: the server may have answered and
// closed already) and reads the answer.
func (b *boundsSender) finish() (int, http.Header, []byte, error) {
	defer b.conn.Close()
	go func() {
		io.Copy(b.bw, b.pr)
		b.bw.Flush()
	}()
	b.conn.SetReadDeadline(time.Now().Add(60 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(b.conn), nil)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, resp.Header, body, err
}

func boundsRequireBodyBusy(t *testing.T, status int, h http.Header, body []byte, err error) {
	t.Helper()
	var e struct{ Error string }
	const prefix = "server busy: request bodies being read hold "
	if err != nil || status != http.StatusServiceUnavailable || h.Get("Retry-After") != "1" ||
		json.Unmarshal(body, &e) != nil || !strings.HasPrefix(e.Error, prefix) ||
		!strings.HasSuffix(e.Error, fmt.Sprintf(" of the %d bytes allowed, retry later", boundsBodyMemory)) {
		t.Fatalf("want 503 with Retry-After 1 and an error %q..., got %d %v (Retry-After %q): %s",
			prefix, status, err, h.Get("Retry-After"), testserver.Shorten(string(body), 300))
	}
}

func boundsRequireOK(t *testing.T, status int, body []byte, err error) {
	t.Helper()
	var r testserver.Response
	if err != nil || status != http.StatusOK || json.Unmarshal(body, &r) != nil || r.Status != "OK" || r.Stdout != "1\n" {
		t.Fatalf("want 200 OK printing 1, got %d %v: %s", status, err, testserver.Shorten(string(body), 300))
	}
}

// boundsBodies: two 7 MiB bodies being sent slowly hold 14 of the 15 MiB
// of body memory (chunked ones, 3 MiB sent, hold the 4 MiB buffers they
// grew to); a third is answered 503 (an announced one before a byte of it
// is read, a chunked one once its buffer would outgrow what is left).
// Once the two are finished (and run), a third gets through.
func boundsBodies(t *testing.T, s *testserver.Server, chunked bool) {
	const size = 7 << 20
	first := 1 << 20
	if chunked {
		first = 3 << 20
	}
	a := boundsStart(t, s, size, chunked, first)
	b := boundsStart(t, s, size, chunked, first)
	time.Sleep(300 * time.Millisecond) // both are being read
	c := boundsStart(t, s, size, chunked, 0)
	status, h, body, err := c.finish()
	boundsRequireBodyBusy(t, status, h, body, err)
	for _, x := range []*boundsSender{a, b} {
		status, _, body, err := x.finish()
		boundsRequireOK(t, status, body, err)
	}
	status, _, body, err = boundsStart(t, s, size, chunked, 0).finish()
	boundsRequireOK(t, status, body, err)
	boundsHello(t, s)
}

// boundsManyBodies sends n 7 MiB bodies at once, as fast as it can: each
// is run (200) or refused (503 body memory), at least one of each; the
// server's RSS does not follow the n bodies.
func boundsManyBodies(t *testing.T, s *testserver.Server, n int) {
	before := rssOf(t, s.PID)
	type answer struct {
		status int
		h      http.Header
		body   []byte
		err    error
	}
	answers := make([]answer, n)
	var wg sync.WaitGroup
	done := make(chan struct{})
	peak := before
	go func() {
		for {
			select {
			case <-done:
				return
			case <-time.After(20 * time.Millisecond):
				peak = max(peak, rssOf(t, s.PID))
			}
		}
	}()
	for i := range answers {
		wg.Go(func() {
			a := &answers[i]
			a.status, a.h, a.body, a.err = boundsStart(t, s, 7<<20, i%2 == 1, 0).finish()
		})
	}
	wg.Wait()
	close(done)
	ok, busy := 0, 0
	for _, a := range answers {
		if a.status == http.StatusOK {
			boundsRequireOK(t, a.status, a.body, a.err)
			ok++
		} else {
			boundsRequireBodyBusy(t, a.status, a.h, a.body, a.err)
			busy++
		}
	}
	t.Logf("%d bodies of 7 MiB at once: %d ran, %d refused; RSS %d MiB before, peak %d MiB", n, ok, busy, before>>20, peak>>20)
	if ok == 0 || busy == 0 {
		t.Errorf("want some bodies run and some refused")
	}
	// The body memory, the copies parsing makes of the two bodies it
	// holds, and slack.
	if peak-before > 96<<20 {
		t.Errorf("RSS grew by %d MiB, want < 96 MiB", (peak-before)>>20)
	}
	boundsHello(t, s)
}
