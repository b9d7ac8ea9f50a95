package sandbox

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/criyle/go-sandbox/pkg/cgroup"
)

const cgroupBase = "/sys/fs/cgroup"

// cgroups owns the server's cgroup subtree: one directory per controller
// on v1, one directory on v2, holding a child per run.
type cgroups struct {
	version cgroup.Type
	prefix  string // path below the hierarchy root, e.g. "coderacer-1234"
	root    cgroup.Cgroup
}

func controllers(t cgroup.Type) *cgroup.Controllers {
	if t == cgroup.TypeV1 {
		return &cgroup.Controllers{CPUAcct: true, Memory: true, Pids: true}
	}
	return &cgroup.Controllers{CPU: true, Memory: true, Pids: true}
}

// newCgroups creates the server's subtree. Its name carries the server's
// pid so that subtrees left by a crashed server can be told apart and
// removed by the next one.
func newCgroups() (*cgroups, error) {
	t := cgroup.DetectType()
	ct := controllers(t)
	available, err := cgroup.GetAvailableController()
	if err != nil {
		return nil, fmt.Errorf("read available cgroup controllers: %w", err)
	}
	if !available.Contains(ct) {
		return nil, fmt.Errorf("cgroup %v: controllers %v required, only %v available", t, ct, available)
	}
	name := fmt.Sprintf("coderacer-%d", os.Getpid())
	prefix := name
	if t == cgroup.TypeV2 {
		// v2 forbids processes in a cgroup whose children use controllers,
		// so the server moves itself into a leaf beside its runs' subtree.
		cur, err := cgroup.GetCurrentCgroupPrefix()
		if err != nil {
			return nil, fmt.Errorf("read current cgroup: %w", err)
		}
		if cur != "" {
			parent, err := cgroup.OpenExisting(cur, ct)
			if err != nil {
				return nil, fmt.Errorf("open current cgroup %q (is it delegated?): %w", cur, err)
			}
			if _, err := parent.Nest("coderacer-server"); err != nil {
				return nil, fmt.Errorf("move server into a leaf cgroup: %w", err)
			}
			prefix = filepath.Join(cur, name)
		}
	}
	removeStaleCgroups(t, filepath.Dir(prefix))
	root, err := cgroup.New(prefix, ct)
	if err != nil {
		return nil, fmt.Errorf("create cgroup %s: %w", prefix, err)
	}
	return &cgroups{version: t, prefix: prefix, root: root}, nil
}

// newRun creates the cgroup of one run with its limits applied.
func (c *cgroups) newRun(name string, memory, pids uint64) (*runCgroup, error) {
	cg, err := c.root.New(name)
	if err != nil {
		return nil, fmt.Errorf("create run cgroup: %w", err)
	}
	r := &runCgroup{cg: cg, parent: c, name: name}
	if err := r.setLimits(memory, pids); err != nil {
		r.destroy()
		return nil, err
	}
	return r, nil
}

// destroy removes the server's subtree; runs must be gone already.
func (c *cgroups) destroy() error {
	return retryBusy(c.root.Destroy)
}

type runCgroup struct {
	cg     cgroup.Cgroup
	parent *cgroups
	name   string
}

func (r *runCgroup) memoryPath(file string) string {
	if r.parent.version == cgroup.TypeV1 {
		return filepath.Join(cgroupBase, "memory", r.parent.prefix, r.name, file)
	}
	return filepath.Join(cgroupBase, r.parent.prefix, r.name, file)
}

func (r *runCgroup) setLimits(memory, pids uint64) error {
	if err := r.cg.SetMemoryLimit(memory); err != nil {
		return fmt.Errorf("set memory limit: %w", err)
	}
	if err := r.cg.SetProcLimit(pids); err != nil {
		return fmt.Errorf("set pids limit: %w", err)
	}
	// Swap off: the limit must mean memory, not memory plus disk. The
	// files are absent when the kernel does not account swap.
	if r.parent.version == cgroup.TypeV1 {
		writeIfExists(r.memoryPath("memory.swappiness"), "0")
		writeIfExists(r.memoryPath("memory.memsw.limit_in_bytes"), strconv.FormatUint(memory, 10))
	} else {
		writeIfExists(r.memoryPath("memory.swap.max"), "0")
	}
	return nil
}

// cpuTime is the CPU time used by every process and thread of the run.
func (r *runCgroup) cpuTime() time.Duration {
	ns, err := r.cg.CPUUsage()
	if err != nil {
		return 0
	}
	return time.Duration(ns)
}

func (r *runCgroup) peakMemory() uint64 {
	if m, err := r.cg.MemoryMaxUsage(); err == nil {
		return m
	}
	m, _ := r.cg.MemoryUsage()
	return m
}

func (r *runCgroup) oomKills() uint64 {
	file := "memory.events"
	if r.parent.version == cgroup.TypeV1 {
		file = "memory.oom_control"
	}
	return readOOMKills(r.memoryPath(file))
}

// readOOMKills reads the oom_kill count of memory.oom_control (v1) or
// memory.events (v2): processes the kernel killed for reaching the memory
// limit, the cgroup's own record, never a guess from SIGKILL.
func readOOMKills(path string) uint64 {
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if v, ok := strings.CutPrefix(s.Text(), "oom_kill "); ok {
			n, _ := strconv.ParseUint(strings.TrimSpace(v), 10, 64)
			return n
		}
	}
	return 0
}

// killAll kills every process in the cgroup until none is left. Processes
// may fork while being killed; the pids limit bounds how long that lasts.
func (r *runCgroup) killAll() error {
	for range 1000 {
		pids, err := r.cg.Processes()
		if err != nil {
			return fmt.Errorf("list cgroup processes: %w", err)
		}
		if len(pids) == 0 {
			return nil
		}
		for _, pid := range pids {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
		time.Sleep(time.Millisecond)
	}
	return errors.New("processes keep appearing in the run's cgroup")
}

func (r *runCgroup) destroy() error {
	return retryBusy(r.cg.Destroy)
}

// retryBusy retries an rmdir of a cgroup whose last processes are still
// being reaped by the kernel.
func retryBusy(f func() error) error {
	var err error
	for range 200 {
		if err = f(); err == nil || !errors.Is(err, syscall.EBUSY) {
			return err
		}
		time.Sleep(5 * time.Millisecond)
	}
	return err
}

// writeIfExists writes a cgroup file that only some kernels provide.
func writeIfExists(path, value string) {
	_ = os.WriteFile(path, []byte(value), 0o644)
}

// removeStaleCgroups deletes subtrees named coderacer-<pid> whose server is
// no longer running.
func removeStaleCgroups(t cgroup.Type, parent string) {
	dirs := []string{filepath.Join(cgroupBase, parent)}
	if t == cgroup.TypeV1 {
		dirs = nil
		for _, c := range []string{"cpuacct", "memory", "pids"} {
			dirs = append(dirs, filepath.Join(cgroupBase, c, parent))
		}
	}
	for _, dir := range dirs {
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			pidText, ok := strings.CutPrefix(e.Name(), "coderacer-")
			pid, err := strconv.Atoi(pidText)
			if !ok || err != nil || !e.IsDir() || processAlive(pid) {
				continue
			}
			sub := filepath.Join(dir, e.Name())
			children, _ := os.ReadDir(sub)
			for _, ch := range children {
				if ch.IsDir() {
					_ = syscall.Rmdir(filepath.Join(sub, ch.Name()))
				}
			}
			_ = syscall.Rmdir(sub)
		}
	}
}

func processAlive(pid int) bool {
	return syscall.Kill(pid, 0) == nil
}

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
