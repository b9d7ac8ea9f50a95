package attack

// Slow WebSocket clients (issue 10, item 5): a client that reads slowly,
// not at all, or stops for a while must never hold a sandbox past its
// run, nor keep other users waiting. With parallelism 2, two such
// sessions hold both sandboxes while their programs run; an ordinary
// request sent meanwhile must be answered within the runs' 2 s wall limit
// and a second. Output the client has not taken is buffered up to a
// bound; past it the session is closed (1008) and its job stopped; a
// client that takes no message for the write timeout is cut off.

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// maxOrdinaryLatency is how long an ordinary request may take while two
// slow sessions run: their 2 s wall limit, and a second.
const maxOrdinaryLatency = 3 * time.Second

// The overflow's close and error message (docs/websocket.md).
const (
	wsCloseOverflow  websocket.StatusCode = websocket.StatusPolicyViolation
	wsOverflowReason                      = "output buffer full"
)

var wsOverflowError = fmt.Sprintf("the client did not take its output: more than %d bytes were waiting; the job was stopped", wsOutputBuffer)

// checkPrefix requires each stream's output to be the start of what the
// program printed on it (lines[stream] lines of floodLine), and no more;
// it reports how much arrived.
func checkPrefix(t *testing.T, s *wsSession, out map[string]string, lines map[string]int) string {
	t.Helper()
	var got []string
	for stream, data := range out {
		want := floodOutput(lines[stream])
		if !strings.HasPrefix(want, data) {
			t.Errorf("%s: %s output (%d bytes) is not the start of what the program printed", s.d.name, stream, len(data))
		}
		got = append(got, fmt.Sprintf("%s %d KiB", stream, len(data)>>10))
	}
	return strings.Join(got, ", ")
}

// startFlood opens two sessions of d running floodProgram.
func startFlood(t *testing.T, d wsDialect, lines map[string]int, outputBytes int64, sleep bool) []*wsSession {
	t.Helper()
	var ss []*wsSession
	for range 2 {
		s := dialWS(t, d)
		s.send(d.start(floodProgram(lines["stdout"], lines["stderr"], sleep), outputBytes))
		ss = append(ss, s)
	}
	return ss
}

// Clients that read 4 KiB/s while their programs print far more (v1: 16
// MiB; v2: 1 MiB on each stream, Piston's limit, 6 MiB each as JSON):
// the sessions overflow their buffers and are closed with 1008, their
// jobs stopped at once; the ordinary request does not wait for them.
func TestWSSlowReaderFreesSandbox(t *testing.T) {
	for _, tc := range []struct {
		d           wsDialect
		lines       map[string]int
		outputBytes int64
	}{
		{wsV1, map[string]int{"stdout": 16 << 10}, 16 << 20},
		{wsV2, map[string]int{"stdout": 1 << 10, "stderr": 1 << 10}, 0},
	} {
		t.Run(tc.d.name, func(t *testing.T) {
			ss := startFlood(t, tc.d, tc.lines, tc.outputBytes, true)
			for _, s := range ss {
				s.expect("runtime")
				s.expect("stage")
				s.readAll() // 4 KiB/s
			}
			time.Sleep(300 * time.Millisecond)
			took := ordinaryLatency(t)
			t.Logf("%s: an ordinary request took %v beside two sessions reading 4 KiB/s", tc.d.name, took.Round(time.Millisecond))
			if took > maxOrdinaryLatency {
				t.Errorf("%s: the ordinary request took %v, want < %v: slow sessions held the sandboxes", tc.d.name, took.Round(time.Millisecond), maxOrdinaryLatency)
			}
			for _, s := range ss {
				out, msgs, end := s.wait(30 * time.Second)
				got := checkPrefix(t, s, out, tc.lines)
				code, reason := closeOf(end)
				t.Logf("%s: received %s, then %v, closed %d %q", tc.d.name, got, msgs, code, reason)
				if len(msgs) != 1 || msgs[0].str("type") != "error" || tc.d.errorText(msgs[0]) != wsOverflowError {
					t.Errorf("%s: after the output: %v, want one error message %q", tc.d.name, msgs, wsOverflowError)
				}
				if code != wsCloseOverflow || reason != wsOverflowReason {
					t.Errorf("%s: closed with %d %q (%v), want %d %q", tc.d.name, code, reason, end, wsCloseOverflow, wsOverflowReason)
				}
			}
			requireHealthy(t)
		})
	}
}

