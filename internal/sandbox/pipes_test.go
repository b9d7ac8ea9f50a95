package sandbox

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Two runs in two boxes joined by kernel pipes, as an interactor and its
// submission are: the caller makes the pipes, hands each end to one run,
// and closes each end once the run it was given to has returned.

// joinedRun is what one run of a joined pair did.
type joinedRun struct {
	res Result
	err error
	end time.Time // when Run returned
}

// startJoined runs cmd in b in the background and closes the caller's
// copies of its stdio files once the run returned, as the engine does.
func startJoined(b *Box, cmd Cmd) <-chan joinedRun {
	done := make(chan joinedRun, 1)
	go func() {
		res, err := b.Run(context.Background(), cmd)
		end := time.Now()
		for _, f := range []*os.File{cmd.StdinFile, cmd.StdoutFile} {
			if f != nil {
				f.Close()
			}
		}
		done <- joinedRun{res, err, end}
	}()
	return done
}

// twoBoxes are the two boxes of a sandbox of their own.
func twoBoxes(t *testing.T) (*Box, *Box) {
	t.Helper()
	s, err := New(Config{Size: 2, FirstUID: testFirstUID})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	var boxes [2]*Box
	for i := range boxes {
		if boxes[i], err = s.Acquire(context.Background()); err != nil {
			t.Fatalf("Acquire: %v", err)
		}
		t.Cleanup(boxes[i].Release)
	}
	return boxes[0], boxes[1]
}

// testPipe is a pipe whose ends the test closes when it ends, if the
// runs did not (closing twice is harmless).
func testPipe(t *testing.T) (r, w *os.File) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatalf("pipe: %v", err)
	}
	t.Cleanup(func() { r.Close(); w.Close() })
	return r, w
}

func shCmd(script string, lim Limits) Cmd {
	return Cmd{Args: []string{"/bin/sh", "-c", script}, Env: []string{"PATH=/usr/bin:/bin"}, Limits: lim}
}

func wait(t *testing.T, name string, done <-chan joinedRun) joinedRun {
	t.Helper()
	select {
	case j := <-done:
		if j.err != nil {
			t.Fatalf("%s: Run: %v", name, j.err)
		}
		return j
	case <-time.After(30 * time.Second):
		t.Fatalf("%s: still running after 30 s", name)
	}
	return joinedRun{}
}

// openFds counts the server's open file descriptors.
func openFds(t *testing.T) int {
	t.Helper()
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatalf("read /proc/self/fd: %v", err)
	}
	return len(entries)
}

const (
	pingRounds = 10000
	// pinger sends a number, waits for it back, and counts.
	pinger = `i=0; while [ $i -lt 10000 ]; do echo $i; read x; [ "$x" = "$i" ] || { echo "got $x for $i" >&2; exit 3; }; i=$((i+1)); done; echo rounds $i >&2`
	// ponger echoes each line back until its input ends.
	ponger = `n=0; while read x; do echo "$x"; n=$((n+1)); done; echo echoed $n >&2`
)

// TestJoinedPingPong plays 10000 rounds of ping-pong between two boxes,
// each side's stdout the other's stdin, and compares the time with the
// same two programs joined by pipes outside any sandbox.
func TestJoinedPingPong(t *testing.T) {
	a, b := twoBoxes(t)
	lim := testLimits
	lim.WallTime, lim.CPUTime = 30*time.Second, 20*time.Second
	toPong, fromPing := testPipe(t)
	toPing, fromPong := testPipe(t)
	ping, pong := shCmd(pinger, lim), shCmd(ponger, lim)
	ping.StdinFile, ping.StdoutFile = toPing, fromPing
	pong.StdinFile, pong.StdoutFile = toPong, fromPong

	start := time.Now()
	pingDone, pongDone := startJoined(a, ping), startJoined(b, pong)
	pi, po := wait(t, "pinger", pingDone), wait(t, "ponger", pongDone)
	boxed := time.Since(start)
	if pi.res.ExitCode != 0 || string(pi.res.Stderr) != "rounds 10000\n" || pi.res.Stdout != nil || pi.res.Limit != LimitNone {
		t.Fatalf("pinger: %+v", pi.res)
	}
	if po.res.ExitCode != 0 || string(po.res.Stderr) != "echoed 10000\n" || po.res.Stdout != nil || po.res.Limit != LimitNone {
		t.Fatalf("ponger: %+v", po.res)
	}
	bare := barePingPong(t)
	t.Logf("%d round trips: %v in two boxes (%v each; pinger's run %v, setup %v), %v bare (%v each)",
		pingRounds, boxed, boxed/pingRounds, pi.res.WallTime, pi.res.SetupTime, bare, bare/pingRounds)
	// The boxes add their fixed cost and the seccomp filter's few
	// nanoseconds per system call, nothing per byte: a copy through the
	// server would at least double the time.
	if boxed > 2*bare+time.Second {
		t.Errorf("ping-pong in two boxes took %v, bare %v", boxed, bare)
	}
}

