package attack

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/coderacer/coderacer/test/testserver"
)

// The stall attacks run against a server of their own: its default output
// limit is the maximum (16 MiB a stream), so that the v2 dialect, which
// cannot ask for an output limit, can fill it too; its write timeout is
// short so that a parked reader is cut off quickly; its response memory
// is 128 MiB.
const (
	stallWriteTimeout  = 3 * time.Second
	stallResponseBytes = 128 << 20
	stallOutput        = 16 << 20
)

// stallServer starts the stall attacks' own server, stopped when t ends.
func stallServer(t *testing.T) *testserver.Server {
	return ownServer(t, "stall", map[string]string{
		"CODERACER_PARALLELISM":           "2",
		"CODERACER_RUN_OUTPUT":            strconv.Itoa(stallOutput),
		"CODERACER_COMPILE_OUTPUT":        strconv.Itoa(stallOutput),
		"CODERACER_WRITE_TIMEOUT":         stallWriteTimeout.String(),
		"CODERACER_RESPONSE_MEMORY_BYTES": strconv.Itoa(stallResponseBytes),
	})
}

// rssOf is a process's resident memory, from /proc/<pid>/status.
func rssOf(t *testing.T, pid int) int64 {
	t.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				t.Fatalf("VmRSS %q: %v", v, err)
			}
			return kb << 10
		}
	}
	t.Fatalf("no VmRSS in /proc/%d/status", pid)
	return 0
}

// stallDial opens a raw connection with a receive buffer of rcvbuf bytes:
// a tiny one makes the server's writes block as soon as its own send
// buffer is full. (Below the loopback MSS, 64 KiB, the window opens too
// little to be announced: only for a reader that stops.)
func stallDial(t *testing.T, s *testserver.Server, rcvbuf int) net.Conn {
	t.Helper()
	d := net.Dialer{Timeout: 5 * time.Second, Control: func(network, address string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) {
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, rcvbuf)
		})
		return errors.Join(err, serr)
	}}
	conn, err := d.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", s.Port))
	if err != nil {
		t.Fatal(err)
	}
	return conn
}

// stallSend writes one POST with its whole body and reads nothing.
func stallSend(t *testing.T, conn net.Conn, path string, body []byte) {
	t.Helper()
	header := fmt.Sprintf("POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", path, len(body))
	conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
	if _, err := conn.Write(append([]byte(header), body...)); err != nil {
		t.Fatalf("sending the request: %v", err)
	}
}

// stallOutcome is what a parked connection finally got once read.
type stallOutcome struct {
	status   int
	complete bool   // the whole body arrived
	got      int64  // body bytes that arrived
	small    []byte // the body, when it is short (an error)
	header   http.Header
	// headerErr is a failure to read the status line and header,
	// bodyErr one to read the body.
	headerErr, bodyErr error
}

