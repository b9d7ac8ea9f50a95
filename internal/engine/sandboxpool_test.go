package engine

import (
	"os"
	"slices"
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

func TestSandboxCmd(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	var got []string
	spec := RunSpec{
		Args: []string{"a"}, Env: []string{"E=1"}, Stdin: []byte("in"),
		Limits:    Limits{WallTime: time.Second},
		StdinFile: r, StdoutFile: w,
		OnOutput: func(stream string, data []byte) { got = append(got, stream+":"+string(data)) },
	}
	cmd := sandboxCmd(spec)
	if cmd.StdinFile != r || cmd.StdoutFile != w {
		t.Fatalf("stdio files not passed through: %v %v", cmd.StdinFile, cmd.StdoutFile)
	}
	if cmd.Args[0] != "a" || cmd.Env[0] != "E=1" || string(cmd.Stdin) != "in" || cmd.Limits.WallTime != time.Second {
		t.Fatalf("cmd %+v", cmd)
	}
	cmd.OnOutput(sandbox.Stdout, []byte("o"))
	cmd.OnOutput(sandbox.Stderr, []byte("e"))
	if want := []string{StreamStdout + ":o", StreamStderr + ":e"}; !slices.Equal(got, want) {
		t.Fatalf("OnOutput got %q, want %q", got, want)
	}
	if cmd := sandboxCmd(RunSpec{}); cmd.StdinFile != nil || cmd.StdoutFile != nil || cmd.OnOutput != nil {
		t.Fatalf("empty spec: %+v", cmd)
	}
}
