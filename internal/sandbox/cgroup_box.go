package sandbox

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
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
	// socketUsage and socketPeak are the socket buffers where the
	// memory counter leaves them out (cgroup v1), else zero.
	socketUsage() uint64
	socketPeak() uint64
	// memoryWithSockets is the run's memory with its socket buffers
	// where the memory counter leaves them out, else zero.
	memoryWithSockets() uint64
	oomKills() uint64
	killAll() error
	// err is the first error of a read since the run started: a value
	// read as zero then is no fact.
	err() error
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
	// ownMem is what the box holds of its own: its init's anonymous
	// memory, measured between runs (when no other process is left to
	// hold any), plus kernelMem. A run's limit is its own memory plus
	// ownMem, whatever earlier runs left charged to the box.
	ownMem uint64
	// kernelMem is the rest of what the box held when it was made, besides
	// its page cache: kernel memory, measured once.
	kernelMem uint64
	// baseMem is the usage when the current run started: its peak is
	// counted from there.
	baseMem uint64
	// oom receives the kernel's OOM notifications. The kernel's OOM killer
	// is disabled in the box: it would weigh the init against the
	// program, and memory a program holds outside its processes (a memfd,
	// pipe buffers, tmpfs files) would make the init its victim. The
	// engine kills the program instead.
	oom     chan struct{}
	oomFd   int
	closing atomic.Bool
	// failed holds the first failed read since the run started, or since
	// the box was last reclaimed.
	failed firstError

	files     map[string]*os.File // open cgroup files, see file
	memsw     bool                // the kernel accounts swap: memsw limits exist
	sockets   bool                // the kernel offers the socket buffer counter
	memLimit  uint64              // the limits last written
	pidsLimit uint64
	tcpLimit  uint64

	// shmem is the box's tmpfs pages at the last read of memory.stat.
	shmem uint64

	// initStat is the init's /proc/<pid>/stat, kept open (see onlyInit).
	initStat *os.File

	// armed tells that the counters are ready for the next run (arm),
	// and armedTasks what pids.current was then.
	armed      bool
	armedTasks uint64
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
	if err := b.openFiles(); err != nil {
		b.destroy()
		return nil, fmt.Errorf("open box cgroup file: %w", err)
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
	if b.initStat, err = os.Open(fmt.Sprintf("/proc/%d/stat", initPid)); err != nil {
		b.destroy()
		return nil, fmt.Errorf("open the init's stat: %w", err)
	}
	held, anon := b.memory()
	if err := b.err(); err != nil {
		b.destroy()
		return nil, fmt.Errorf("read box memory: %w", err)
	}
	b.kernelMem = held - anon
	b.ownMem = held
	return b, nil
}

// openFiles opens every cgroup file a run uses, so that runs then only
// read the map, from any goroutine.
func (b *boxCgroup) openFiles() error {
	files := []struct {
		controller, name string
		write            bool
	}{
		{"cpuacct", "cpuacct.usage", true}, {"memory", "memory.usage_in_bytes", false},
		{"memory", "memory.limit_in_bytes", true}, {"memory", "memory.max_usage_in_bytes", true},
		{"memory", "memory.stat", false}, {"memory", "memory.force_empty", true},
		{"pids", "pids.current", false}, {"pids", "pids.max", true},
	}
	if b.memsw {
		files = append(files, struct {
			controller, name string
			write            bool
		}{"memory", "memory.memsw.limit_in_bytes", true})
	}
	for _, f := range files {
		if _, err := b.file(f.controller, f.name, f.write); err != nil {
			return err
		}
	}
	// v1 keeps socket buffers (TCP, UDP) on a counter of their own, and
	// charges nothing to it until its limit is first written. A kernel
	// without it (none we know of since 3.x) leaves sockets uncharged.
	if _, err := os.Stat(b.path("memory", "memory.kmem.tcp.limit_in_bytes")); err != nil {
		return nil
	}
	for _, name := range []string{"memory.kmem.tcp.limit_in_bytes", "memory.kmem.tcp.max_usage_in_bytes"} {
		if _, err := b.file("memory", name, true); err != nil {
			return err
		}
	}
	if _, err := b.file("memory", "memory.kmem.tcp.usage_in_bytes", false); err != nil {
		return err
	}
	b.sockets = true
	b.tcpLimit = math.MaxInt64
	return nil
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
	switch {
	case write && name == "memory.force_empty":
		// Write-only (mode 0200): opening it for reading too would
		// need CAP_DAC_OVERRIDE, which a container may not grant.
		flag = os.O_WRONLY
	case write:
		flag = os.O_RDWR
	}
	f, err := os.OpenFile(b.path(controller, name), flag, 0)
	if err != nil {
		return nil, err
	}
	b.files[key] = f
	return f, nil
}

