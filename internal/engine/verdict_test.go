package engine

import (
	"syscall"
	"testing"
	"time"
)

func TestVerdict(t *testing.T) {
	lim := Limits{WallTime: 2 * time.Second, CPUTime: time.Second, Memory: 1 << 20, Output: 100, FileSize: 200}
	cases := []struct {
		name   string
		r      RunResult
		status Status
		signal string
		msg    string
	}{
		{"exit 0", RunResult{}, StatusOK, "", ""},
		{"exit 3", RunResult{ExitCode: 3}, StatusRuntimeError, "", ""},
		{"signal", RunResult{Signal: syscall.SIGSEGV, ExitCode: 139}, StatusSignaled, "SIGSEGV", "killed by SIGSEGV"},
		{"unnamed signal", RunResult{Signal: syscall.Signal(40), ExitCode: 168}, StatusSignaled, "signal 40", "killed by signal 40"},
		{"CPU", RunResult{Limit: LimitCPUTime, Signal: syscall.SIGKILL}, StatusTimeLimitExceeded, "SIGKILL", "CPU time limit of 1s exceeded"},
		{"wall", RunResult{Limit: LimitWallTime, Signal: syscall.SIGKILL}, StatusTimeLimitExceeded, "SIGKILL", "wall time limit of 2s exceeded"},
		{"memory", RunResult{Limit: LimitMemory, ExitCode: 1}, StatusMemoryLimitExceeded, "", "memory limit of 1048576 bytes exceeded"},
		{"output", RunResult{Limit: LimitOutput}, StatusOutputLimitExceeded, "", "output limit of 100 bytes per stream exceeded"},
		{"file size", RunResult{Limit: LimitFileSize, Signal: syscall.SIGXFSZ}, StatusOutputLimitExceeded, "SIGXFSZ", "file size limit of 200 bytes exceeded"},
		// A limit the sandbox never reports is no verdict of its own.
		{"processes", RunResult{Limit: LimitProcesses, ExitCode: 1}, StatusRuntimeError, "", ""},
	}
	for _, c := range cases {
		c.r.Stdout, c.r.CPUTime, c.r.Memory = []byte("out"), time.Millisecond, 42
		s := verdict(c.r, lim)
		if s.Status != c.status || s.Signal != c.signal || s.Message != c.msg {
			t.Errorf("%s: %s %q %q, want %s %q %q", c.name, s.Status, s.Signal, s.Message, c.status, c.signal, c.msg)
		}
		if string(s.Stdout) != "out" || s.CPUTime != time.Millisecond || s.Memory != 42 || s.ExitCode != c.r.ExitCode {
			t.Errorf("%s: the run's facts were not kept: %+v", c.name, s)
		}
	}
}
