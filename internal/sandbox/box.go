package sandbox

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"syscall"
	"time"

	"github.com/criyle/go-sandbox/container"
	"github.com/criyle/go-sandbox/pkg/rlimit"
	"github.com/criyle/go-sandbox/runner"
	"golang.org/x/sys/unix"
)

// Box is one container from the pool. Files written into it and programs
// run in it stay until Release, so a compile stage and a run stage can
// share the work directory.
type Box struct {
	s     *Sandbox
	env   container.Environment
	ctl   *initControl
	index int
	// cg is the box's own cgroup, holding its init (cgroup v1); without
	// it each run gets a cgroup of its own.
	cg *boxCgroup
	// initPid is the container's init, through whose /proc/<pid>/root the
	// host may look at the box's mounts.
	initPid int
	// work is the box's work directory, opened through the init's root
	// (O_PATH): the host places and reads files through it directly.
	work *os.File
	// chunks are the read buffers of a run's two output streams
	chunks [2][]byte
	// cgroups of this box's runs since it was last wiped
	cgroups []*runCgroup
	// broken is set when the box's container had to be killed: it is
	// replaced, never reset, when released.
	broken bool
	// slot, set on a network box only, is the pool's box whose place
	// (and uid) it took; net is its veth pair (see AcquireNetwork).
	slot *Box
	net  *boxNetwork
}

// Release wipes the box and returns it to the pool. Every process in it is
// dead already: a run ends only once its container killed them all.
func (b *Box) Release() {
	b.s.release(b)
}

// Limits bound one run.
type Limits struct {
	WallTime  time.Duration
	CPUTime   time.Duration
	Memory    uint64 // bytes
	Processes uint64
	Output    int64 // bytes per stream
	FileSize  uint64
	OpenFiles uint64
	Stack     uint64
}

// Cmd is a program to run in a box.
type Cmd struct {
	Args  []string
	Env   []string
	Stdin []byte
	// StdinReader, when not nil, replaces Stdin: it is copied into the
	// program's standard input as it arrives, until EOF or the run's end.
	StdinReader io.Reader
	// OnOutput, when not nil, receives every chunk of output as it is
	// read (within the limit), one call at a time. It must not keep data.
	OnOutput func(Stream, []byte)
	// Signals are delivered to the program's main process while it runs.
	Signals <-chan syscall.Signal
	Limits  Limits
}

// LimitKind names the limit that ended a run.
type LimitKind string

// The limits a run can reach.
const (
	LimitNone     LimitKind = ""
	LimitCPU      LimitKind = "cpu"
	LimitWall     LimitKind = "wall"
	LimitMemory   LimitKind = "memory"
	LimitOutput   LimitKind = "output"
	LimitFileSize LimitKind = "fileSize"
)

// Result is what a run did.
type Result struct {
	ExitCode        int
	Signal          syscall.Signal // 0 when the program exited
	Limit           LimitKind
	Stdout, Stderr  []byte
	Output          []byte // stdout and stderr interleaved as read
	StdoutTruncated bool
	StderrTruncated bool
	CPUTime         time.Duration
	WallTime        time.Duration
	Memory          uint64 // peak bytes
	// SetupTime is spent creating the cgroup and starting the process.
	SetupTime time.Duration
}

// ErrRunner reports that the sandbox itself failed; the program is not to
// blame.
var ErrRunner = errors.New("sandbox runner failed")

