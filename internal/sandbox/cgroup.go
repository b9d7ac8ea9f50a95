package sandbox

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/criyle/go-sandbox/pkg/cgroup"
)

const cgroupBase = "/sys/fs/cgroup"

// cgroups owns the server's cgroup subtree: one directory per controller
// on v1, one directory on v2, holding a child per run.
type cgroups struct {
	version cgroup.Type
	prefix  string // path below the hierarchy root, e.g. "coderacer-1234"
	root    cgroup.Cgroup
	place   *v2Placement // v2: where the subtree is, what to undo on exit
}

// newCgroups creates the server's subtree. Its name carries the server's
// pid so that subtrees left by a crashed server can be told apart and
// removed by the next one.
func newCgroups() (*cgroups, error) {
	name := fmt.Sprintf("coderacer-%d", os.Getpid())
	if cgroup.DetectType() == cgroup.TypeV2 {
		return newCgroupsV2(name)
	}
	ct := &cgroup.Controllers{CPUAcct: true, Memory: true, Pids: true}
	available, err := cgroup.GetAvailableControllerV1()
	if err != nil {
		return nil, fmt.Errorf("read available cgroup controllers: %w", err)
	}
	if !available.Contains(ct) {
		return nil, fmt.Errorf("cgroup v1: controllers %v required, only %v available", ct, available)
	}
	if inContainer() {
		for _, c := range []string{"cpuacct", "memory", "pids"} {
			if err := ensureWritable(filepath.Join(cgroupBase, c)); err != nil {
				return nil, fmt.Errorf("cgroup v1: %w", err)
			}
		}
	}
	removeStaleCgroups(cgroup.TypeV1, ".")
	root, err := cgroup.New(name, ct)
	if err != nil {
		return nil, fmt.Errorf("create cgroup %s: %w", name, err)
	}
	return &cgroups{version: cgroup.TypeV1, prefix: name, root: root}, nil
}

// newCgroupsV2 places the subtree where the server was started (see
// v2Host.place) and hands it the controllers the runs use.
func newCgroupsV2(name string) (*cgroups, error) {
	if inContainer() {
		if err := ensureWritable(cgroupBase); err != nil {
			return nil, fmt.Errorf("cgroup v2: %w", err)
		}
	}
	home, err := ownCgroupV2()
	if err != nil {
		return nil, err
	}
	place, err := newV2Host().place(home)
	if err != nil {
		return nil, err
	}
	if err := place.enableControllers(); err != nil {
		return nil, errors.Join(err, place.undo())
	}
	prefix := path.Join(place.parent, name)
	removeStaleCgroups(cgroup.TypeV2, place.parent)
	root, err := cgroup.New(prefix, &cgroup.Controllers{Memory: true, Pids: true})
	if err != nil {
		err = fmt.Errorf("create cgroup /%s: %w", prefix, err)
		return nil, errors.Join(err, place.undo())
	}
	return &cgroups{version: cgroup.TypeV2, prefix: prefix, root: root, place: place}, nil
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

// destroy removes the server's subtree, runs being gone already, and on v2
// puts the server back where it was started.
func (c *cgroups) destroy() error {
	if err := retryBusy(c.root.Destroy); err != nil {
		return err
	}
	if c.place != nil {
		return c.place.undo()
	}
	return nil
}

type runCgroup struct {
	cg     cgroup.Cgroup
	parent *cgroups
	name   string
	// failed holds the first failed read of the run (err).
	failed firstError
}

func (r *runCgroup) fail(err error) { r.failed.keep(err) }
func (r *runCgroup) err() error     { return r.failed.get() }

// firstError keeps the first of the errors it is given, safe for
// concurrent use: a cgroup's counters are read by the run's poller and by
// its end.
type firstError struct{ p atomic.Pointer[error] }

// keep stores err if none is stored (a function of its own, so that reads
// that succeed allocate nothing).
func (f *firstError) keep(err error) { f.p.CompareAndSwap(nil, &err) }

func (f *firstError) get() error {
	if p := f.p.Load(); p != nil {
		return *p
	}
	return nil
}

func (f *firstError) reset() { f.p.Store(nil) }

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
		r.fail(fmt.Errorf("read CPU usage: %w", err))
		return 0
	}
	return time.Duration(ns)
}

func (r *runCgroup) peakMemory() uint64 {
	if m, err := r.cg.MemoryMaxUsage(); err == nil {
		return m
	}
	m, err := r.cg.MemoryUsage()
	if err != nil {
		r.fail(fmt.Errorf("read memory usage: %w", err))
	}
	return m
}

// socketUsage and socketPeak are zero: v2 charges socket buffers to the
// memory counter, so the memory limit and peakMemory cover them already.
func (r *runCgroup) socketUsage() uint64 { return 0 }
func (r *runCgroup) socketPeak() uint64  { return 0 }

func (r *runCgroup) memoryWithSockets() uint64 { return 0 }

func (r *runCgroup) oomKills() uint64 {
	file := "memory.events"
	if r.parent.version == cgroup.TypeV1 {
		file = "memory.oom_control"
	}
	n, err := readOOMKills(r.memoryPath(file))
	if err != nil {
		r.fail(err)
	}
	return n
}

// readOOMKills reads the oom_kill count of memory.oom_control (v1) or
// memory.events (v2): processes the kernel killed for reaching the memory
// limit, the cgroup's own record, never a guess from SIGKILL.
func readOOMKills(path string) (uint64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if v, ok := strings.CutPrefix(s.Text(), "oom_kill "); ok {
			n, err := strconv.ParseUint(strings.TrimSpace(v), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("%s: %w", path, err)
			}
			return n, nil
		}
	}
	if err := s.Err(); err != nil {
		return 0, fmt.Errorf("%s: %w", path, err)
	}
	return 0, nil
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
