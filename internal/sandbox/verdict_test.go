package sandbox

import (
	"syscall"
	"testing"
	"time"

	"github.com/criyle/go-sandbox/runner"
)

// judgeLimit is a pure function of a run's facts; fileAtLimit is asked
// only when nothing else explains a failed run.
func TestJudgeLimit(t *testing.T) {
	lim := Limits{CPUTime: time.Second, Memory: 100 << 20, FileSize: 1 << 20}
	cases := []struct {
		name   string
		f      runFacts
		file   bool // what fileAtLimit answers
		want   LimitKind
		probed bool // whether fileAtLimit must be asked
	}{
		{"clean exit", runFacts{}, true, LimitNone, false},
		{"plain failure", runFacts{exitCode: 1}, false, LimitNone, true},
		{"output first", runFacts{hit: LimitOutput, oomKills: 1, cpu: 2 * time.Second}, true, LimitOutput, false},
		{"memory hit", runFacts{hit: LimitMemory, exitCode: 137}, true, LimitMemory, false},
		{"OOM kill", runFacts{oomKills: 1, signal: syscall.SIGKILL, exitCode: 137}, true, LimitMemory, false},
		{"sockets at the limit", runFacts{sockets: 100 << 20}, false, LimitMemory, false},
		{"CPU hit", runFacts{hit: LimitCPU, signal: syscall.SIGKILL, exitCode: 137}, true, LimitCPU, false},
		{"CPU used up", runFacts{cpu: time.Second}, true, LimitCPU, false},
		{"wall", runFacts{wallTimedOut: true, signal: syscall.SIGKILL, exitCode: 137}, true, LimitWall, false},
		{"file at the limit", runFacts{signal: syscall.SIGXFSZ, exitCode: 153}, true, LimitFileSize, true},
		{"SIGXFSZ without a file", runFacts{signal: syscall.SIGXFSZ, exitCode: 153}, false, LimitNone, true},
		{"failed at the memory peak", runFacts{signal: syscall.SIGSEGV, exitCode: 139, memory: 100<<20 - 4096}, false, LimitMemory, true},
		{"exit 0 at the memory peak", runFacts{memory: 100 << 20}, false, LimitNone, false},
	}
	for _, c := range cases {
		probed := false
		got := judgeLimit(c.f, lim, func() bool { probed = true; return c.file })
		if got != c.want || probed != c.probed {
			t.Errorf("%s: %q (file probed %v), want %q (probed %v)", c.name, got, probed, c.want, c.probed)
		}
	}
	// Without limits, nothing is at one.
	if got := judgeLimit(runFacts{exitCode: 1, memory: 1 << 30, cpu: time.Hour}, Limits{}, func() bool { return false }); got != LimitNone {
		t.Errorf("no limits: %q", got)
	}
}

func TestExitOf(t *testing.T) {
	for _, c := range []struct {
		res  runner.Result
		code int
		sig  syscall.Signal
	}{
		{runner.Result{Status: runner.StatusNormal}, 0, 0},
		{runner.Result{Status: runner.StatusNonzeroExitStatus, ExitStatus: 3}, 3, 0},
		{runner.Result{Status: runner.StatusSignalled, ExitStatus: int(syscall.SIGKILL)}, 137, syscall.SIGKILL},
	} {
		if code, sig := exitOf(c.res); code != c.code || sig != c.sig {
			t.Errorf("exitOf(%v) = %d %v, want %d %v", c.res.Status, code, sig, c.code, c.sig)
		}
	}
}