// Run executes cmd in the box and waits for it and every process it
// started to end. The error is ctx's when ctx ended the run, ErrRunner
// when the sandbox failed, nil otherwise, whatever the program did.
func (b *Box) Run(ctx context.Context, cmd Cmd) (Result, error) {
	lim := cmd.Limits
	// The pid counter was set back after the previous run.
	if err := b.ctl.finishPending(resetTimeout); err != nil {
		return Result{}, fmt.Errorf("%w: %w", ErrRunner, err)
	}
	var signals signaller
	if !argsFit(cmd.Args, cmd.Env, lim.Stack) {
		return noRoom(lim), nil
	}
	param := container.ExecveParam{Args: cmd.Args, Env: cmd.Env, Seccomp: b.s.filter}
	acct, runCg, err := b.startAccounting(lim)
	if errors.Is(err, errNoRoom) {
		return noRoom(lim), nil
	} else if err != nil {
		return Result{}, fmt.Errorf("%w: %w", ErrRunner, err)
	}

	stdin, stdinDone, err := stdinFile(cmd)
	if err != nil {
		return Result{}, fmt.Errorf("%w: stdin: %w", ErrRunner, err)
	}
	defer stdinDone()
	outR, outW, errR, errW, err := outputPipes()
	if err != nil {
		return Result{}, fmt.Errorf("%w: %w", ErrRunner, err)
	}

	runCtx, cancel := context.WithTimeout(ctx, lim.WallTime)
	defer cancel()
	hit := make(chan LimitKind, 3)
	stop := func(k LimitKind) {
		select {
		case hit <- k:
		default:
		}
		cancel()
	}
	out := &outputs{limit: lim.Output, onOverflow: func() { stop(LimitOutput) }, onOutput: cmd.OnOutput}
	stdout := out.collect(outR, Stdout, b.chunks[0])
	stderr := out.collect(errR, Stderr, b.chunks[1])
	var oom <-chan struct{} // nil, never ready, without a box cgroup
	if b.cg != nil {
		oom = b.cg.oom
	}
	watchDone := make(chan struct{})
	go func() {
		defer close(watchDone)
		switch watch(runCtx, acct, lim, oom) {
		case LimitCPU:
			stop(LimitCPU)
		case LimitMemory:
			// The program is frozen at the limit: kill it from here, as
			// the container's init may itself be waiting for memory.
			stop(LimitMemory)
			b.cg.killOnce()
		}
	}()

	param.Files = []uintptr{stdin.Fd(), outW.Fd(), errW.Fd()}
	param.RLimits = runRLimits(lim)
	switch {
	case runCg != nil || cmd.Signals != nil:
		// The pid is needed before exec: to move the process into its
		// run's cgroup, or to hold a pidfd for signals.
		param.SyncFunc = func(pid int) error {
			if runCg != nil {
				if err := runCg.cg.AddProc(pid); err != nil {
					return err
				}
			}
			if cmd.Signals != nil {
				return signals.start(runCtx, pid, cmd.Signals)
			}
			return nil
		}
	default:
		// Born in the box's cgroup already: no need to wait for the pid,
		// which also lets the container vfork instead of fork.
		param.SyncAfterExec = true
	}
	res, initKilled := b.execve(runCtx, param)
	if initKilled {
		b.broken = true
		b.s.log.Warn("box init did not answer once its run was stopped; killed, the box will be replaced", "box", b.index)
		// The run ended with the container: report it as the kill it was.
		res = runner.Result{Status: runner.StatusSignalled, ExitStatus: int(syscall.SIGKILL), RunningTime: res.RunningTime}
	}
	wallTimedOut := errors.Is(runCtx.Err(), context.DeadlineExceeded)
	cancel()
	signals.stop()
	// The container's init kills every process it can see once the
	// program ends, but a process forked while that kill swept by would
	// survive it; the cgroup holds them all, so sweep it too.
	if err := acct.killAll(); err != nil {
		b.s.log.Error("kill leftover processes", "err", err)
	}
	// Whatever the program forked, the next run in this box (a compile's
	// run stage too) starts from the same pid; the answer is read then.
	if err := b.ctl.startPidReset(); err != nil && !b.broken {
		b.s.log.Error("reset the box's pid counter", "err", err)
	}
	// Every process that could write to the pipes is dead now.
	outW.Close()
	errW.Close()
	<-watchDone

	memory, sockets := peakMemory(acct, res, lim)
	r := Result{CPUTime: acct.cpuTime(), Memory: memory, WallTime: res.RunningTime, SetupTime: res.SetUpTime}
	r.Stdout, r.StdoutTruncated = stdout.finish()
	r.Stderr, r.StderrTruncated = stderr.finish()
	r.Output = out.combined
	select {
	case r.Limit = <-hit:
	default:
	}
	if res.Status == runner.StatusRunnerError {
		if b.cg == nil || r.Limit != LimitMemory {
			return r, fmt.Errorf("%w: %s", ErrRunner, res.Error)
		}
		// The init itself failed at the memory limit, which is in its
		// cgroup (see execve): the run did not fit its limit, and the
		// box is done.
		b.broken = true
		res = runner.Result{Status: runner.StatusSignalled, ExitStatus: int(syscall.SIGKILL)}
	}
	if ctx.Err() != nil {
		return r, ctx.Err()
	}
	switch res.Status {
	case runner.StatusNormal, runner.StatusNonzeroExitStatus:
		r.ExitCode = res.ExitStatus
	default:
		r.Signal = syscall.Signal(res.ExitStatus)
		r.ExitCode = 128 + res.ExitStatus
	}
	r.Limit = b.judgeLimit(ctx, r, lim, memory, sockets, wallTimedOut, acct)
	return r, nil
}

