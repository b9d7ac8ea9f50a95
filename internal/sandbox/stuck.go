package sandbox

import (
	"context"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/criyle/go-sandbox/container"
	"github.com/criyle/go-sandbox/runner"
)

// stuckGrace is how long a box's init has to answer once its run was
// stopped (a limit, the wall timer, the caller).
const stuckGrace = time.Second

// execve runs the program in the box's container and waits for its end.
//
// On cgroup v1 the container's init lives in the box's memory cgroup: it
// must, so that programs are born there (see boxCgroup). What the init
// allocates while it takes a request (a program's long arguments, decoded)
// is charged there too, and under a tiny memory limit the init itself can
// be frozen at the limit, where the box's disabled OOM killer leaves it;
// it then never answers, and the wall limit alone would wait forever. So
// once the run is stopped, the init gets stuckGrace to answer, then it is
// killed: the container is gone, the run ends, and the box is marked
// broken, to be replaced when released. initKilled reports that.
func (b *Box) execve(ctx context.Context, param container.ExecveParam) (res runner.Result, initKilled bool) {
	if b.cg == nil { // the init is outside every run's cgroup
		return b.env.Execve(ctx, param), false
	}
	done := make(chan struct{})
	var killed atomic.Bool
	go func() {
		select {
		case <-done:
			return
		case <-ctx.Done():
		}
		timer := time.NewTimer(stuckGrace)
		defer timer.Stop()
		select {
		case <-done:
		case <-timer.C:
			killed.Store(true)
			_ = syscall.Kill(b.initPid, syscall.SIGKILL)
		}
	}()
	res = b.env.Execve(ctx, param)
	close(done)
	return res, killed.Load()
}

// argsFit reports whether execve will take a program's arguments and
// environment under the stack limit: the kernel refuses (E2BIG) strings
// and pointers beyond a quarter of the stack limit (at most 6 MiB, at
// least 128 KiB). The stack limit is the run's memory limit, so a run
// whose arguments do not fit does not fit its memory limit. The margin
// covers what the container adds (the program's resolved path).
func argsFit(args, env []string, stack uint64) bool {
	const margin = 4 << 10
	limit := uint64(6 << 20)
	if stack > 0 {
		limit = max(min(limit, stack/4), 128<<10)
	}
	need := uint64(max(len(args), 1)+len(env))*8 + margin
	for _, l := range [][]string{args, env} {
		for _, s := range l {
			need += uint64(len(s)) + 1
		}
	}
	return need <= limit
}

// noRoom is the result of a run that could not start within its memory
// limit.
func noRoom(lim Limits) Result {
	return Result{Signal: syscall.SIGKILL, ExitCode: 128 + int(syscall.SIGKILL), Limit: LimitMemory, Memory: lim.Memory}
}
