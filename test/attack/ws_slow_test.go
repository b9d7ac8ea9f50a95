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

// Clients that read 4 KiB/s while their programs print far more, 6 times
// as much as JSON (\x01 is \u0001). v1 asks for 16 MiB of output: the
// sessions overflow their 2 MiB buffers and are closed with 1008, their
// jobs stopped at once. v2 (Piston's 1 MiB per stream) prints forever:
// the runs end at the output limit, the sandboxes are free at once, and
// a client that speeds up before the write timeout gets every byte. In
// both, the ordinary request does not wait for them.
func TestWSSlowReaderFreesSandbox(t *testing.T) {
	for _, tc := range []struct {
		d           wsDialect
		lines       int // on stdout; -1: forever
		outputBytes int64
	}{
		{wsV1, 16 << 10, 16 << 20},
		{wsV2, -1, 0},
	} {
		t.Run(tc.d.name, func(t *testing.T) {
			var ss []*wsSession
			for range 2 {
				s := dialWS(t, tc.d)
				src := floodProgram(tc.lines, 0, true)
				if tc.lines < 0 {
					src = floodProgram(1<<30, 0, false)
				}
				s.send(tc.d.start(src, tc.outputBytes))
				s.expect("runtime")
				s.expect("stage")
				s.readAll() // 4 KiB/s
				ss = append(ss, s)
			}
			time.Sleep(300 * time.Millisecond)
			took := ordinaryLatency(t)
			t.Logf("%s: an ordinary request took %v beside two sessions reading 4 KiB/s", tc.d.name, took.Round(time.Millisecond))
			if took > maxOrdinaryLatency {
				t.Errorf("%s: the ordinary request took %v, want < %v: slow sessions held the sandboxes", tc.d.name, took.Round(time.Millisecond), maxOrdinaryLatency)
			}
			for _, s := range ss {
				out, msgs, end := s.wait(30 * time.Second)
				if tc.lines < 0 {
					checkOutputLimited(t, s, out, msgs, end)
					continue
				}
				checkOverflowed(t, s, out, msgs, end, map[string]int{"stdout": tc.lines})
			}
			requireHealthy(t)
		})
	}
}

// checkOverflowed requires the start of the output, then the error and
// the close of an overflow.
func checkOverflowed(t *testing.T, s *wsSession, out map[string]string, msgs []wsMessage, end error, lines map[string]int) {
	t.Helper()
	got := checkPrefix(t, s, out, lines)
	code, reason := closeOf(end)
	t.Logf("%s: received %s, then %v, closed %d %q", s.d.name, got, msgs, code, reason)
	if len(msgs) != 1 || msgs[0].str("type") != "error" || s.d.errorText(msgs[0]) != wsOverflowError {
		t.Errorf("%s: after the output: %v, want one error message %q", s.d.name, msgs, wsOverflowError)
	}
	if code != wsCloseOverflow || reason != wsOverflowReason {
		t.Errorf("%s: closed with %d %q (%v), want %d %q", s.d.name, code, reason, end, wsCloseOverflow, wsOverflowReason)
	}
}

// checkOutputLimited requires the first MiB of the output, then the exit
// of a run stopped at the output limit, then the end of the job.
func checkOutputLimited(t *testing.T, s *wsSession, out map[string]string, msgs []wsMessage, end error) {
	t.Helper()
	if want := floodOutput(1 << 10); out["stdout"] != want || len(out) != 1 {
		t.Errorf("%s: stdout %d bytes (streams %d), want the first %d bytes the program printed", s.d.name, len(out["stdout"]), len(out), len(want))
	}
	if len(msgs) != 1 || msgs[0].str("type") != "exit" || msgs[0].str("status") != "OL" {
		t.Errorf("%s: after the output: %v, want the exit of a run stopped at the output limit (OL)", s.d.name, msgs)
	}
	if code, reason := closeOf(end); code != s.d.doneCode || reason != s.d.doneReason {
		t.Errorf("%s: closed with %d %q (%v), want %d %q", s.d.name, code, reason, end, s.d.doneCode, s.d.doneReason)
	}
}