// read reads a counter of the box's cgroup. A counter that cannot be
// read is zero, and the failure is kept for err.
func (b *boxCgroup) read(controller, name string) uint64 {
	v, err := b.readCounter(controller, name)
	if err != nil {
		b.fail(err)
	}
	return v
}

func (b *boxCgroup) readCounter(controller, name string) (uint64, error) {
	f, err := b.file(controller, name, false)
	if err != nil {
		return 0, err
	}
	var buf [64]byte
	n, err := readOnce(f, buf[:])
	if err != nil {
		return 0, fmt.Errorf("read %s: %w", name, err)
	}
	v, err := strconv.ParseUint(strings.TrimSpace(string(buf[:n])), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("read %s: %w", name, err)
	}
	return v, nil
}

// readOnce reads f from its start with one pread: a cgroup or /proc file
// gives all it has to the first read of a buffer large enough (it makes
// its text anew at offset 0), where os.File.ReadAt would read a second
// time to see the end. Through the file's RawConn, so that a concurrent
// Close cannot hand the number to another file in between.
func readOnce(f *os.File, buf []byte) (int, error) {
	rc, err := f.SyscallConn()
	if err != nil {
		return 0, err
	}
	n := 0
	var readErr error
	err = rc.Read(func(fd uintptr) bool {
		for {
			n, readErr = unix.Pread(int(fd), buf, 0)
			if readErr != unix.EINTR {
				return readErr != unix.EAGAIN
			}
		}
	})
	if err == nil {
		err = readErr
	}
	if err != nil {
		return 0, err
	}
	return n, nil
}

func (b *boxCgroup) fail(err error) { b.failed.keep(err) }
func (b *boxCgroup) err() error     { return b.failed.get() }

func (b *boxCgroup) write(controller, name string, v uint64) error {
	f, err := b.file(controller, name, true)
	if err != nil {
		return err
	}
	_, err = f.WriteAt(strconv.AppendUint(nil, v, 10), 0)
	return err
}

// errNoRoom reports a memory limit so small that the box cannot be
// brought under it.
var errNoRoom = errors.New("the memory limit leaves no room for a program")

// startRun resets the counters and sets a run's limits. What the box
// holds of its own (ownMem: its init's memory and threads) is added to the
// limits and subtracted from what is reported, so the program gets
// exactly its own.
//
// What earlier runs left charged to the box (page cache, dentries and
// inodes in the kernel's caches) must not raise the limit, or a program
// would get as much again as earlier users happened to leave, and a
// verdict would depend on them. Leftovers are reclaimed between runs
// (reclaim); page cache is reclaimed by the kernel when the program needs
// the room.
func (b *boxCgroup) startRun(memory, pids uint64) error {
	armed := b.armed
	b.armed = false
	b.failed.reset()
	if limit := memory + b.ownMem; limit != b.memLimit {
		// A lower limit makes the kernel reclaim cache down to it.
		if err := b.setMemoryLimit(limit); err != nil {
			if errors.Is(err, syscall.EBUSY) {
				// The box holds more than the limit and the kernel
				// cannot reclaim it: no program fits.
				return errNoRoom
			}
			return fmt.Errorf("set memory limit: %w", err)
		}
		armed = false // the usage the peak starts from moved
	}
	tasks := b.armedTasks
	if !armed {
		if err := b.resetPeaks(); err != nil {
			return err
		}
		tasks = b.read("pids", "pids.current")
	}
	if err := b.limitSockets(memory); err != nil {
		return err
	}
	select { // a notification left from an earlier run
	case <-b.oom:
	default:
	}
	if limit := pids + tasks; limit != b.pidsLimit {
		if err := b.write("pids", "pids.max", limit); err != nil {
			return fmt.Errorf("set pids limit: %w", err)
		}
		b.pidsLimit = limit
	}
	return nil
}

