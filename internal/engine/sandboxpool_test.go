package engine

import (
	"testing"
	"time"

	"github.com/coderacer/coderacer/internal/sandbox"
)

func TestWorkDirIsTheSandboxs(t *testing.T) {
	if WorkDir != sandbox.WorkDir {
		t.Fatalf("engine.WorkDir %q, sandbox.WorkDir %q", WorkDir, sandbox.WorkDir)
	}
}

func TestLimitReached(t *testing.T) {
	for kind, want := range map[sandbox.LimitKind]Limit{
		sandbox.LimitNone: LimitNone, sandbox.LimitWall: LimitWallTime, sandbox.LimitCPU: LimitCPUTime,
		sandbox.LimitMemory: LimitMemory, sandbox.LimitOutput: LimitOutput, sandbox.LimitFileSize: LimitFileSize,
	} {
		if got := limitReached(kind); got != want {
			t.Errorf("limitReached(%q) = %v, want %v", kind, got, want)
		}
	}
}

func TestSandboxLimits(t *testing.T) {
	l := Limits{WallTime: 2 * time.Second, CPUTime: time.Second, Memory: 64 << 20, Processes: 3, Output: 5, FileSize: 7, OpenFiles: 11}
	want := sandbox.Limits{WallTime: 2 * time.Second, CPUTime: time.Second, Memory: 64 << 20, Processes: 3, Output: 5, FileSize: 7, OpenFiles: 11, Stack: 64 << 20}
	if got := sandboxLimits(l); got != want {
		t.Errorf("sandboxLimits = %+v, want %+v", got, want)
	}
}
