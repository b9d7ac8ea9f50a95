package sandbox

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"

	"github.com/criyle/go-sandbox/pkg/rlimit"
	"github.com/criyle/go-sandbox/pkg/seccomp"
	"github.com/criyle/go-sandbox/runner"
)

// A run through go-sandbox's protocol costs five messages between the
// host and the init (the request, the pid, its acknowledgement, the
// result, a last kill), each gob-encoded and each a wakeup of a thread
// on either side, plus the seccomp filter encoded and sent again with
// every request. Most runs need none of what the extra messages are for:
// their program is born in the box's cgroup and nobody waits for its pid
// before exec. Those go over the init's own channel instead, one request
// answered by one reply; the init starts the program with go-sandbox's
// forkexec.Runner, set as go-sandbox's own init sets it, and the filter
// it was given once when the box was made (ctlFilter).
const (
	// ctlExec starts a program and answers once it and everything it
	// started are gone. Its payload is an execRequest; its standard
	// input, output and error come as the message's three descriptors.
	ctlExec = 'x'
	// ctlFilter gives the init the seccomp filter of its programs: the
	// payload is the filter's instructions, 8 bytes each.
	ctlFilter = 'f'
)

// maxExecRequest bounds a ctlExec request, which is one packet: a run
// whose arguments and environment are longer (rare, and never the hot
// path) goes through go-sandbox's protocol, which splits its messages.
const maxExecRequest = 60 << 10

// boxUID and boxGID are who programs run as inside a box: go-sandbox's
// default, set explicitly in the builder so that both ways of starting
// a program agree.
const (
	boxUID = 1000
	boxGID = 1000
)

// execFlagResetPids asks the init to set the pid counter back before it
// starts the program (see setPidsBack).
const execFlagResetPids = 1

// execRequest is what a ctlExec request carries.
type execRequest struct {
	flags   byte
	args    []string
	env     []string
	rlimits []rlimit.RLimit
}

// execReply is the init's answer to a ctlExec request that started its
// program.
type execReply struct {
	status   syscall.WaitStatus
	setup    time.Duration // fork to exec
	running  time.Duration // exec to exit
	userTime time.Duration
	maxRSS   uint64 // bytes
}

const execReplySize = 1 + 4 + 4*8

func (r execRequest) encode() []byte {
	buf := []byte{ctlExec, r.flags}
	for _, list := range [][]string{r.args, r.env} {
		buf = binary.LittleEndian.AppendUint32(buf, uint32(len(list)))
		for _, s := range list {
			buf = binary.LittleEndian.AppendUint32(buf, uint32(len(s)))
			buf = append(buf, s...)
		}
	}
	buf = binary.LittleEndian.AppendUint32(buf, uint32(len(r.rlimits)))
	for _, l := range r.rlimits {
		buf = binary.LittleEndian.AppendUint32(buf, uint32(l.Res))
		buf = binary.LittleEndian.AppendUint64(buf, l.Rlim.Cur)
		buf = binary.LittleEndian.AppendUint64(buf, l.Rlim.Max)
	}
	return buf
}

// decodeExecRequest reads an execRequest's payload (after ctlExec).
func decodeExecRequest(p []byte) (execRequest, error) {
	d := decoder{p: p}
	r := execRequest{flags: d.byte()}
	r.args = d.strings()
	r.env = d.strings()
	n := d.uint32()
	for i := uint32(0); i < n && d.err == nil; i++ {
		l := rlimit.RLimit{Res: int(d.uint32())}
		l.Rlim.Cur, l.Rlim.Max = d.uint64(), d.uint64()
		r.rlimits = append(r.rlimits, l)
	}
	if d.err == nil && len(d.p) != 0 {
		d.err = errors.New("trailing bytes")
	}
	if d.err == nil && len(r.args) == 0 {
		d.err = errors.New("no program")
	}
	if d.err != nil {
		return execRequest{}, fmt.Errorf("exec request: %w", d.err)
	}
	return r, nil
}

func (r execReply) encode() []byte {
	buf := []byte{'k'}
	buf = binary.LittleEndian.AppendUint32(buf, uint32(r.status))
	for _, v := range []uint64{uint64(r.setup), uint64(r.running), uint64(r.userTime), r.maxRSS} {
		buf = binary.LittleEndian.AppendUint64(buf, v)
	}
	return buf
}

func decodeExecReply(p []byte) (execReply, error) {
	if len(p) != execReplySize || p[0] != 'k' {
		return execReply{}, fmt.Errorf("init control: malformed exec reply (%d bytes)", len(p))
	}
	d := decoder{p: p[1:]}
	return execReply{status: syscall.WaitStatus(d.uint32()), setup: time.Duration(d.uint64()),
		running: time.Duration(d.uint64()), userTime: time.Duration(d.uint64()), maxRSS: d.uint64()}, nil
}

