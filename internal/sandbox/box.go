package sandbox

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"strings"
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
	// sigpipeIgnored tells that the box's init starts its programs with
	// SIGPIPE ignored (see Cmd.IgnoreSIGPIPE).
	sigpipeIgnored bool
	// pidsUsed is set once a run has started processes since the box's
	// pid counter was last set back (see setPidsBack).
	pidsUsed bool
	// unsettled is set once a run went through go-sandbox's protocol,
	// until its init is known to have reaped it (see settle).
	unsettled bool
	// network is set on a network box, which has a place of the pool
	// (and its uid) to itself; net is its veth pair (see AcquireNetwork).
	network bool
	net     *boxNetwork
	// idleSince is when the box was last returned to the pool.
	idleSince time.Time
	// ready are output pipes made for the next run (readyPipes): the
	// read and write ends of stdout, then of stderr.
	ready *[4]*os.File
	// devNull is the standard input of the runs given none, opened once
	// with the box: it keeps no state.
	devNull *os.File
}

// Release wipes the box and returns it to the pool. Every process in it is
// dead already: a run ends only once its container killed them all. The
// wipe sets the pid counter back with the rest (ctlResetBox), and a box
// that cannot be wiped is destroyed; a new one's counter is set back when
// it is made.
func (b *Box) Release() {
	b.pidsUsed = false
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
	// StdinFile, when not nil, is installed as the program's standard
	// input itself, in place of Stdin and StdinReader: typically the read
	// end of a pipe another run, in another box, writes to. StdoutFile,
	// when not nil, is installed as its standard output: nothing of it is
	// collected nor counted against the output limit (whoever reads the
	// other end bounds it); stderr is collected as usual. The program gets
	// them in blocking mode. Run takes copies of its own as it starts and
	// does not close the caller's: the caller closes each once the run it
	// was given to has returned, so that one side's end is the other's EOF
	// or EPIPE (see ownCopy).
	StdinFile, StdoutFile *os.File
	// IgnoreSIGPIPE starts the program with SIGPIPE ignored (an ignored
	// signal stays ignored through exec): a write to a pipe nobody reads
	// fails with EPIPE instead of killing it. For a judge's interactor,
	// whose submission may end at any moment: otherwise whether its next
	// write kills it or its next read sees EOF is a matter of timing.
	IgnoreSIGPIPE bool
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
	if !b.startsInBox(cmd) {
		// Otherwise the init sets the counter back as it takes the run.
		if err := b.setPidsBack(); err != nil {
			return Result{}, fmt.Errorf("%w: %w", ErrRunner, err)
		}
	}
	if err := b.setSigpipe(cmd.IgnoreSIGPIPE); err != nil {
		return Result{}, fmt.Errorf("%w: %w", ErrRunner, err)
	}
	if !argsFit(cmd.Args, cmd.Env, cmd.Limits.Stack) {
		return noRoom(cmd.Limits), nil
	}
	r := &boxRun{b: b, cmd: cmd, lim: cmd.Limits}
	if err := r.setup(ctx); errors.Is(err, errNoRoom) {
		return noRoom(cmd.Limits), nil
	} else if err != nil {
		return Result{}, fmt.Errorf("%w: %w", ErrRunner, err)
	}
	defer r.stdinDone()
	res := r.execute()
	return r.finish(ctx, res)
}

// startsInBox tells whether cmd's program is born in the box's cgroup
// with no need of its pid before exec: it may go through the init's own
// channel (see ctlExec).
func (b *Box) startsInBox(cmd Cmd) bool {
	return b.cg != nil && cmd.Signals == nil
}

// setPidsBack has the box's init set its pid counter back when an earlier
// run of this job used it, so that whatever that run forked, this one
// starts from the same pid (a compile's run stage, or the search for a
// file at the size limit). Most jobs run once per box: their counter is
// set back by the wipe on release, and they cost the init no wakeup at
// the end of their run.
func (b *Box) setPidsBack() error {
	if !b.pidsUsed {
		return nil
	}
	if err := b.ctl.request([]byte{ctlResetPids}, resetTimeout); err != nil {
		return err
	}
	b.pidsUsed = false
	return nil
}

// setSigpipe has the box's init start its next programs with SIGPIPE
// ignored or not, when it does not already: one request to the init
// where the box changes from one kind of run to the other.
func (b *Box) setSigpipe(ignore bool) error {
	if b.sigpipeIgnored == ignore {
		return nil
	}
	req := []byte{ctlSigpipe, '0'}
	if ignore {
		req[1] = '1'
	}
	if err := b.ctl.request(req, resetTimeout); err != nil {
		return err
	}
	b.sigpipeIgnored = ignore
	return nil
}

