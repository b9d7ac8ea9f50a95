package sandbox

import (
	"errors"
	"fmt"
	"math"
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

	files     map[string]*os.File // open cgroup files, see file
	memsw     bool                // the kernel accounts swap: memsw limits exist
	memLimit  uint64              // the limits last written
	pidsLimit uint64
}

// newBox creates the cgroup of box name and moves its container's init
// into it.
func (c *cgroups) newBox(name string, initPid int) (*boxCgroup, error) {
	cg, err := c.root.New(name)
	if err != nil {
		return nil, fmt.Errorf("create box cgroup: %w", err)
	}
	b := &boxCgroup{parent: c, name: name, cg: cg, initPid: initPid, oom: make(chan struct{}, 1), oomFd: -1,
		files: make(map[string]*os.File)}
	if _, err := os.Stat(b.path("memory", "memory.memsw.limit_in_bytes")); err == nil {
		b.memsw = true
		// Start from no limit, so that the first limit only goes down.
		b.memLimit = math.MaxInt64
	}
	writeIfExists(b.path("memory", "memory.swappiness"), "0")
	// Open every file now: runs then only read the map, from any goroutine.
	for _, f := range []struct {
		controller, name string
		write            bool
	}{
		{"cpuacct", "cpuacct.usage", true}, {"memory", "memory.usage_in_bytes", false},
		{"memory", "memory.limit_in_bytes", true}, {"memory", "memory.max_usage_in_bytes", true},
		{"memory", "memory.stat", false},
		{"pids", "pids.current", false}, {"pids", "pids.max", true},
	} {
		if _, err := b.file(f.controller, f.name, f.write); err != nil {
			b.destroy()
			return nil, fmt.Errorf("open box cgroup file: %w", err)
		}
	}
	if b.memsw {
		if _, err := b.file("memory", "memory.memsw.limit_in_bytes", true); err != nil {
			b.destroy()
			return nil, fmt.Errorf("open box cgroup file: %w", err)
		}
	}
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

// file returns the box's open cgroup file, opening it on first use: a run
// reads and writes a handful of them, and keeping them open spares an open
// and a close (and a path walk through the cgroup file system) each time.
func (b *boxCgroup) file(controller, name string, write bool) (*os.File, error) {
	key := controller + "/" + name
	if f, ok := b.files[key]; ok {
		return f, nil
	}
	flag := os.O_RDONLY
	if write {
		flag = os.O_RDWR
	}
	f, err := os.OpenFile(b.path(controller, name), flag, 0)
	if err != nil {
		return nil, err
	}
	b.files[key] = f
	return f, nil
}

func (b *boxCgroup) read(controller, name string) uint64 {
	f, err := b.file(controller, name, false)
	if err != nil {
		return 0
	}
	var buf [64]byte
	n, _ := f.ReadAt(buf[:], 0)
	v, _ := strconv.ParseUint(strings.TrimSpace(string(buf[:n])), 10, 64)
	return v
}

func (b *boxCgroup) write(controller, name string, v uint64) error {
	f, err := b.file(controller, name, true)
	if err != nil {
		return err
	}
	_, err = f.WriteAt(strconv.AppendUint(nil, v, 10), 0)
	return err
}

// startRun resets the counters and sets a run's limits. What the init
// holds (its memory, its threads) is added to the limits and subtracted
// from what is reported, so the program gets exactly its own.
//
// The usage also holds page cache charged to the box by earlier runs (v1
// charges a cached file to the first cgroup that read it: a compiler's
// binaries, a JVM). The kernel reclaims that cache when the program needs
// the room, so it must not raise the limit: the program would get as much
// again as earlier users happened to read, and a verdict would depend on
// them. Only what cannot be reclaimed does.
func (b *boxCgroup) startRun(memory, pids uint64) error {
	if err := b.write("cpuacct", "cpuacct.usage", 0); err != nil {
		return fmt.Errorf("reset CPU accounting: %w", err)
	}
	usage := b.read("memory", "memory.usage_in_bytes")
	held := usage - min(usage, b.fileCache())
	if limit := memory + held; limit != b.memLimit {
		if err := b.setMemoryLimit(limit); err != nil {
			return fmt.Errorf("set memory limit: %w", err)
		}
		// A lower limit made the kernel reclaim cache down to it.
		usage = b.read("memory", "memory.usage_in_bytes")
	}
	b.baseMem = usage
	if err := b.write("memory", "memory.max_usage_in_bytes", 0); err != nil {
		return fmt.Errorf("reset peak memory: %w", err)
	}
	select { // a notification left from an earlier run
	case <-b.oom:
	default:
	}
	if limit := pids + b.read("pids", "pids.current"); limit != b.pidsLimit {
		if err := b.write("pids", "pids.max", limit); err != nil {
			return fmt.Errorf("set pids limit: %w", err)
		}
		b.pidsLimit = limit
	}
	return nil
}

// fileCache is the box's page cache on the file LRU lists, the part of
// its usage the kernel may reclaim.
func (b *boxCgroup) fileCache() uint64 {
	f, err := b.file("memory", "memory.stat", false)
	if err != nil {
		return 0
	}
	var buf [4096]byte
	n, _ := f.ReadAt(buf[:], 0)
	var total uint64
	for line := range strings.SplitSeq(string(buf[:n]), "\n") {
		name, value, _ := strings.Cut(line, " ")
		if name == "inactive_file" || name == "active_file" {
			v, _ := strconv.ParseUint(value, 10, 64)
			total += v
		}
	}
	return total
}

func (b *boxCgroup) setMemoryLimit(limit uint64) error {
	if !b.memsw {
		if err := b.write("memory", "memory.limit_in_bytes", limit); err != nil {
			return err
		}
		b.memLimit = limit
		return nil
	}
	// memsw must stay at or above the memory limit at every step: the
	// order depends on whether the limit goes up or down.
	order := []string{"memory.memsw.limit_in_bytes", "memory.limit_in_bytes"}
	if limit < b.memLimit {
		order[0], order[1] = order[1], order[0]
	}
	for _, name := range order {
		if err := b.write("memory", name, limit); err != nil {
			return err
		}
	}
	b.memLimit = limit
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
	for _, f := range b.files {
		f.Close()
	}
	return retryBusy(b.cg.Destroy)
}
