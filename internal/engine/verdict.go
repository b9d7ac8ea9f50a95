package engine

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// verdict judges a finished run against the limits it ran with: a limit
// that ended it first, then a signal, then the exit code.
func verdict(r RunResult, lim Limits) *StageResult {
	s := &StageResult{
		Stdout: r.Stdout, Stderr: r.Stderr, Output: r.Output,
		StdoutTruncated: r.StdoutTruncated, StderrTruncated: r.StderrTruncated,
		ExitCode: r.ExitCode, CPUTime: r.CPUTime, WallTime: r.WallTime, Memory: r.Memory,
	}
	if r.Signal != 0 {
		s.Signal = unix.SignalName(r.Signal)
		if s.Signal == "" {
			s.Signal = fmt.Sprintf("signal %d", int(r.Signal))
		}
	}
	switch {
	case r.Limit == LimitCPUTime:
		s.Status, s.Message = StatusTimeLimitExceeded, fmt.Sprintf("CPU time limit of %v exceeded", lim.CPUTime)
	case r.Limit == LimitWallTime:
		s.Status, s.Message = StatusTimeLimitExceeded, fmt.Sprintf("wall time limit of %v exceeded", lim.WallTime)
	case r.Limit == LimitMemory:
		s.Status, s.Message = StatusMemoryLimitExceeded, fmt.Sprintf("memory limit of %d bytes exceeded", lim.Memory)
	case r.Limit == LimitOutput:
		s.Status, s.Message = StatusOutputLimitExceeded, fmt.Sprintf("output limit of %d bytes per stream exceeded", lim.Output)
	case r.Limit == LimitFileSize:
		s.Status, s.Message = StatusOutputLimitExceeded, fmt.Sprintf("file size limit of %d bytes exceeded", lim.FileSize)
	case r.Signal != 0:
		s.Status, s.Message = StatusSignaled, "killed by "+s.Signal
	case r.ExitCode != 0:
		s.Status = StatusRuntimeError
	default:
		s.Status = StatusOK
	}
	return s
}