// barePingPong is the time of the ping-pong's programs joined by pipes
// outside the sandbox.
func barePingPong(t *testing.T) time.Duration {
	t.Helper()
	toPong, fromPing := testPipe(t)
	toPing, fromPong := testPipe(t)
	ping := exec.Command("/bin/sh", "-c", pinger)
	ping.Stdin, ping.Stdout = toPing, fromPing
	pong := exec.Command("/bin/sh", "-c", ponger)
	pong.Stdin, pong.Stdout = toPong, fromPong
	start := time.Now()
	if err := ping.Start(); err != nil {
		t.Fatalf("start pinger: %v", err)
	}
	if err := pong.Start(); err != nil {
		t.Fatalf("start ponger: %v", err)
	}
	for _, f := range []*os.File{toPong, fromPing, toPing, fromPong} {
		f.Close()
	}
	if err := ping.Wait(); err != nil {
		t.Fatalf("bare pinger: %v", err)
	}
	if err := pong.Wait(); err != nil {
		t.Fatalf("bare ponger: %v", err)
	}
	return time.Since(start)
}

// TestJoinedEOF checks that one side's end is the other's EOF, or EPIPE
// and SIGPIPE, at once, and that the joined stdout is neither collected
// nor bounded by the output limit while stderr is collected.
func TestJoinedEOF(t *testing.T) {
	a, b := twoBoxes(t)
	lim := testLimits
	lim.WallTime = 10 * time.Second

	// 2 MB through a run whose output limit is 64 KiB, then EOF.
	r, w := testPipe(t)
	writer := shCmd("head -c 2000000 /dev/zero; echo written >&2", lim)
	writer.StdoutFile = w
	reader := shCmd("wc -c; echo eof >&2", lim)
	reader.StdinFile = r
	wd, rd := startJoined(a, writer), startJoined(b, reader)
	wr, rr := wait(t, "writer", wd), wait(t, "reader", rd)
	if wr.res.ExitCode != 0 || wr.res.Limit != LimitNone || wr.res.Stdout != nil || string(wr.res.Stderr) != "written\n" || string(wr.res.Output) != "written\n" {
		t.Fatalf("writer: %+v", wr.res)
	}
	if strings.TrimSpace(string(rr.res.Stdout)) != "2000000" || string(rr.res.Stderr) != "eof\n" || rr.res.ExitCode != 0 {
		t.Fatalf("reader: stdout %q stderr %q exit %d", rr.res.Stdout, rr.res.Stderr, rr.res.ExitCode)
	}
	t.Logf("EOF reached the reader %v after the writer's run returned", rr.end.Sub(wr.end))
	if rr.res.WallTime > 5*time.Second {
		t.Errorf("reader ran %v: EOF came late", rr.res.WallTime)
	}

	// The reader leaves after one line: the writer dies of SIGPIPE, a
	// signal like any other, not a limit.
	r, w = testPipe(t)
	writer = shCmd("exec yes", lim)
	writer.StdoutFile = w
	reader = shCmd("read x; echo $x", lim)
	reader.StdinFile = r
	wd, rd = startJoined(a, writer), startJoined(b, reader)
	wr, rr = wait(t, "writer", wd), wait(t, "reader", rd)
	if string(rr.res.Stdout) != "y\n" || rr.res.ExitCode != 0 {
		t.Fatalf("reader: %+v", rr.res)
	}
	if wr.res.Signal != syscall.SIGPIPE || wr.res.ExitCode != 128+int(syscall.SIGPIPE) || wr.res.Limit != LimitNone {
		t.Fatalf("writer: signal %v exit %d limit %q, want SIGPIPE", wr.res.Signal, wr.res.ExitCode, wr.res.Limit)
	}
	t.Logf("SIGPIPE reached the writer %v after the reader's run returned", wr.end.Sub(rr.end))
	if wr.res.WallTime > 5*time.Second {
		t.Errorf("writer ran %v: EPIPE came late", wr.res.WallTime)
	}
}