// runnerFailed is the result of a run the sandbox could not carry out.
func runnerFailed(err error) runner.Result {
	return runner.Result{Status: runner.StatusRunnerError, Error: err.Error()}
}

// result is the reply as go-sandbox's Execve would have given it.
func (r execReply) result() runner.Result {
	res := runner.Result{Time: r.userTime, Memory: runner.Size(r.maxRSS), SetUpTime: r.setup, RunningTime: r.running}
	switch ws := r.status; {
	case ws.Exited():
		res.Status, res.ExitStatus = runner.StatusNormal, ws.ExitStatus()
		if res.ExitStatus != 0 {
			res.Status = runner.StatusNonzeroExitStatus
		}
	case ws.Signaled():
		res.ExitStatus = int(ws.Signal())
		switch ws.Signal() {
		case syscall.SIGXCPU, syscall.SIGKILL:
			res.Status = runner.StatusTimeLimitExceeded
		case syscall.SIGXFSZ:
			res.Status = runner.StatusOutputLimitExceeded
		case syscall.SIGSYS:
			res.Status = runner.StatusDisallowedSyscall
		default:
			res.Status = runner.StatusSignalled
		}
	default:
		res.Status, res.Error = runner.StatusRunnerError, fmt.Sprintf("execve: unknown status: %v", ws)
	}
	return res
}

// filterRequest is the ctlFilter request that gives the init filter.
func filterRequest(filter seccomp.Filter) []byte {
	buf := []byte{ctlFilter}
	for _, ins := range filter {
		buf = binary.LittleEndian.AppendUint16(buf, ins.Code)
		buf = append(buf, ins.Jt, ins.Jf)
		buf = binary.LittleEndian.AppendUint32(buf, ins.K)
	}
	return buf
}

func decodeFilter(p []byte) (seccomp.Filter, error) {
	if len(p) == 0 || len(p)%8 != 0 || len(p)/8 > 4096 {
		return nil, fmt.Errorf("filter request: %d bytes", len(p))
	}
	filter := make(seccomp.Filter, len(p)/8)
	for i := range filter {
		ins := p[i*8:]
		filter[i] = syscall.SockFilter{Code: binary.LittleEndian.Uint16(ins), Jt: ins[2], Jf: ins[3], K: binary.LittleEndian.Uint32(ins[4:])}
	}
	return filter, nil
}

// decoder reads the little-endian fields of a request; the first short
// read sets err, and every read after it gives zero.
type decoder struct {
	p   []byte
	err error
}

func (d *decoder) take(n int) []byte {
	if d.err != nil || n < 0 || n > len(d.p) {
		if d.err == nil {
			d.err = errors.New("truncated")
		}
		return nil
	}
	b := d.p[:n]
	d.p = d.p[n:]
	return b
}

func (d *decoder) byte() byte {
	if b := d.take(1); b != nil {
		return b[0]
	}
	return 0
}

func (d *decoder) uint32() uint32 {
	if b := d.take(4); b != nil {
		return binary.LittleEndian.Uint32(b)
	}
	return 0
}

func (d *decoder) uint64() uint64 {
	if b := d.take(8); b != nil {
		return binary.LittleEndian.Uint64(b)
	}
	return 0
}

func (d *decoder) strings() []string {
	n := d.uint32()
	if n > uint32(len(d.p)) { // each string takes at least its length
		d.err = errors.New("truncated")
		return nil
	}
	list := make([]string, 0, n)
	for i := uint32(0); i < n && d.err == nil; i++ {
		list = append(list, string(d.take(int(d.uint32()))))
	}
	return list
}

// execInit runs a program through the init's channel (see ctlExec) and
// waits for its end. When ctx ends first, kill stops the run's processes
// from the host; the init, which waits for them, then answers. An init
// that does not answer within stuckGrace after that is killed, as in
// execve. ok is false, and nothing was sent, when the request does not
// fit one packet. sent is called once the init holds its copies of
// files.
func (b *Box) execInit(ctx context.Context, req execRequest, files []*os.File, kill, sent func()) (res runner.Result, initKilled, ok bool) {
	msg := req.encode()
	if len(msg) > maxExecRequest {
		return runner.Result{}, false, false
	}
	fds := make([]int, len(files))
	for i, f := range files {
		fds[i] = int(f.Fd())
	}
	answer, err := b.ctl.exchange(ctx, msg, fds, kill, sent)
	switch {
	case errors.Is(err, errInitStuck):
		_ = syscall.Kill(b.initPid, syscall.SIGKILL)
		return runnerFailed(err), true, true
	case err != nil && ctx.Err() != nil:
		// Stopped while it started: the kill that stopped it made the
		// start fail.
		return runner.Result{Status: runner.StatusSignalled, ExitStatus: int(syscall.SIGKILL)}, false, true
	case err != nil:
		return runnerFailed(err), false, true
	}
	reply, err := decodeExecReply(answer)
	if err != nil {
		return runnerFailed(err), false, true
	}
	return reply.result(), false, true
}