// boxRun is one Run of a box, from setup to verdict.
type boxRun struct {
	b   *Box
	cmd Cmd
	lim Limits
	// acct is the cgroup the run is counted in; runCg the run's own, if
	// it has one (no box cgroup).
	acct  accounting
	runCg *runCgroup
	// ctx ends at the wall time limit, or when the run is stopped.
	ctx       context.Context
	cancel    context.CancelFunc
	hit       chan LimitKind // the limits the run reached as it went
	stdin     *os.File
	stdinDone func()
	// outW is the write end of the stdout pipe the run collects, or the
	// run's own copy of cmd.StdoutFile.
	outW      *os.File
	errW      *os.File
	out       *outputs
	stdout    *collector
	stderr    *collector
	signals   signaller
	watchDone chan struct{}
	// wallTimedOut is set when the run ended at its wall time limit.
	wallTimedOut bool
}

// setup readies the run's cgroup, its standard input and output, and
// starts collecting output and watching the limits.
func (r *boxRun) setup(ctx context.Context) error {
	var err error
	if r.acct, r.runCg, err = r.b.startAccounting(r.lim); err != nil {
		return err
	}
	if r.stdin, r.stdinDone, err = stdinFile(r.cmd, r.b.devNull); err != nil {
		return fmt.Errorf("stdin: %w", err)
	}
	outR, outW, errR, errW, err := r.b.outputPipes(r.cmd.StdoutFile)
	if err != nil {
		r.stdinDone()
		return err
	}
	r.outW, r.errW = outW, errW
	r.ctx, r.cancel = context.WithTimeout(ctx, r.lim.WallTime)
	r.hit = make(chan LimitKind, 3)
	r.out = &outputs{limit: r.lim.Output, onOverflow: func() { r.stop(LimitOutput) }, onOutput: r.cmd.OnOutput}
	if outR != nil {
		r.stdout = r.out.collect(outR, Stdout, r.b.chunks[0])
	}
	r.stderr = r.out.collect(errR, Stderr, r.b.chunks[1])
	r.watchDone = make(chan struct{})
	go r.watch()
	return nil
}

// stop ends the run for reaching limit k.
func (r *boxRun) stop(k LimitKind) {
	select {
	case r.hit <- k:
	default:
	}
	r.cancel()
}

// watch stops the run at the limits only the engine enforces (see watch).
func (r *boxRun) watch() {
	defer close(r.watchDone)
	var oom <-chan struct{} // nil, never ready, without a box cgroup
	if r.b.cg != nil {
		oom = r.b.cg.oom
	}
	switch watch(r.ctx, r.acct, r.lim, oom) {
	case LimitCPU:
		r.stop(LimitCPU)
	case LimitMemory:
		// The program is frozen at the limit: kill it from here, as the
		// container's init may itself be waiting for memory.
		r.stop(LimitMemory)
		r.b.cg.killOnce()
	}
}

// execute runs the program to its end and sweeps the box after it: no
// process of the run is left, and its output pipes are closed.
func (r *boxRun) execute() runner.Result {
	b := r.b
	res, initKilled, swept := r.start()
	if initKilled {
		b.broken = true
		b.s.log.Warn("box init did not answer once its run was stopped; killed, the box will be replaced", "box", b.index)
		// The run ended with the container: report it as the kill it was.
		res = runner.Result{Status: runner.StatusSignalled, ExitStatus: int(syscall.SIGKILL), RunningTime: res.RunningTime}
	}
	r.wallTimedOut = errors.Is(r.ctx.Err(), context.DeadlineExceeded)
	r.cancel()
	r.signals.stop()
	// go-sandbox's init kills every process it can see once the program
	// ends, but a process forked while that kill swept by would survive
	// it; the cgroup holds them all, so sweep it too. Ours answers only
	// once it has no child left (swept), and the box is swept again when
	// it is wiped.
	if !swept {
		if err := r.acct.killAll(); err != nil {
			b.s.log.Error("kill leftover processes", "err", err)
		}
	}
	// Whatever the program forked, the next run in this box starts from
	// the same pid (see setPidsBack).
	b.pidsUsed = true
	// Every process that could write to the pipes is dead now.
	r.closeWriteEnds()
	<-r.watchDone
	return res
}

