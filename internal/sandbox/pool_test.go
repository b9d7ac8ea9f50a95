package sandbox

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func alive(pid int) bool { return syscall.Kill(pid, 0) == nil }

// waitFor polls cond for up to 5 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestPoolOnDemand checks that the pool starts its warm boxes only, starts
// the others as jobs need them (each in a place, and uid, of its own),
// hands out the box used last first, and stops the boxes beyond the warm
// ones once they idled for the timeout, their inits with them.
func TestPoolOnDemand(t *testing.T) {
	s := newPool(t, Config{Size: 3, Warm: 1, IdleTimeout: 300 * time.Millisecond})
	if st := s.Stats(); st.Started != 1 || st.Free != 3 || st.Size != 3 {
		t.Fatalf("a new pool: %+v, want 1 started of 3 free places", st)
	}
	var boxes []*Box
	seen := map[int]bool{}
	for range 3 {
		b, err := s.Acquire(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if seen[b.index] {
			t.Fatalf("place %d handed out twice", b.index)
		}
		seen[b.index] = true
		boxes = append(boxes, b)
	}
	if st := s.Stats(); st.Started != 3 || st.Free != 0 {
		t.Fatalf("three jobs: %+v", st)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := s.Acquire(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a fourth job on a full pool: %v", err)
	}
	for _, b := range boxes {
		b.Release()
	}
	last := boxes[2]
	b, err := s.Acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if b != last {
		t.Fatal("the box released last was not handed out first")
	}
	b.Release()
	waitFor(t, "the idle boxes to stop", func() bool { return s.Stats().Started == 1 })
	for _, old := range boxes[:2] {
		waitFor(t, "a stopped box's init to end", func() bool { return !alive(old.initPid) })
	}
	if !alive(last.initPid) {
		t.Fatal("the warm box, used last, was stopped")
	}
	if res := run(t, s, "echo again", ""); string(res.Stdout) != "again\n" {
		t.Fatalf("after the idle boxes stopped: %+v", res)
	}
}

// TestPoolSpare checks that a growing load (a job takes the last idle box
// while another runs) gets one more box started in the background, and
// that one job after another never does.
func TestPoolSpare(t *testing.T) {
	s := newPool(t, Config{Size: 4, Warm: 1, IdleTimeout: time.Hour})
	for range 5 {
		run(t, s, "true", "")
	}
	if st := s.Stats(); st.Started != 1 {
		t.Fatalf("one job after another started %d boxes", st.Started)
	}
	a, err := s.Acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer a.Release()
	b, err := s.Acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer b.Release()
	waitFor(t, "a spare box", func() bool { return s.Stats().Started == 3 })
	if st := s.Stats(); st.Free != 2 {
		t.Fatalf("with a spare: %+v, want 2 free places", st)
	}
}

// TestPoolClosedWhileWaiting checks that a job waiting for a place gets
// ErrClosed when the pool closes.
func TestPoolClosedWhileWaiting(t *testing.T) {
	s, err := New(Config{Size: 1, FirstUID: testFirstUID})
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.Acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan error, 1)
	go func() {
		_, err := s.Acquire(context.Background())
		got <- err
	}()
	time.Sleep(50 * time.Millisecond)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-got; !errors.Is(err, ErrClosed) {
		t.Fatalf("waiting through Close: %v", err)
	}
	b.Release()
	if !errors.Is(func() error { _, err := s.Acquire(context.Background()); return err }(), ErrClosed) {
		t.Fatal("Acquire after Close did not fail")
	}
}

// TestSmallInit runs programs in boxes whose init is cmd/coderacer-init,
// and checks that an init anyone could have replaced is refused.
func TestSmallInit(t *testing.T) {
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	init := filepath.Join(dir, InitName)
	build := exec.Command("go", "build", "-o", init, "github.com/coderacer/coderacer/cmd/coderacer-init")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build coderacer-init: %v\n%s", err, out)
	}
	s := newPool(t, Config{Size: 1, InitPath: init})
	res := run(t, s, "echo small", "")
	if string(res.Stdout) != "small\n" || res.ExitCode != 0 {
		t.Fatalf("a run under the small init: %+v", res)
	}
	b, err := s.Acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	cmdline, _ := os.ReadFile("/proc/" + strconv.Itoa(b.initPid) + "/cmdline")
	b.Release()
	if !strings.HasPrefix(string(cmdline), init+"\x00") {
		t.Fatalf("the box's init runs %q, want %s", cmdline, init)
	}
	if err := os.Chmod(init, 0o777); err != nil {
		t.Fatal(err)
	}
	if _, err := New(Config{Size: 1, FirstUID: testFirstUID + 10, InitPath: init}); err == nil || !strings.Contains(err.Error(), "writable") {
		t.Fatalf("a world-writable init: %v", err)
	}
}

// TestInitVersionChecked checks that an init refuses a server of another
// build: the two must speak the same protocols.
func TestInitVersionChecked(t *testing.T) {
	var srv initServer
	if err := srv.handle(append([]byte{ctlVersion}, initVersion()...)); err != nil {
		t.Fatalf("its own version: %v", err)
	}
	if err := srv.handle(append([]byte{ctlVersion}, "coderacer-init/0"...)); err == nil {
		t.Fatal("another protocol was accepted")
	}
	for _, c := range []struct {
		a, b string
		same bool
	}{
		{"coderacer-init/1 go-sandbox/v0.13.6", "coderacer-init/1 go-sandbox/v0.13.6", true},
		{"coderacer-init/1 go-sandbox/v0.13.6", "coderacer-init/1 go-sandbox/v0.13.5", false},
		{"coderacer-init/1 go-sandbox/v0.13.6", "coderacer-init/2 go-sandbox/v0.13.6", false},
		{"coderacer-init/1", "coderacer-init/1 go-sandbox/v0.13.6", true},
		{"coderacer-init/1 go-sandbox/v0.13.6", "", false},
	} {
		if got := sameInitVersion(c.a, c.b); got != c.same {
			t.Errorf("sameInitVersion(%q, %q) = %v", c.a, c.b, got)
		}
	}
}

// TestPoolStartsBoxesAtOnce starts boxes from several jobs at the same
// time (container starts run in parallel) and checks that each box knows
// its own init: the pid the kernel attached to the init's first answer.
func TestPoolStartsBoxesAtOnce(t *testing.T) {
	const n = 6
	s := newPool(t, Config{Size: n, Warm: 1})
	boxes := make(chan *Box, n)
	start := time.Now()
	for range n {
		go func() {
			b, err := s.Acquire(context.Background())
			if err != nil {
				t.Error(err)
			}
			boxes <- b
		}()
	}
	inits := map[int]bool{}
	for range n {
		b := <-boxes
		if b == nil {
			continue
		}
		defer b.Release()
		cmdline, err := os.ReadFile("/proc/" + strconv.Itoa(b.initPid) + "/cmdline")
		if args := strings.Split(string(cmdline), "\x00"); err != nil || len(args) < 2 || args[1] != containerInitArg || inits[b.initPid] {
			t.Fatalf("box %d: init pid %d runs %q (%v)", b.index, b.initPid, cmdline, err)
		}
		inits[b.initPid] = true
		res, err := b.Run(context.Background(), Cmd{Args: []string{"/bin/echo", "ok"}, Limits: testLimits})
		if err != nil || string(res.Stdout) != "ok\n" {
			t.Fatalf("box %d: %+v %v", b.index, res, err)
		}
	}
	t.Logf("%d boxes started and ran in %v", n, time.Since(start))
}
