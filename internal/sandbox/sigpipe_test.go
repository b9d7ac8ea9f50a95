package sandbox

import (
	"context"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// TestIgnoreSIGPIPE runs, in one box, programs that do and do not ask
// for SIGPIPE ignored, in turns: each starts with what it asked for,
// whatever the run before it had, and a write into a pipe nobody reads
// kills only those that did not.
func TestIgnoreSIGPIPE(t *testing.T) {
	b := newTestBox(t)
	for i, ignore := range []bool{false, true, true, false, true, false} {
		if got := sigpipeIgnoredIn(t, b, ignore); got != ignore {
			t.Errorf("run %d asked IgnoreSIGPIPE=%v; SIGPIPE ignored in the program: %v", i, ignore, got)
		}
		res := writeToClosedPipe(t, b, ignore)
		switch {
		case ignore && (res.Signal != 0 || res.ExitCode == 0):
			t.Errorf("run %d, SIGPIPE ignored: signal %v, exit %d; want a failed write, exit non-zero", i, res.Signal, res.ExitCode)
		case !ignore && res.Signal != syscall.SIGPIPE:
			t.Errorf("run %d, SIGPIPE default: signal %v, exit %d; want killed by SIGPIPE", i, res.Signal, res.ExitCode)
		}
	}
}

// sigpipeIgnoredIn reads the SigIgn mask of a program of the box.
func sigpipeIgnoredIn(t *testing.T, b *Box, ignore bool) bool {
	t.Helper()
	cmd := Cmd{Args: []string{"/bin/grep", "^SigIgn:", "/proc/self/status"}, Limits: testLimits, IgnoreSIGPIPE: ignore}
	res, err := b.Run(context.Background(), cmd)
	if err != nil || res.ExitCode != 0 {
		t.Fatalf("Run: %v, exit %d, stderr %q", err, res.ExitCode, res.Stderr)
	}
	field := strings.TrimSpace(strings.TrimPrefix(string(res.Stdout), "SigIgn:"))
	mask, err := strconv.ParseUint(field, 16, 64)
	if err != nil {
		t.Fatalf("SigIgn %q: %v", res.Stdout, err)
	}
	return mask&(1<<(syscall.SIGPIPE-1)) != 0
}

// writeToClosedPipe runs echo with its stdout a pipe whose read end is
// closed.
func writeToClosedPipe(t *testing.T, b *Box, ignore bool) Result {
	t.Helper()
	r, w := testPipe(t)
	r.Close()
	cmd := Cmd{Args: []string{"/bin/echo", "x"}, Limits: testLimits, StdoutFile: w, IgnoreSIGPIPE: ignore}
	res, err := b.Run(context.Background(), cmd)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return res
}