// Clients that read 4 KiB/s while their programs print 600 KiB/s (300 on
// each stream) until the 2 s wall limit ends them: each sandbox is released when its run
// ends, and what the client had not taken is still delivered after, once
// it reads on: the start of the output, the exit (TLE) and the end of
// the job.
func TestWSSlowReaderRunEndsAtWallLimit(t *testing.T) {
	for _, d := range []wsDialect{wsV1, wsV2} {
		t.Run(d.name, func(t *testing.T) {
			var ss []*wsSession
			for range 2 {
				s := dialWS(t, d)
				s.send(d.start(tickerProgram, 0))
				s.expect("runtime")
				s.expect("stage")
				s.readAll() // 4 KiB/s
				ss = append(ss, s)
			}
			time.Sleep(300 * time.Millisecond)
			took := ordinaryLatency(t)
			t.Logf("%s: an ordinary request took %v beside two sessions reading 4 KiB/s, their runs ending at 2 s", d.name, took.Round(time.Millisecond))
			if took > maxOrdinaryLatency {
				t.Errorf("%s: the ordinary request took %v, want < %v: slow sessions held the sandboxes past their runs", d.name, took.Round(time.Millisecond), maxOrdinaryLatency)
			}
			for _, s := range ss {
				out, msgs, end := s.wait(30 * time.Second)
				got := checkPrefix(t, s, out, map[string]int{"stdout": 2000, "stderr": 2000})
				var types, statuses []string
				for _, m := range msgs {
					types, statuses = append(types, m.str("type")), append(statuses, m.str("status"))
				}
				code, reason := closeOf(end)
				t.Logf("%s: received %s, then %v %v, closed %d %q", d.name, got, types, statuses, code, reason)
				if len(out["stdout"]) < 400<<10 || len(out["stderr"]) < 400<<10 {
					t.Errorf("%s: %d and %d bytes of output, want what 2 s of printing made (about 600 KiB on each stream)", d.name, len(out["stdout"]), len(out["stderr"]))
				}
				want, wantStatus := "exit", "TO"
				if d.name == "v1" {
					want, wantStatus = "exit result", "TLE TLE"
				}
				if strings.Join(types, " ") != want || strings.Join(statuses, " ") != wantStatus {
					t.Errorf("%s: after the output %v with statuses %v, want %s with %s", d.name, types, statuses, want, wantStatus)
				}
				if code != d.doneCode || reason != d.doneReason {
					t.Errorf("%s: closed with %d %q (%v), want %d %q", d.name, code, reason, end, d.doneCode, d.doneReason)
				}
			}
			requireHealthy(t)
		})
	}
}

// Clients that never read, two per dialect: v1's print a MiB, then (once
// the server surely waits on a full socket) 15 more: the sessions
// overflow and their jobs are stopped; v2's print 1 MiB on each stream
// and exit: their runs are over. Neither pair holds the sandboxes: an
// ordinary request after each goes through at once. After the write
// timeout every client is cut off, with what its socket held and no
// close frame.
func TestWSNeverReadingClient(t *testing.T) {
	type group struct {
		d     wsDialect
		lines map[string]int
		start time.Time
		ss    []*wsSession
	}
	groups := []*group{
		{d: wsV1, lines: map[string]int{"stdout": 16 << 10}},
		{d: wsV2, lines: map[string]int{"stdout": 1 << 10, "stderr": 1 << 10}},
	}
	for _, g := range groups {
		g.start = time.Now()
		for range 2 {
			s := dialWS(t, g.d)
			if g.d.name == "v1" {
				s.send(wsV1.start(floodProgramPause(16<<10, 0, true, true), 16<<20))
			} else {
				s.send(wsV2.start(floodProgram(1<<10, 1<<10, false), 0))
			}
			g.ss = append(g.ss, s)
		}
		time.Sleep(time.Second) // both run and print
		took := ordinaryLatency(t)
		t.Logf("%s: an ordinary request took %v beside two sessions that read nothing", g.d.name, took.Round(time.Millisecond))
		if took > maxOrdinaryLatency {
			t.Errorf("%s: the ordinary request took %v, want < %v: clients that read nothing held the sandboxes", g.d.name, took.Round(time.Millisecond), maxOrdinaryLatency)
		}
	}
	for _, g := range groups {
		time.Sleep(time.Until(g.start.Add(wsWriteTimeout + 3*time.Second)))
		for _, s := range g.ss {
			s.fast.Store(true)
			s.readAll()
			out, msgs, end := s.wait(30 * time.Second)
			got := checkPrefix(t, s, out, g.lines)
			code, reason := closeOf(end)
			t.Logf("%s: received %s and %d other messages, then %d %q (%v)", s.d.name, got, len(msgs), code, reason, end)
			if len(msgs) != 2 || msgs[0].str("type") != "runtime" || msgs[1].str("type") != "stage" {
				t.Errorf("%s: messages %v, want runtime and stage only", s.d.name, msgs)
			}
			if code != -1 {
				t.Errorf("%s: closed with %d %q, want cut off without a close frame", s.d.name, code, reason)
			}
		}
	}
	requireHealthy(t)
}

// Clients that take the first message, stop reading for 6 s (less than
// the write timeout) and then read on, while their programs print 1.25
// MiB (7.5 MiB of JSON, within the 2 MiB buffer and the sockets' 4 MiB)
// and exit: the programs are not held back, the
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
