package sandbox

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/criyle/go-sandbox/pkg/cgroup"
	"golang.org/x/sys/unix"
)

// accounting is what a run reads of its cgroup and does to it.
type accounting interface {
	cpuTime() time.Duration
	peakMemory() uint64
	oomKills() uint64
	killAll() error
}

// boxCgroup is a box's own cgroup on v1, holding its container's init, so
// that every program the init forks is born inside it. Moving a process
// into a v1 cgroup is slow (the kernel waits for an RCU grace period) and
// needs the pid before exec, which costs a round trip to the container and
// a full fork instead of a vfork; a cgroup the init already lives in costs
// neither. Each run resets the counters and sets its limits on top of what
// the init itself holds.
type boxCgroup struct {
	parent  *cgroups
	name    string
	cg      cgroup.Cgroup
	initPid int
	baseMem uint64
	// oom receives the kernel's OOM notifications. The kernel's OOM killer
	// is disabled in the box: it would weigh the init against the
	// program, and memory a program holds outside its processes (a memfd,
	// pipe buffers, tmpfs files) would make the init its victim. The
	// engine kills the program instead.
	oom     chan struct{}
	oomFd   int
	closing atomic.Bool
}

// newBox creates the cgroup of box name and moves its container's init
// into it.
func (c *cgroups) newBox(name string, initPid int) (*boxCgroup, error) {
	cg, err := c.root.New(name)
	if err != nil {
		return nil, fmt.Errorf("create box cgroup: %w", err)
	}
	b := &boxCgroup{parent: c, name: name, cg: cg, initPid: initPid, oom: make(chan struct{}, 1), oomFd: -1}
	if err := b.watchOOM(); err != nil {
		b.destroy()
		return nil, fmt.Errorf("watch OOM events: %w", err)
	}
	if err := cg.AddProc(initPid); err != nil {
		b.destroy()
		return nil, fmt.Errorf("move container init into its cgroup: %w", err)
	}
	// The init is not the program: the OOM killer should never pick it.
	// Lowering the score needs CAP_SYS_RESOURCE, which some hosts do not
	// grant even to root; then the init, far smaller than any program
	// that fills the limit, is merely unlikely to be picked.
	_ = os.WriteFile(fmt.Sprintf("/proc/%d/oom_score_adj", initPid), []byte("-1000"), 0)
	return b, nil
}

// watchOOM disables the kernel's OOM killer in the box and forwards its
// OOM notifications (an eventfd registered on memory.oom_control) to b.oom.
func (b *boxCgroup) watchOOM() error {
	efd, err := unix.Eventfd(0, unix.EFD_CLOEXEC)
	if err != nil {
		return err
	}
	ctl, err := os.Open(b.path("memory", "memory.oom_control"))
	if err != nil {
		unix.Close(efd)
		return err
	}
	defer ctl.Close()
	reg := fmt.Sprintf("%d %d", efd, ctl.Fd())
	if err := os.WriteFile(b.path("memory", "cgroup.event_control"), []byte(reg), 0o644); err != nil {
		unix.Close(efd)
		return err
	}
	if err := os.WriteFile(b.path("memory", "memory.oom_control"), []byte("1"), 0o644); err != nil {
		unix.Close(efd)
		return err
	}
	b.oomFd = efd
	go func() {
		defer unix.Close(efd)
		var buf [8]byte
		for {
			// Removing the cgroup signals the eventfd too: that ends us.
			if _, err := unix.Read(efd, buf[:]); err != nil && err != unix.EINTR {
				return
			}
			if b.closing.Load() {
				return
			}
			select {
			case b.oom <- struct{}{}:
			default:
			}
		}
	}()
	return nil
}

func (b *boxCgroup) path(controller, file string) string {
	return filepath.Join(cgroupBase, controller, b.parent.prefix, b.name, file)
}

func (b *boxCgroup) read(controller, file string) uint64 {
	data, err := os.ReadFile(b.path(controller, file))
	if err != nil {
		return 0
	}
	n, _ := strconv.ParseUint(strings.TrimSpace(string(data)), 10, 64)
	return n
}

func (b *boxCgroup) write(controller, file string, v uint64) error {
	return os.WriteFile(b.path(controller, file), []byte(strconv.FormatUint(v, 10)), 0o644)
}

// startRun resets the counters and sets a run's limits. What the init
// holds (its memory, its threads) is added to the limits and subtracted
// from what is reported, so the program gets exactly its own.
func (b *boxCgroup) startRun(memory, pids uint64) error {
	if err := b.write("cpuacct", "cpuacct.usage", 0); err != nil {
		return fmt.Errorf("reset CPU accounting: %w", err)
	}
	b.baseMem = b.read("memory", "memory.usage_in_bytes")
	limit := memory + b.baseMem
	// memsw (absent without swap accounting) must stay at or above the
	// memory limit at every step: lift it, set the limit, then lower it.
	writeIfExists(b.path("memory", "memory.memsw.limit_in_bytes"), "-1")
	if err := b.write("memory", "memory.limit_in_bytes", limit); err != nil {
		return fmt.Errorf("set memory limit: %w", err)
	}
	writeIfExists(b.path("memory", "memory.memsw.limit_in_bytes"), strconv.FormatUint(limit, 10))
	writeIfExists(b.path("memory", "memory.swappiness"), "0")
	if err := b.write("memory", "memory.max_usage_in_bytes", 0); err != nil {
		return fmt.Errorf("reset peak memory: %w", err)
	}
	select { // a notification left from an earlier run
	case <-b.oom:
	default:
	}
	if err := b.write("pids", "pids.max", pids+b.read("pids", "pids.current")); err != nil {
		return fmt.Errorf("set pids limit: %w", err)
	}
	return nil
}

func (b *boxCgroup) cpuTime() time.Duration {
	return time.Duration(b.read("cpuacct", "cpuacct.usage"))
}

func (b *boxCgroup) peakMemory() uint64 {
	return max(b.read("memory", "memory.max_usage_in_bytes"), b.baseMem) - b.baseMem
}

// oomKills is zero: the box's OOM killer is disabled, and the engine
// learns of OOM from b.oom instead.
func (b *boxCgroup) oomKills() uint64 { return 0 }

// killOnce sends SIGKILL to every process of the box but its init.
func (b *boxCgroup) killOnce() {
	pids, _ := b.cg.Processes()
	for _, pid := range pids {
		if pid != b.initPid {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
}

// killAll kills every process of the box but its init, until none is left.
func (b *boxCgroup) killAll() error {
	for range 1000 {
		pids, err := b.cg.Processes()
		if err != nil {
			return fmt.Errorf("list cgroup processes: %w", err)
		}
		left := false
		for _, pid := range pids {
			if pid != b.initPid {
				left = true
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
		}
		if !left {
			return nil
		}
		time.Sleep(time.Millisecond)
	}
	return errors.New("processes keep appearing in the box's cgroup")
}

// destroy removes the cgroup; its init must be dead.
func (b *boxCgroup) destroy() error {
	b.closing.Store(true)
	return retryBusy(b.cg.Destroy)
}