// TestJoinedWallLimit checks that the wall limit holds when a side waits
// forever: for input that never comes, or to write into a full pipe
// nobody reads.
func TestJoinedWallLimit(t *testing.T) {
	a, b := twoBoxes(t)
	lim := testLimits
	lim.WallTime = time.Second

	// The writer's end is held (by the test) but never written.
	r, w := testPipe(t)
	reader := shCmd("cat", lim)
	reader.StdinFile = r
	j := wait(t, "reader", startJoined(a, reader))
	if j.res.Limit != LimitWall || j.res.WallTime > 3*time.Second {
		t.Fatalf("reader waiting for input: limit %q after %v, want the wall limit", j.res.Limit, j.res.WallTime)
	}
	w.Close()

	// The reader stops reading: the writer fills the pipe and blocks.
	r, w = testPipe(t)
	writer := shCmd("exec yes", lim)
	writer.StdoutFile = w
	sleeper := shCmd("read x; exec sleep 30", lim)
	sleeper.StdinFile = r
	wd, sd := startJoined(a, writer), startJoined(b, sleeper)
	wr, sr := wait(t, "writer", wd), wait(t, "sleeper", sd)
	if wr.res.Limit != LimitWall || wr.res.WallTime > 3*time.Second {
		t.Fatalf("writer into a full pipe: limit %q after %v, want the wall limit", wr.res.Limit, wr.res.WallTime)
	}
	if sr.res.Limit != LimitWall {
		t.Fatalf("sleeper: limit %q, want the wall limit", sr.res.Limit)
	}
}

// TestJoinedNoFdLeaks checks that joined runs leave no descriptor open in
// the server, that their programs get no other descriptor than their
// stdio, and that a later ordinary run in the same boxes collects its
// stdout as usual.
func TestJoinedNoFdLeaks(t *testing.T) {
	a, b := twoBoxes(t)
	ordinary := func(box *Box) Result {
		t.Helper()
		res, err := box.Run(context.Background(), shCmd("ls /proc/self/fd", testLimits))
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
		return res
	}
	ordinary(a) // the server's lazily opened descriptors (epoll)
	before := openFds(t)
	for range 5 {
		r, w := testPipe(t)
		writer := shCmd("ls /proc/self/fd", testLimits)
		writer.StdoutFile = w
		reader := shCmd("cat; ls /proc/self/fd >&2", testLimits)
		reader.StdinFile = r
		wd, rd := startJoined(a, writer), startJoined(b, reader)
		wr, rr := wait(t, "writer", wd), wait(t, "reader", rd)
		// ls's own descriptor is 3, reading the directory.
		if want := "0\n1\n2\n3\n"; string(rr.res.Stdout) != want || string(rr.res.Stderr) != want || wr.res.ExitCode != 0 {
			t.Fatalf("descriptors: writer's %q, reader's %q (exit %d, %d), want %q", rr.res.Stdout, rr.res.Stderr, wr.res.ExitCode, rr.res.ExitCode, want)
		}
	}
	for _, box := range []*Box{a, b} {
		if res := ordinary(box); string(res.Stdout) != "0\n1\n2\n3\n" {
			t.Fatalf("ordinary run after joined runs: stdout %q", res.Stdout)
		}
	}
	if after := openFds(t); after != before {
		t.Fatalf("the server has %d descriptors open after joined runs, %d before", after, before)
	}
}

// TestJoinedClosedFile checks that a run given a closed file fails as the
// sandbox's error, never running the program on whatever the number is.
func TestJoinedClosedFile(t *testing.T) {
	box := newTestBox(t)
	r, w := testPipe(t)
	r.Close()
	cmd := shCmd("cat", testLimits)
	cmd.StdinFile = r
	if _, err := box.Run(context.Background(), cmd); err == nil || !strings.Contains(err.Error(), "stdin file") {
		t.Fatalf("Run with a closed stdin file: err %v", err)
	}
	w.Close()
}