// outputPipes makes the pipes of a run's stdout and stderr.
func outputPipes() (outR, outW, errR, errW *os.File, err error) {
	if outR, outW, err = os.Pipe(); err != nil {
		return nil, nil, nil, nil, fmt.Errorf("stdout pipe: %w", err)
	}
	if errR, errW, err = os.Pipe(); err != nil {
		outR.Close()
		outW.Close()
		return nil, nil, nil, nil, fmt.Errorf("stderr pipe: %w", err)
	}
	return outR, outW, errR, errW, nil
}

// peakMemory is a run's reported peak memory, and the peak of its socket
// buffers within it. The peak is the cgroup's (every process, kernel
// memory, tmpfs), or the main process's own peak RSS if that is more: a
// program too small to rise above the box's baseline still used its
// pages. RSS counts shared library pages the cgroup does not, hence the
// cap. Socket buffers, which v1 counts apart, are added: the sum of the
// two peaks bounds the peak of the sum.
func peakMemory(acct accounting, res runner.Result, lim Limits) (memory, sockets uint64) {
	sockets = acct.socketPeak()
	memory = max(acct.peakMemory(), uint64(res.Memory)) + sockets
	if lim.Memory > 0 {
		memory = min(memory, lim.Memory)
	}
	return memory, sockets
}

// judgeLimit names the limit that ended a run, if any: a limit the run
// hit while it went, or one the facts after it show.
func (b *Box) judgeLimit(ctx context.Context, r Result, lim Limits, memory, sockets uint64, wallTimedOut bool, acct accounting) LimitKind {
	switch {
	case r.Limit == LimitOutput:
		return LimitOutput
	case r.Limit == LimitMemory || acct.oomKills() > 0 || socketsAtLimit(sockets, lim.Memory):
		return LimitMemory
	case r.Limit == LimitCPU || (lim.CPUTime > 0 && r.CPUTime >= lim.CPUTime):
		return LimitCPU
	case wallTimedOut:
		return LimitWall
	case r.ExitCode != 0 && b.fileAtLimit(ctx, lim.FileSize):
		// SIGXFSZ alone proves nothing: a program can have the kernel
		// send it any signal (kill, a timer, F_SETSIG, its children's
		// exit signal). A file at the limit is the fact. A program that
		// ignores SIGXFSZ (Python does) gets EFBIG instead of the signal
		// and usually exits non-zero.
		return LimitFileSize
	case (r.Signal != 0 || r.ExitCode != 0) && atLimit(memory, lim.Memory):
		// Not every allocation at the limit waits for the OOM handler: a
		// stack that cannot grow faults (SIGSEGV), and the kernel's own
		// allocations fail with ENOMEM. A program that failed with its
		// peak at the limit failed for memory. The peak is the cgroup's or
		// the process's RSS: page cache the kernel reclaimed during the
		// run made room the cgroup's peak does not show.
		return LimitMemory
	}
	return r.Limit
}

// startAccounting readies the cgroup a run is counted and limited in: the
// box's own (v1), or a new one for the run, removed when the box is wiped.
func (b *Box) startAccounting(lim Limits) (acct accounting, runCg *runCgroup, err error) {
	if b.cg != nil {
		return b.cg, nil, b.cg.startRun(lim.Memory, lim.Processes)
	}
	cg, err := b.s.cg.newRun(fmt.Sprintf("run-%d", b.s.runSeq.Add(1)), lim.Memory, lim.Processes)
	if err != nil {
		return nil, nil, err
	}
	b.cgroups = append(b.cgroups, cg)
	return cg, cg, nil
}