// stallFinish reads what the server left for conn: the response's status
// and as much of its body as arrives before EOF.
func stallFinish(conn net.Conn) stallOutcome {
	defer conn.Close()
	conn.SetReadDeadline(time.Now().Add(60 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return stallOutcome{headerErr: err}
	}
	defer resp.Body.Close()
	var small bytes.Buffer
	n, err := io.Copy(io.MultiWriter(&small, io.Discard), io.LimitReader(resp.Body, 64<<10))
	if err == nil && n == 64<<10 {
		var rest int64
		rest, err = io.Copy(io.Discard, resp.Body)
		n += rest
		small.Reset()
	}
	return stallOutcome{status: resp.StatusCode, complete: err == nil, got: n, small: small.Bytes(), header: resp.Header, bodyErr: err}
}

// stallPython prints n bytes of 0xff (invalid UTF-8: six bytes of JSON
// each) on stdout and on stderr.
func stallPython(n int) string {
	return fmt.Sprintf(`import sys
b = b"\xff" * %d
sys.stdout.buffer.write(b)
sys.stdout.buffer.flush()
sys.stderr.buffer.write(b)
sys.stderr.buffer.flush()
`, n)
}

// stallCompileError is a C program of 3500 "#error xxx...x" lines of
// 2 KB: gcc quotes each twice and underlines it, about 20 MiB of
// diagnostics, more than the 16 MiB a compile stage may print. (A JSON
// string cannot carry invalid UTF-8, and gcc escapes it anyway.)
func stallCompileError() string {
	return "int main(void) { return 0; }\n" + strings.Repeat("#error "+strings.Repeat("x", 2000)+"\n", 3500)
}

type stallVariant struct {
	name string
	path string
	body []byte
}

func stallVariants(t *testing.T) []stallVariant {
	t.Helper()
	v1 := func(r testserver.Request) []byte {
		b, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	v2 := func(lang, version, src string) []byte {
		b, err := json.Marshal(map[string]any{"language": lang, "version": version,
			"files": []map[string]string{{"content": src}}, "run_timeout": 20000})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	// A generous wall time: two jobs run at once on a loaded machine.
	out := withLimits(python(stallPython(stallOutput)), testserver.Limits{OutputBytes: stallOutput, WallTimeMs: 20000})
	ce := withLimits(c(stallCompileError()), testserver.Limits{})
	ce.CompileLimits = &testserver.Limits{OutputBytes: stallOutput}
	return []stallVariant{
		{"v1_output_16MiB_both_streams", "/api/v1/execute", v1(out)},
		{"v2_output_16MiB_both_streams", "/api/v2/execute", v2("python3", "*", stallPython(stallOutput))},
		{"v1_compile_error_16MiB", "/api/v1/execute", v1(ce)},
		{"v2_compile_error_16MiB", "/api/v2/execute", v2("c", "*", stallCompileError())},
	}
}

// TestStall: N raw clients send a request whose answer is ~100 MiB of
// JSON (16 MiB of invalid UTF-8 on both streams, or a compiler's 16 MiB
// of diagnostics) and never read it. While they are parked the server's
// RSS stays under a bound and hello world answers at once; each parked
// connection is cut (an incomplete 200) or refused (a complete 503 with
// Retry-After: the response memory was full) once its write stalls for
// the write timeout, and the memory comes back. A slow but steady reader
// still gets its whole answer.
func TestStall(t *testing.T) {
	s := stallServer(t)
	for _, v := range stallVariants(t) {
		t.Run("parked/"+v.name, func(t *testing.T) { stallParked(t, s, v, 4, stallWriteTimeout) })
	}
	t.Run("slow_reader", func(t *testing.T) { stallSlowReader(t, s) })
}

// TestStallDefaults: the same with the suite's own server, at the default
// settings (a 10 s write timeout, 256 MiB of response memory), for the
// v1 variants, which can ask for 16 MiB of output.
func TestStallDefaults(t *testing.T) {
	for _, v := range stallVariants(t) {
		if strings.HasPrefix(v.name, "v1_") {
			t.Run("parked/"+v.name, func(t *testing.T) { stallParked(t, srv, v, 4, 10*time.Second) })
		}
	}
}

func stallParked(t *testing.T, s *testserver.Server, v stallVariant, n int, writeTimeout time.Duration) {
	before, ok := stallWaitSettled(t, s)
	if !ok {
		t.Fatalf("the server's RSS is %d MiB before the attack, want < 200 MiB", before>>20)
	}
	jobs := stallJobs(s)
	conns := make([]net.Conn, n)
	for i := range conns {
		conns[i] = stallDial(t, s, 4096)
		stallSend(t, conns[i], v.path, v.body)
	}
	peak := before
	sample := func(until func() bool, limit time.Duration) {
		for end := time.Now().Add(limit); time.Now().Before(end) && !until(); {
			peak = max(peak, rssOf(t, s.PID))
			time.Sleep(50 * time.Millisecond)
		}
	}
	sample(func() bool { return stallJobs(s) >= jobs+n }, 2*time.Minute)
	if got := stallJobs(s) - jobs; got < n {
		t.Fatalf("only %d of the %d jobs ended within 2 minutes", got, n)
	}
	stallHello(t, s) // while the readers are parked
	sample(func() bool { return false }, writeTimeout+3*time.Second)

	var cut, refused int
	for i, conn := range conns {
		o := stallFinish(conn)
		switch {
		case o.headerErr == nil && o.status == http.StatusOK && !o.complete:
			cut++
		case o.status == http.StatusServiceUnavailable && o.complete && o.header.Get("Retry-After") != "":
			refused++
			stallCheckBusy(t, v.path, o.small)
		default:
			t.Errorf("connection %d: status %d, complete %v, %d body bytes, read errors %v, %v: want a cut 200 or a complete 503: %s",
				i, o.status, o.complete, o.got, o.headerErr, o.bodyErr, testserver.Shorten(string(o.small), 600))
		}
	}
	settled, ok := stallWaitSettled(t, s)
	t.Logf("RSS %d MiB before, peak %d MiB while parked, %d MiB after; %d cut, %d refused",
		before>>20, peak>>20, settled>>20, cut, refused)
	if !ok {
		t.Errorf("the server's RSS is still %d MiB 30 s after the parked readers went, want < 200 MiB", settled>>20)
	}
	if peak-before > stallPeakBound {
		t.Errorf("the server's RSS grew by %d MiB while %d readers were parked, want < %d MiB", (peak-before)>>20, n, stallPeakBound>>20)
	}
	if cut == 0 {
		t.Errorf("no parked connection got a (cut) 200")
	}
	stallHello(t, s)
}

// stallJobs counts the jobs the server has logged as ended.
func stallJobs(s *testserver.Server) int {
	data, _ := os.ReadFile(s.LogPath)
	return bytes.Count(data, []byte(" msg=job "))
}

// stallPeakBound: the response memory (128 MiB), plus what the two
// running jobs collect (stdout, stderr and their interleaved copy: 64 MiB
// each, and the buffers they outgrew on the way), plus the garbage
// collector's slack: the sandbox grows its output buffers by append, and
// a 16 MiB stream leaves several times that in garbage on the way.
// Measured: 190 to 420 MiB; the old code went to 663 MiB (v2 compile
// error), 1858 MiB (v2 output) and 2649 MiB (v1 output) with the same
// four readers.
const stallPeakBound = 512 << 20

// stallWaitSettled waits up to 30 s for the server's RSS to come back
// under 200 MiB (what it holds idle, with slack) and returns it.
func stallWaitSettled(t *testing.T, s *testserver.Server) (int64, bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		rss := rssOf(t, s.PID)
		if rss < 200<<20 {
			return rss, true
		}
		if time.Now().After(deadline) {
			return rss, false
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func stallCheckBusy(t *testing.T, path string, body []byte) {
	t.Helper()
	var e struct {
		Error   string `json:"error"`
		Message string `json:"message"`
	}
	if err := json.Unmarshal(body, &e); err != nil {
		t.Errorf("503 body is not JSON: %q", body)
		return
	}
	msg := e.Error
	if strings.HasPrefix(path, "/api/v2/") {
		msg = e.Message
	}
	if want := "server busy: responses waiting for their clients hold "; !strings.HasPrefix(msg, want) {
		t.Errorf("503 message %q, want it to start with %q", msg, want)
	}
}

// stallHello runs a hello world on s, which must answer within 2 s.
func stallHello(t *testing.T, s *testserver.Server) {
	t.Helper()
	r := testserver.MustExecute(t, s, testserver.Bash("echo still-alive\n"))
	if r.Status != "OK" || r.Stdout != "still-alive\n" {
		t.Fatalf("the server no longer runs a hello world correctly: %s", r)
	}
	if r.Elapsed > 2*time.Second {
		t.Errorf("hello world took %v, want < 2s", r.Elapsed)
	}
}

// stallSlowReader: a reader that takes 256 KiB, then waits 250 ms, again
// and again (1 MiB/s), gets its whole answer (6 MiB of JSON for v1, 12
// MiB for v2: two to four times the write timeout) exactly. Its receive
// buffer is 256 KiB, so the server's writes wait for it.
func stallSlowReader(t *testing.T, s *testserver.Server) {
	const size = 512 << 10
	for _, v := range []struct{ name, path string }{{"v1", "/api/v1/execute"}, {"v2", "/api/v2/execute"}} {
		t.Run(v.name, func(t *testing.T) {
			var body []byte
			if v.path == "/api/v1/execute" {
				body, _ = json.Marshal(withLimits(python(stallPython(size)), testserver.Limits{OutputBytes: size}))
			} else {
				body, _ = json.Marshal(map[string]any{"language": "python3", "version": "*",
					"files": []map[string]string{{"content": stallPython(size)}}})
			}
			conn := stallDial(t, s, 256<<10)
			defer conn.Close()
			stallSend(t, conn, v.path, body)
			start := time.Now()
			conn.SetReadDeadline(start.Add(3 * time.Minute))
			resp, err := http.ReadResponse(bufio.NewReader(&slowReader{r: conn, chunk: 256 << 10, pause: 250 * time.Millisecond}), nil)
			if err != nil {
				t.Fatal(err)
			}
			data, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatalf("after %d bytes: %v", len(data), err)
			}
			want := strings.Repeat("\ufffd", size)
			var got struct {
				Stdout, Stderr string
				Run            struct{ Stdout, Stderr, Output string }
			}
			if err := json.Unmarshal(data, &got); err != nil {
				t.Fatalf("%d bytes of body are not JSON: %v", len(data), err)
			}
			if v.path == "/api/v2/execute" {
				got.Stdout, got.Stderr = got.Run.Stdout, got.Run.Stderr
				if got.Run.Output != want+want {
					t.Errorf("run.output is not the 2 MiB of U+FFFD")
				}
			}
			if resp.StatusCode != 200 || got.Stdout != want || got.Stderr != want {
				t.Errorf("status %d, stdout %d bytes, stderr %d bytes: want 200 and 1 MiB of U+FFFD each", resp.StatusCode, len(got.Stdout), len(got.Stderr))
			}
			t.Logf("%d bytes of JSON read slowly in %v", len(data), time.Since(start).Round(time.Millisecond))
		})
	}
}

// slowReader hands out at most chunk bytes, then pauses.
type slowReader struct {
	r     io.Reader
	chunk int
	pause time.Duration
	left  int
}

func (s *slowReader) Read(p []byte) (int, error) {
	if s.left == 0 {
		time.Sleep(s.pause)
		s.left = s.chunk
	}
	n, err := s.r.Read(p[:min(len(p), s.left)])
	s.left -= n
	return n, err
}