// Clients that never read (one per dialect, printing as above): the jobs
// end at once, and after the write timeout the clients are cut off, with
// what their sockets held and no close frame.
func TestWSNeverReadingClient(t *testing.T) {
	start := time.Now()
	v1Lines := map[string]int{"stdout": 16 << 10}
	v2Lines := map[string]int{"stdout": 1 << 10, "stderr": 1 << 10}
	ss := []*wsSession{dialWS(t, wsV1), dialWS(t, wsV2)}
	ss[0].send(wsV1.start(floodProgram(16<<10, 0, true), 16<<20))
	ss[1].send(wsV2.start(floodProgram(1<<10, 1<<10, true), 0))
	time.Sleep(time.Second) // both run and print
	took := ordinaryLatency(t)
	t.Logf("an ordinary request took %v beside two sessions that read nothing", took.Round(time.Millisecond))
	if took > maxOrdinaryLatency {
		t.Errorf("the ordinary request took %v, want < %v: clients that read nothing held the sandboxes", took.Round(time.Millisecond), maxOrdinaryLatency)
	}
	time.Sleep(time.Until(start.Add(wsWriteTimeout + 3*time.Second)))
	for i, s := range ss {
		s.fast.Store(true)
		s.readAll()
		out, msgs, end := s.wait(30 * time.Second)
		got := checkPrefix(t, s, out, []map[string]int{v1Lines, v2Lines}[i])
		code, reason := closeOf(end)
		t.Logf("%s: received %s and %d other messages, then %d %q (%v)", s.d.name, got, len(msgs), code, reason, end)
		if len(msgs) != 2 || msgs[0].str("type") != "runtime" || msgs[1].str("type") != "stage" {
			t.Errorf("%s: messages %v, want runtime and stage only", s.d.name, msgs)
		}
		if code != -1 {
			t.Errorf("%s: closed with %d %q, want cut off without a close frame", s.d.name, code, reason)
		}
	}
	requireHealthy(t)
}

// Clients that take the first message, stop reading for 6 s (less than
// the write timeout) and then read on, while their programs print 1.25
// MiB (7.5 MiB of JSON) and exit: the programs are not held back, the
// sandboxes are free at once, and every byte, the exit and the end of
// the job arrive after the pause.
func TestWSPausedReaderGetsEverything(t *testing.T) {
	for _, tc := range []struct {
		d           wsDialect
		lines       map[string]int
		outputBytes int64
	}{
		{wsV1, map[string]int{"stdout": 1280}, 2 << 20},
		{wsV2, map[string]int{"stdout": 768, "stderr": 512}, 0},
	} {
		t.Run(tc.d.name, func(t *testing.T) {
			start := time.Now()
			ss := startFlood(t, tc.d, tc.lines, tc.outputBytes, false)
			for _, s := range ss {
				s.expect("runtime")
			}
			time.Sleep(500 * time.Millisecond)
			took := ordinaryLatency(t)
			t.Logf("%s: an ordinary request took %v beside two paused sessions", tc.d.name, took.Round(time.Millisecond))
			if took > maxOrdinaryLatency {
				t.Errorf("%s: the ordinary request took %v, want < %v: paused sessions held the sandboxes", tc.d.name, took.Round(time.Millisecond), maxOrdinaryLatency)
			}
			time.Sleep(time.Until(start.Add(6 * time.Second)))
			for _, s := range ss {
				s.fast.Store(true)
				s.readAll()
				out, msgs, end := s.wait(30 * time.Second)
				checkPausedSession(t, s, tc.lines, out, msgs, end)
			}
			requireHealthy(t)
		})
	}
}

func checkPausedSession(t *testing.T, s *wsSession, lines map[string]int, out map[string]string, msgs []wsMessage, end error) {
	t.Helper()
	for stream, n := range lines {
		if want := floodOutput(n); out[stream] != want {
			t.Errorf("%s: %s: %d bytes, want all %d the program printed", s.d.name, stream, len(out[stream]), len(want))
		}
	}
	var types []string
	for _, m := range msgs {
		types = append(types, m.str("type"))
	}
	wantTypes := "stage exit"
	if s.d.name == "v1" {
		wantTypes += " result"
	}
	if strings.Join(types, " ") != wantTypes {
		t.Fatalf("%s: messages %v, want %s", s.d.name, types, wantTypes)
	}
	exit := msgs[1]
	if s.d.name == "v1" {
		if exit.str("status") != "OK" || msgs[2].str("status") != "OK" || msgs[2].str("stdout") != out["stdout"] {
			t.Errorf("%s: exit %v, result status %q: want OK, the program was not held back", s.d.name, exit, msgs[2].str("status"))
		}
	} else if exit["code"] != float64(0) || exit["status"] != nil {
		t.Errorf("%s: exit %v, want code 0: the program was not held back", s.d.name, exit)
	}
	if code, reason := closeOf(end); code != s.d.doneCode || reason != s.d.doneReason {
		t.Errorf("%s: closed with %d %q (%v), want %d %q", s.d.name, code, reason, end, s.d.doneCode, s.d.doneReason)
	}
}