// runRLimits are a run's resource limits: RLIMIT_CPU a second above the
// CPU limit, as a backstop to the engine's own watch, and no core dump of
// any kind (see coreLimit).
func runRLimits(lim Limits) []rlimit.RLimit {
	cpuSeconds := uint64(lim.CPUTime.Seconds()) + 1
	rl := rlimit.RLimits{
		CPU:      cpuSeconds,
		CPUHard:  cpuSeconds + 1,
		FileSize: lim.FileSize,
		Stack:    lim.Stack,
		OpenFile: lim.OpenFiles,
	}
	return append(rl.PrepareRLimit(), coreLimit)
}

// fileAtLimit reports whether a file in the box's writable space has
// reached the file size limit. Most failed runs wrote far less than the
// limit in all, which the tmpfs mounts' own statistics tell at the cost of
// a statfs each; only otherwise does find look, run in the box as the
// program's user: the engine never walks what user code wrote.
func (b *Box) fileAtLimit(ctx context.Context, limit uint64) bool {
	if limit == 0 || b.writableUsage() < limit {
		return false
	}
	r, err := b.Run(ctx, Cmd{
		Args: []string{"/usr/bin/find", WorkDir, "/tmp", "-xdev", "-type", "f",
			"-size", fmt.Sprintf("+%dc", limit-1), "-print", "-quit"},
		Env: []string{"PATH=/usr/bin:/bin"},
		Limits: Limits{WallTime: 2 * time.Second, CPUTime: time.Second, Memory: 64 << 20,
			Processes: 4, Output: 4096, OpenFiles: 64, Stack: 8 << 20},
	})
	return err == nil && r.ExitCode == 0 && len(r.Stdout) > 0
}

// writableUsage is the space used on the box's /w and /tmp tmpfs mounts.
// The paths go through the init's root, a read-only tmpfs whose mount
// points user code cannot replace. If a mount cannot be read, the usage
// is reported as unbounded, so that the caller looks.
func (b *Box) writableUsage() uint64 {
	var total uint64
	for _, dir := range []string{WorkDir, "/tmp"} {
		var st unix.Statfs_t
		if err := unix.Statfs(fmt.Sprintf("/proc/%d/root%s", b.initPid, dir), &st); err != nil {
			return math.MaxUint64
		}
		total += (st.Blocks - st.Bfree) * uint64(st.Bsize)
	}
	return total
}

// socketsAtLimit reports whether a run's socket buffers reached its memory
// limit, which cgroup v1 applies to them apart from its other memory. The
// kernel then refuses more, but not quite: every socket may still take
// one packet in and one out (a connection must make progress), so a run
// with many sockets goes on past the limit. Reaching it is MLE, as on v2,
// where socket buffers are charged with the rest.
func socketsAtLimit(sockets, limit uint64) bool {
	return limit > 0 && sockets >= limit
}

// atLimit reports whether peak memory usage reached limit, give or take
// the page-sized slack of the accounting.
func atLimit(peak, limit uint64) bool {
	slack := min(limit/100, 1<<20)
	return limit > 0 && peak+slack >= limit
}

// watch waits for the run to end or to reach a limit the kernel does not
// enforce by itself: the CPU time of all processes and threads, which it
// polls in the cgroup (RLIMIT_CPU alone would count one process at a
// time), or memory, which the box's OOM notification reports, or socket
// buffers that, with the run's other memory, reach the limit (see
// socketsAtLimit and memoryWithSockets), which it polls too.
func watch(ctx context.Context, cg accounting, lim Limits, oom <-chan struct{}) LimitKind {
	const minWait, maxWait = 5 * time.Millisecond, 100 * time.Millisecond
	cpuLimit := lim.CPUTime
	timer := time.NewTimer(minWait)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return LimitNone
		case <-oom:
			return LimitMemory
		case <-timer.C:
		}
		if socketsAtLimit(cg.memoryWithSockets(), lim.Memory) {
			return LimitMemory
		}
		used := cg.cpuTime()
		if used >= cpuLimit {
			return LimitCPU
		}
		// Every core could be burning: wait no longer than the remaining
		// budget spread over them.
		wait := (cpuLimit - used) / time.Duration(runtime.NumCPU())
		timer.Reset(min(max(wait, minWait), maxWait))
	}
}