// start runs the program to its end: through the init's own channel
// when it can (see ctlExec), else through go-sandbox's protocol. swept
// tells that the init answered once every process of the run was gone.
func (r *boxRun) start() (res runner.Result, initKilled, swept bool) {
	b := r.b
	if b.cg != nil {
		if err := b.cg.resetCPU(); err != nil {
			return runnerFailed(err), false, false
		}
	}
	if b.startsInBox(r.cmd) {
		if err := b.settle(); err != nil {
			return runnerFailed(err), false, false
		}
		req := execRequest{args: r.cmd.Args, env: r.cmd.Env, rlimits: runRLimits(r.lim)}
		if b.pidsUsed {
			req.flags |= execFlagResetPids
		}
		files := []*os.File{r.stdin, r.outW, r.errW}
		var sent bool
		if res, initKilled, sent = b.execInit(r.ctx, req, files, b.cg.killOnce, r.closeWriteEnds); sent {
			return res, initKilled, !initKilled && res.Status != runner.StatusRunnerError
		}
		if err := b.setPidsBack(); err != nil {
			return runnerFailed(err), false, false
		}
	}
	param := container.ExecveParam{Args: r.cmd.Args, Env: r.cmd.Env, Seccomp: b.s.filter,
		Files: []uintptr{r.stdin.Fd(), r.outW.Fd(), r.errW.Fd()}, RLimits: runRLimits(r.lim)}
	if r.runCg != nil || r.cmd.Signals != nil {
		// The pid is needed before exec: to move the process into its
		// run's cgroup, or to hold a pidfd for signals.
		param.SyncFunc = r.started
	} else {
		// Born in the box's cgroup already: no need to wait for the pid,
		// which also lets the container vfork instead of fork.
		param.SyncAfterExec = true
	}
	res, initKilled = b.execve(r.ctx, param)
	b.unsettled = true
	return res, initKilled, false
}

// settle waits, after a run through go-sandbox's protocol, until the
// init's go-sandbox server has reaped everything of it. That server
// answers the run before it has done so: it goes on calling wait4(-1)
// until no child is left, and would take the exit status of a program
// the init's own channel started meanwhile. It handles one command at a
// time, so its answer to a ping means the wait has ended.
func (b *Box) settle() error {
	if !b.unsettled {
		return nil
	}
	if err := b.env.Ping(); err != nil {
		return fmt.Errorf("init: %w", err)
	}
	b.unsettled = false
	return nil
}

// closeWriteEnds closes the run's copies of its output pipes' write ends:
// once the program and the init hold the only others, the collectors
// read EOF as soon as the last of them is closed.
func (r *boxRun) closeWriteEnds() {
	for _, w := range []**os.File{&r.outW, &r.errW} {
		if *w != nil {
			(*w).Close()
			*w = nil
		}
	}
}

// started is called with the program's pid before it execs.
func (r *boxRun) started(pid int) error {
	if r.runCg != nil {
		if err := r.runCg.cg.AddProc(pid); err != nil {
			return err
		}
	}
	if r.cmd.Signals != nil {
		return r.signals.start(r.ctx, pid, r.cmd.Signals)
	}
	return nil
}

// finish gathers what the ended run did and names the limit that ended
// it, if any.
func (r *boxRun) finish(ctx context.Context, res runner.Result) (Result, error) {
	memory, sockets := peakMemory(r.acct, res, r.lim)
	out := Result{CPUTime: r.acct.cpuTime(), Memory: memory, WallTime: res.RunningTime, SetupTime: res.SetUpTime}
	if r.stdout != nil {
		out.Stdout, out.StdoutTruncated = r.stdout.finish()
	}
	out.Stderr, out.StderrTruncated = r.stderr.finish()
	out.Output = r.out.combined
	select {
	case out.Limit = <-r.hit:
	default:
	}
	if res.Status == runner.StatusRunnerError && strings.HasSuffix(res.Error, syscall.E2BIG.Error()) {
		// argsFit let the arguments through, so the kernel could not
		// charge their pages to the run's memory cgroup: they did not
		// fit the memory limit after all (the init, in the box's cgroup
		// on v1, holds part of it while it takes them).
		return noRoom(r.lim), nil
	}
	if res.Status == runner.StatusRunnerError {
		if r.b.cg == nil || out.Limit != LimitMemory {
			return out, fmt.Errorf("%w: %s", ErrRunner, res.Error)
		}
		// The init itself failed at the memory limit, which is in its
		// cgroup (see execve): the run did not fit its limit, and the
		// box is done.
		r.b.broken = true
		res = runner.Result{Status: runner.StatusSignalled, ExitStatus: int(syscall.SIGKILL)}
	}
	facts := runFacts{hit: out.Limit, cpu: out.CPUTime, memory: memory, sockets: sockets,
		oomKills: r.acct.oomKills(), wallTimedOut: r.wallTimedOut}
	if err := r.acct.err(); err != nil {
		// Without its accounting the run has no verdict: a CPU time read
		// as zero would pass a program that used it all.
		return out, fmt.Errorf("%w: read the run's accounting: %w", ErrRunner, err)
	}
	if ctx.Err() != nil {
		return out, ctx.Err()
	}
	out.ExitCode, out.Signal = exitOf(res)
	facts.exitCode, facts.signal = out.ExitCode, out.Signal
	out.Limit = judgeLimit(facts, r.lim, func() bool { return r.b.fileAtLimit(ctx, r.lim.FileSize) })
	return out, nil
}