// resetPeaks starts the peaks a run reports from what the box holds now:
// its memory's and its socket buffers'.
func (b *boxCgroup) resetPeaks() error {
	b.baseMem = b.read("memory", "memory.usage_in_bytes")
	if err := b.write("memory", "memory.max_usage_in_bytes", 0); err != nil {
		return fmt.Errorf("reset peak memory: %w", err)
	}
	if !b.sockets {
		return nil
	}
	if err := b.write("memory", "memory.kmem.tcp.max_usage_in_bytes", 0); err != nil {
		return fmt.Errorf("reset socket buffer peak: %w", err)
	}
	return nil
}

// resetCPU starts the run's CPU time, right before the program is handed
// to the init: the init's own work until then (a nudged init polls for
// the request, see ctlNudge) is not the program's.
func (b *boxCgroup) resetCPU() error {
	if err := b.write("cpuacct", "cpuacct.usage", 0); err != nil {
		return fmt.Errorf("reset CPU accounting: %w", err)
	}
	return nil
}

// arm readies the counters of a wiped box for its next run, off that
// run's path: peaks reset, the tasks the box holds of its own counted.
// Its init adds nothing to them. startRun does it again when arm failed,
// when the run changes the memory limit, and for every later run before
// the next wipe.
func (b *boxCgroup) arm() {
	b.failed.reset()
	if b.resetPeaks() != nil {
		return
	}
	b.armedTasks = b.read("pids", "pids.current")
	b.armed = b.err() == nil
}

// limitSockets limits the run's socket buffers to its memory limit. v1
// cannot put them under the memory limit itself: they have a counter of
// their own, which the kernel refuses to take past its limit (a send
// waits or fails with EAGAIN, a received packet is dropped). The run's
// reported peak adds both peaks (resetPeaks).
func (b *boxCgroup) limitSockets(memory uint64) error {
	if !b.sockets {
		return nil
	}
	if memory == 0 { // no memory limit: none for sockets either
		memory = math.MaxInt64
	}
	if memory != b.tcpLimit {
		if err := b.write("memory", "memory.kmem.tcp.limit_in_bytes", memory); err != nil {
			return fmt.Errorf("set socket buffer limit: %w", err)
		}
		b.tcpLimit = memory
	}
	return nil
}

// memory returns what the box holds beyond page cache (its init's memory,
// and whatever of the kernel's the box is charged with) and, of that, its
// anonymous memory, which between runs is only its init's.
func (b *boxCgroup) memory() (held, anon uint64) {
	usage := b.read("memory", "memory.usage_in_bytes")
	cache, anon := b.memoryStat()
	return usage - min(usage, cache), min(anon, usage)
}

// reclaim brings a box whose run has ended back to what it holds of its
// own: the dentries and inodes its runs left in the kernel's caches (a
// stat of a missing name leaves one) are charged to the box and would
// otherwise pile up run after run. Only when the box holds more than its
// own does it reclaim, which also drops the page cache charged to it; then
// it waits a little for memory the kernel frees after a grace period (the
// inodes of a wiped /tmp) and for the sockets of killed processes to go.
// Tmpfs pages charged to the box can only be in the mounts the wipe
// retired (see retirer): purge has the init unmount those first. The
// error says the box stays dirty: it must not run again.
func (b *boxCgroup) reclaim(purge func() error) error {
	b.failed.reset()
	if err := b.reclaimMemory(purge); err != nil {
		return err
	}
	// A box whose counters could not be read may be anything but clean.
	if err := b.err(); err != nil {
		return fmt.Errorf("read the box's memory accounting: %w", err)
	}
	return nil
}

func (b *boxCgroup) reclaimMemory(purge func() error) error {
	clean := b.memoryClean()
	if b.shmem > 0 {
		if err := purge(); err != nil {
			return fmt.Errorf("unmount the retired mounts: %w", err)
		}
		clean = b.memoryClean()
	}
	if clean && b.socketUsage() == 0 {
		return nil
	}
	if !clean {
		if err := b.write("memory", "memory.force_empty", 0); err != nil {
			return fmt.Errorf("reclaim the box's memory: %w", err)
		}
	}
	for range 20 {
		if b.memoryClean() && b.socketUsage() == 0 {
			return nil
		}
		time.Sleep(10 * time.Millisecond)
	}
	held, _ := b.memory()
	return fmt.Errorf("the box holds %d bytes and %d in socket buffers after reclaim, its own is %d",
		held, b.socketUsage(), b.ownMem)
}

