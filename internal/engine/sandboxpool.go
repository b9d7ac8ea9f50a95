package engine

import (
	"context"
	"errors"

	"github.com/coderacer/coderacer/internal/sandbox"
)

// NewSandboxPool is the Pool of this machine's sandbox.
func NewSandboxPool(s *sandbox.Sandbox) Pool { return sandboxPool{s} }

type sandboxPool struct{ s *sandbox.Sandbox }

func (p sandboxPool) Acquire(ctx context.Context) (Box, error) {
	return box(p.s.Acquire(ctx))
}

func (p sandboxPool) AcquireNetwork(ctx context.Context) (Box, error) {
	return box(p.s.AcquireNetwork(ctx))
}

func box(b *sandbox.Box, err error) (Box, error) {
	if errors.Is(err, sandbox.ErrClosed) {
		return nil, ErrPoolClosed
	}
	if err != nil {
		return nil, err
	}
	return sandboxBox{b}, nil
}

func (p sandboxPool) NetworkEnabled() bool { return p.s.NetworkEnabled() }

func (p sandboxPool) Stats() PoolStats {
	st := p.s.Stats()
	return PoolStats{Size: st.Size, Free: st.Free, Started: st.Started, Replacements: st.Replacements}
}

// sandboxBox is a sandbox.Box seen through Box; being one pointer, it
// costs no allocation as an interface value.
type sandboxBox struct{ b *sandbox.Box }

func (b sandboxBox) WriteFiles(files []BoxFile) error {
	for _, f := range files {
		if err := b.b.WriteFile(sandbox.File{Name: f.Name, Content: f.Content, Executable: f.Executable}); err != nil {
			return err
		}
	}
	return nil
}

func (b sandboxBox) ReadFile(path string, max int64) ([]byte, error) {
	return b.b.ReadFile(path, max)
}

func (b sandboxBox) Release() { b.b.Release() }

func (b sandboxBox) Run(ctx context.Context, spec RunSpec) (RunResult, error) {
	r, err := b.b.Run(ctx, sandboxCmd(spec))
	return RunResult{
		ExitCode: r.ExitCode, Signal: r.Signal, Limit: limitReached(r.Limit),
		Stdout: r.Stdout, Stderr: r.Stderr, Output: r.Output,
		StdoutTruncated: r.StdoutTruncated, StderrTruncated: r.StderrTruncated,
		CPUTime: r.CPUTime, WallTime: r.WallTime, Memory: int64(r.Memory), SetupTime: r.SetupTime,
	}, err
}

// sandboxCmd is the sandbox's command of a run. The stdio files go in as
// they are: the sandbox installs them in the program itself.
func sandboxCmd(spec RunSpec) sandbox.Cmd {
	cmd := sandbox.Cmd{
		Args: spec.Args, Env: spec.Env, Stdin: spec.Stdin, StdinReader: spec.StdinReader,
		Signals: spec.Signals, Limits: sandboxLimits(spec.Limits),
		StdinFile: spec.StdinFile, StdoutFile: spec.StdoutFile, IgnoreSIGPIPE: spec.IgnoreSIGPIPE,
	}
	if on := spec.OnOutput; on != nil {
		cmd.OnOutput = func(s sandbox.Stream, data []byte) {
			if s == sandbox.Stderr {
				on(StreamStderr, data)
				return
			}
			on(StreamStdout, data)
		}
	}
	return cmd
}

// limitReached names the sandbox's limit in the engine's words.
func limitReached(k sandbox.LimitKind) Limit {
	switch k {
	case sandbox.LimitWall:
		return LimitWallTime
	case sandbox.LimitCPU:
		return LimitCPUTime
	case sandbox.LimitMemory:
		return LimitMemory
	case sandbox.LimitOutput:
		return LimitOutput
	case sandbox.LimitFileSize:
		return LimitFileSize
	}
	return LimitNone
}

// sandboxLimits are the sandbox's limits of a stage.
func sandboxLimits(l Limits) sandbox.Limits {
	return sandbox.Limits{
		WallTime: l.WallTime, CPUTime: l.CPUTime, Memory: uint64(l.Memory),
		Processes: uint64(l.Processes), Output: l.Output, FileSize: uint64(l.FileSize),
		OpenFiles: uint64(l.OpenFiles),
		// The stack may use all of the memory: deep recursion is
		// legitimate in contest code, and the cgroup bounds the total.
		Stack: uint64(l.Memory),
	}
}

func (b sandboxBox) ReadFiles(maxFiles int, maxBytes int64) ([]BoxFile, error) {
	files, err := b.b.ReadFiles(maxFiles, maxBytes)
	out := make([]BoxFile, len(files))
	for i, f := range files {
		out[i] = BoxFile{Name: f.Name, Content: f.Content, Executable: f.Executable}
	}
	return out, err
}