// exitOf is the exit code and signal of a run that ended.
func exitOf(res runner.Result) (code int, sig syscall.Signal) {
	switch res.Status {
	case runner.StatusNormal, runner.StatusNonzeroExitStatus:
		return res.ExitStatus, 0
	}
	return 128 + res.ExitStatus, syscall.Signal(res.ExitStatus)
}

// outputPipes makes the pipes of a run's stdout and stderr. With a
// caller's stdout file, outW is the run's own copy of it and outR nil:
// nothing is collected. Otherwise the box's ready pipes are taken when it
// has them (readyPipes).
func (b *Box) outputPipes(stdout *os.File) (outR, outW, errR, errW *os.File, err error) {
	if stdout == nil && b.ready != nil {
		p := b.ready
		b.ready = nil
		return p[0], p[1], p[2], p[3], nil
	}
	if stdout != nil {
		outW, err = ownCopy(stdout, "stdout")
	} else {
		outR, outW, err = collectedPipe()
	}
	if err != nil {
		return nil, nil, nil, nil, fmt.Errorf("stdout: %w", err)
	}
	if errR, errW, err = collectedPipe(); err != nil {
		outW.Close()
		if outR != nil {
			outR.Close()
		}
		return nil, nil, nil, nil, fmt.Errorf("stderr pipe: %w", err)
	}
	return outR, outW, errR, errW, nil
}

// readyPipes makes the output pipes of the box's next run off its path:
// a wiped box's next run most often collects both streams.
func (b *Box) readyPipes() {
	b.closeReadyPipes()
	outR, outW, errR, errW, err := b.outputPipes(nil)
	if err == nil {
		b.ready = &[4]*os.File{outR, outW, errR, errW}
	}
}

func (b *Box) closeReadyPipes() {
	if b.ready != nil {
		for _, f := range b.ready {
			f.Close()
		}
		b.ready = nil
	}
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

// runFacts are what is known of a run once it ended.
type runFacts struct {
	hit          LimitKind // the limit the run reached as it went
	exitCode     int
	signal       syscall.Signal
	cpu          time.Duration
	memory       uint64 // the reported peak (peakMemory)
	sockets      uint64 // the peak of socket buffers within it
	oomKills     uint64
	wallTimedOut bool
}

// judgeLimit names the limit that ended a run, if any: a limit the run
// hit while it went, or one the facts after it show. fileAtLimit looks
// in the box, which costs a run: it is asked only when nothing else
// explains a failed run.
func judgeLimit(f runFacts, lim Limits, fileAtLimit func() bool) LimitKind {
	switch {
	case f.hit == LimitOutput:
		return LimitOutput
	case f.hit == LimitMemory || f.oomKills > 0 || socketsAtLimit(f.sockets, lim.Memory):
		return LimitMemory
	case f.hit == LimitCPU || (lim.CPUTime > 0 && f.cpu >= lim.CPUTime):
		return LimitCPU
	case f.wallTimedOut:
		return LimitWall
	case f.exitCode != 0 && fileAtLimit():
		// SIGXFSZ alone proves nothing: a program can have the kernel
		// send it any signal (kill, a timer, F_SETSIG, its children's
		// exit signal). A file at the limit is the fact. A program that
		// ignores SIGXFSZ (Python does) gets EFBIG instead of the signal
		// and usually exits non-zero.
		return LimitFileSize
	case (f.signal != 0 || f.exitCode != 0) && atLimit(f.memory, lim.Memory):
		// Not every allocation at the limit waits for the OOM handler: a
		// stack that cannot grow faults (SIGSEGV), and the kernel's own
		// allocations fail with ENOMEM. A program that failed with its
		// peak at the limit failed for memory. The peak is the cgroup's or
		// the process's RSS: page cache the kernel reclaimed during the
		// run made room the cgroup's peak does not show.
		return LimitMemory
	}
	return f.hit
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