// memoryClean measures what the box holds of its own (ownMem) and reports
// whether that is all it holds, give or take the charges the kernel caches
// per CPU (a batch of 64 pages each) and the kernel memory of its init as
// it serves runs (page tables, its threads' stacks).
func (b *boxCgroup) memoryClean() bool {
	held, anon := b.memory()
	b.ownMem = b.kernelMem + anon
	slack := uint64(2<<20) + uint64(runtime.NumCPU())*(256<<10)
	return held <= b.ownMem+slack
}

func (b *boxCgroup) socketUsage() uint64 {
	if !b.sockets {
		return 0
	}
	return b.read("memory", "memory.kmem.tcp.usage_in_bytes")
}

// memoryWithSockets is what the run holds, counting its socket buffers:
// v1 limits those on their own counter, so the watch adds them to the
// run's memory the kernel cannot reclaim (the usage without page cache,
// above what the box holds of its own) and ends the run when the sum
// reaches its limit. It is zero while no socket holds a buffer, so that
// most runs never read memory.stat.
func (b *boxCgroup) memoryWithSockets() uint64 {
	sockets := b.socketUsage()
	if sockets == 0 {
		return 0
	}
	held, _ := b.memory()
	return sockets + held - min(held, b.ownMem)
}

// socketPeak is the run's peak of socket buffers, which v1 does not count
// in its memory usage.
func (b *boxCgroup) socketPeak() uint64 {
	if !b.sockets {
		return 0
	}
	return b.read("memory", "memory.kmem.tcp.max_usage_in_bytes")
}

// memoryStat returns the box's page cache on the file LRU lists, the part
// of its usage the kernel may reclaim, and its anonymous memory (rss); it
// keeps its tmpfs pages (shmem) in b.shmem for reclaim.
func (b *boxCgroup) memoryStat() (cache, anon uint64) {
	f, err := b.file("memory", "memory.stat", false)
	if err != nil {
		b.fail(err)
		return 0, 0
	}
	var buf [4096]byte
	n, err := readOnce(f, buf[:])
	if err != nil {
		b.fail(fmt.Errorf("read memory.stat: %w", err))
		return 0, 0
	}
	b.shmem = 0
	for line := range strings.SplitSeq(string(buf[:n]), "\n") {
		name, value, _ := strings.Cut(line, " ")
		v, _ := strconv.ParseUint(value, 10, 64)
		switch name {
		case "inactive_file", "active_file":
			cache += v
		case "rss":
			anon = v
		case "shmem":
			b.shmem = v
		}
	}
	return cache, anon
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
// Most programs leave nothing behind: the cheap count of onlyInit tells,
// and the list of processes is read only when something may be left.
func (b *boxCgroup) killAll() error {
	if b.onlyInit() {
		return nil
	}
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

// onlyInit reports whether the box's cgroup holds nothing but its init's
// threads: no process of a run, alive or a zombie not yet reaped. The pids
// controller charges a task from its fork until it is reaped, so
// pids.current is the init's threads plus every task of the runs. The
// init's threads are counted first, then the tasks: a thread the init
// starts in between only makes the count larger, which has the caller
// list the processes. Any failure to read answers false, with the same
// effect.
func (b *boxCgroup) onlyInit() bool {
	threads, err := readThreads(b.initStat)
	if err != nil {
		return false
	}
	tasks, err := b.readCounter("pids", "pids.current")
	return err == nil && tasks <= threads
}

// readThreads reads the number of threads (num_threads, the 20th field)
// of a process from its /proc/<pid>/stat, kept open: each read at offset 0
// is a fresh one.
func readThreads(stat *os.File) (uint64, error) {
	var buf [512]byte
	n, err := readOnce(stat, buf[:])
	if err != nil {
		return 0, err
	}
	line := string(buf[:n])
	// The fields after the command name, which may hold anything, start
	// after its closing parenthesis: the third field (state) first.
	i := strings.LastIndexByte(line, ')')
	if i < 0 {
		return 0, errors.New("malformed stat")
	}
	fields := strings.Fields(line[i+1:])
	const numThreads = 20 - 3
	if len(fields) <= numThreads {
		return 0, errors.New("malformed stat")
	}
	return strconv.ParseUint(fields[numThreads], 10, 64)
}

// destroy removes the cgroup; its init must be dead.
func (b *boxCgroup) destroy() error {
	b.closing.Store(true)
	if b.initStat != nil {
		b.initStat.Close()
	}
	for _, f := range b.files {
		f.Close()
	}
	return retryBusy(b.cg.Destroy)
}
