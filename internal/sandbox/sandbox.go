// Package sandbox runs untrusted programs in pre-forked, locked-down
// containers. It is the only package that imports go-sandbox, and it knows
// nothing of HTTP, languages or jobs: it runs a command line with limits
// in a box and reports what happened.
package sandbox

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/criyle/go-sandbox/container"
	"github.com/criyle/go-sandbox/pkg/cgroup"
	"github.com/criyle/go-sandbox/pkg/mount"
	"github.com/criyle/go-sandbox/pkg/seccomp"
	"golang.org/x/sys/unix"
)

// Config describes the pool of boxes.
type Config struct {
	// Size is the number of boxes, which is the number of programs that
	// can run at once.
	Size int
	// ReadOnlyPaths are host paths bound read-only into every box, beside
	// the system directories (/usr, /lib, /lib64, /bin). Missing ones are
	// skipped.
	ReadOnlyPaths []string
	// TmpfsBytes bounds each of the work directory and /tmp; 0 means
	// DefaultTmpfsBytes.
	TmpfsBytes int64
	// FirstUID is the host uid (and gid) of the first box; box i runs as
	// FirstUID+i so boxes share no per-user kernel resources. 0 means
	// DefaultFirstUID. New refuses a range that is in use (ErrUIDsInUse).
	FirstUID int
	// Network, when not nil, enables runs with network access
	// (AcquireNetwork); without it every box has only its own loopback.
	Network *NetworkConfig
	// Warm is the number of boxes started with the pool and kept however
	// long they idle; 0 means DefaultWarm. The others start when a job
	// needs them and stop after IdleTimeout unused (0: DefaultIdleTimeout).
	Warm        int
	IdleTimeout time.Duration
	// InitPath is the program each box's container starts as its init:
	// one whose main calls Init first (cmd/coderacer-init, a few MiB).
	// Empty means this executable, re-executed (as big as the server).
	InitPath string
	Logger   *slog.Logger
}

// DefaultTmpfsBytes is Config.TmpfsBytes when it is not set: the size of
// each of a box's work directory and /tmp.
const DefaultTmpfsBytes = 64 << 20

// WorkDir is where a box's files live and its programs start.
const WorkDir = "/w"

// Sandbox is a pool of boxes.
type Sandbox struct {
	cfg    Config
	log    *slog.Logger
	cg     *cgroups
	filter seccomp.Filter
	mounts []mount.Mount
	// resetReq is the request that wipes a box (see Sandbox.reset).
	resetReq []byte
	// uidLocks hold the boxes' uids for this server (see lockUIDs).
	uidLocks []*os.File
	runSeq   atomic.Uint64
	// replaced counts the boxes destroyed and replaced because they
	// could not be wiped (PoolStats).
	replaced atomic.Uint64
	// tokens, idle, unstarted, busy and sparing are the pool's places
	// (see pool.go); mu guards them, closed and all.
	tokens    chan struct{}
	mu        sync.Mutex
	idle      []*Box
	unstarted []int
	busy      int
	sparing   bool
	all       map[*Box]struct{}
	// net is nil unless Config.Network enabled network runs.
	net     *network
	closed  bool
	closing chan struct{}
}

// New creates the pool and starts every box. The caller must Close it.
func New(cfg Config) (*Sandbox, error) {
	if cfg.Size < 1 {
		return nil, fmt.Errorf("sandbox: pool size %d < 1", cfg.Size)
	}
	if cfg.TmpfsBytes <= 0 {
		cfg.TmpfsBytes = DefaultTmpfsBytes
	}
	if cfg.FirstUID == 0 {
		cfg.FirstUID = DefaultFirstUID
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.Warm <= 0 {
		cfg.Warm = DefaultWarm
	}
	cfg.Warm = min(cfg.Warm, cfg.Size)
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = DefaultIdleTimeout
	}
	if cfg.InitPath != "" {
		if err := checkInitFile(cfg.InitPath); err != nil {
			return nil, err
		}
	}
	s := &Sandbox{
		cfg:     cfg,
		log:     cfg.Logger,
		tokens:  make(chan struct{}, cfg.Size),
		all:     make(map[*Box]struct{}),
		closing: make(chan struct{}),
	}
	if err := s.claimHost(); err != nil {
		// Close gives back whatever claimHost took before it failed.
		_ = s.Close()
		return nil, err
	}
	for i := cfg.Size - 1; i >= 0; i-- {
		s.unstarted = append(s.unstarted, i)
		s.tokens <- struct{}{}
	}
	// The warm boxes are started now: a sandbox that cannot work on this
	// machine fails here, not at the first job.
	for range cfg.Warm {
		b, err := s.newBox(s.popUnstarted())
		if err != nil {
			s.Close()
			if hint := procMaskHint(); hint != "" {
				return nil, fmt.Errorf("%w%s", err, hint)
			}
			return nil, err
		}
		b.idleSince = time.Now()
		s.idle = append(s.idle, b)
	}
	go s.reapIdle()
	s.log.Info("sandbox pool ready", "places", cfg.Size, "warm", cfg.Warm, "idleTimeout", cfg.IdleTimeout,
		"init", cmp.Or(cfg.InitPath, "this executable"), "cgroup", s.cg.version.String(), "cgroupPrefix", s.cg.prefix)
	return s, nil
}

// claimHost takes what the pool needs of the host, recording each on s as
// it goes: the boxes' uids, a hard core limit they can set, the seccomp
// filter, the cgroups, the mounts and, when enabled, the network.
func (s *Sandbox) claimHost() error {
	cfg := s.cfg
	var err error
	if s.uidLocks, err = reserveUIDs(cfg.FirstUID, cfg.Size); err != nil {
		return fmt.Errorf("sandbox: box user ids %d-%d: %w", cfg.FirstUID, cfg.FirstUID+cfg.Size-1, err)
	}
	if err := allowCoreLimit(); err != nil {
		return fmt.Errorf("sandbox: %w", err)
	}
	if s.filter, err = buildSeccompFilter(); err != nil {
		return err
	}
	if s.cg, err = newCgroups(); err != nil {
		return err
	}
	s.mounts = buildMounts(cfg)
	if s.resetReq, err = resetBoxRequest(s.mounts); err != nil {
		return err
	}
	if cfg.Network != nil {
		if s.net, err = startNetwork(*cfg.Network, cfg.Size, s.mounts, cfg.Logger); err != nil {
			return err
		}
	}
	return nil
}

func buildMounts(cfg Config) []mount.Mount {
	b := mount.NewBuilder().
		WithBind("/usr", "usr", true).
		WithBind("/lib", "lib", true).
		WithBind("/lib64", "lib64", true).
		WithBind("/bin", "bin", true).
		WithBind("/etc/alternatives", "etc/alternatives", true).
		WithBind("/etc/ld.so.cache", "etc/ld.so.cache", true)
	// Several runtimes may need the same path (the JVM languages share
	// /etc/java-17-openjdk): bind each once.
	paths := slices.Clone(cfg.ReadOnlyPaths)
	slices.Sort(paths)
	for _, p := range slices.Compact(paths) {
		b.WithBind(p, p[1:], true)
	}
	for _, dev := range []string{"null", "zero", "random", "urandom"} {
		b.WithBind("/dev/"+dev, "dev/"+dev, false)
	}
	size := fmt.Sprintf("size=%d,nr_inodes=8192", cfg.TmpfsBytes)
	b.WithTmpfs(WorkDir[1:], size+",mode=0777").
		WithTmpfs("tmp", size+",mode=1777").
		WithMount(retiredMount()).
		WithMount(mount.Mount{
			Source: "proc",
			Target: "proc",
			FsType: "proc",
			Flags:  unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC | unix.MS_RDONLY,
			// The program sees its own processes only: the container's
			// init (another user, as far as the program is concerned)
			// and what it accumulated of earlier runs' children (CPU
			// times, counters) are not there at all.
			Data: "hidepid=invisible",
		})
	return b.FilterNotExist().Mounts
}

// maskedPaths hide what a box could learn of the host through the
// read-only binds and /proc: a file is covered by an empty one, a
// directory by an empty read-only tmpfs. In /proc that is everything
// describing the host's boot, hardware, devices, kernel and global
// activity that no runtime reads; what runtimes do read stays (meminfo,
// cpuinfo, stat, uptime, loadavg, version, filesystems, self, sys).
var maskedPaths = []string{
	"/usr/local", // the host's own tools and toolchains, not Debian's
	"/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/key-users",
	"/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
	"/proc/sched_debug", "/proc/scsi", "/sys/firmware",
	// the host's kernel command line and configuration, its boot
	"/proc/cmdline", "/proc/config.gz", "/proc/sys/kernel/random/boot_id",
	"/proc/kallsyms", "/proc/modules", "/proc/crypto", "/proc/execdomains",
	// pressure stall information and global activity counters
	"/proc/pressure", "/proc/interrupts", "/proc/softirqs", "/proc/vmstat",
	"/proc/zoneinfo", "/proc/buddyinfo", "/proc/pagetypeinfo", "/proc/slabinfo",
	"/proc/vmallocinfo", "/proc/locks", "/proc/cgroups",
	// hardware and devices
	"/proc/diskstats", "/proc/partitions", "/proc/swaps", "/proc/devices",
	"/proc/iomem", "/proc/ioports", "/proc/consoles", "/proc/mtrr", "/proc/dma",
	"/proc/misc", "/proc/kpageflags", "/proc/kpagecount", "/proc/kpagecgroup",
	"/proc/bus", "/proc/driver", "/proc/fs", "/proc/tty", "/proc/irq",
}

type uidCred int

func (u uidCred) Get() syscall.Credential {
	return syscall.Credential{Uid: uint32(u), Gid: uint32(u)}
}

func (s *Sandbox) newBox(index int) (*Box, error) {
	return s.buildBox(index, s.mounts)
}

// builder is the container of box index with mounts, its init's control
// channel ctlInit.
func (s *Sandbox) builder(index int, mounts []mount.Mount, ctlInit *os.File) container.Builder {
	var initCmd []string
	if _, err := os.Stat("/usr/sbin/ip"); err == nil {
		// The private network namespace has only loopback, down; bring
		// it up so programs can talk to themselves, never to the host.
		initCmd = []string{"/usr/sbin/ip", "link", "set", "dev", "lo", "up"}
	}
	return container.Builder{
		TmpRoot: "coderacer-root-*",
		// The init's fd 2: our Init takes it as its control channel.
		Stderr:        ctlInit,
		Mounts:        mounts,
		MaskPaths:     maskedPaths,
		WorkDir:       WorkDir,
		CredGenerator: uidCred(s.cfg.FirstUID + index),
		ContainerUID:  boxUID,
		ContainerGID:  boxGID,
		HostName:      "coderacer",
		DomainName:    "coderacer",
		InitCommand:   initCmd,
		// Each program gets a cgroup namespace rooted at its own run's
		// cgroup, so /proc/self/cgroup shows "/" and no host path.
		UnshareCgroupBeforeExec: true,
		// Empty: this executable (/proc/self/exe).
		ExecFile: s.cfg.InitPath,
	}
}

// buildBox starts the container of box index with mounts.
func (s *Sandbox) buildBox(index int, mounts []mount.Mount) (*Box, error) {
	ctl, ctlInit, err := newControlPair()
	if err != nil {
		return nil, fmt.Errorf("sandbox: box %d: %w", index, err)
	}
	defer ctlInit.Close()
	builder := s.builder(index, mounts, ctlInit)
	env, err := builder.Build()
	if err != nil {
		ctl.close()
		return nil, fmt.Errorf("sandbox: start box %d: %w", index, err)
	}
	var devNull, work *os.File
	var cg *boxCgroup
	fail := func(err error) (*Box, error) {
		for _, f := range []*os.File{devNull, work} {
			if f != nil {
				f.Close()
			}
		}
		ctl.close()
		_ = env.Destroy()
		if cg != nil { // once the init is dead: a cgroup is removed empty
			_ = cg.destroy()
		}
		return nil, fmt.Errorf("sandbox: box %d: %w", index, err)
	}
	initPid, err := ctl.hello(resetTimeout)
	if err != nil {
		return fail(err)
	}
	// The first run starts from the same pid counter as every later one.
	if err := ctl.request([]byte{ctlResetPids}, resetTimeout); err != nil {
		return fail(err)
	}
	if devNull, err = openDevNull(); err != nil {
		return fail(err)
	}
	if work, err = openWork(initPid); err != nil {
		return fail(err)
	}
	if s.cg.version == cgroup.TypeV1 {
		if cg, err = s.cg.newBox(fmt.Sprintf("box-%d", s.runSeq.Add(1)), initPid); err != nil {
			return fail(fmt.Errorf("cgroup: %w", err))
		}
	}
	// Only now, with the init in the box's cgroup: the init's thread that
	// starts the programs takes its cgroup namespace with the filter (see
	// loadThreadFilter).
	if err := ctl.request(filterRequest(s.filter), resetTimeout); err != nil {
		return fail(err)
	}
	b := &Box{s: s, env: env, ctl: ctl, index: index, initPid: initPid, work: work, devNull: devNull, cg: cg,
		chunks: [2][]byte{make([]byte, 32<<10), make([]byte, 32<<10)}}
	s.mu.Lock()
	s.all[b] = struct{}{}
	s.mu.Unlock()
	return b, nil
}

// isClosed tells whether Close has begun.
func (s *Sandbox) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

// removeCgroups removes the cgroups of a box's past runs, whose processes
// are all dead.
func (s *Sandbox) removeCgroups(b *Box) {
	for _, cg := range b.cgroups {
		if err := cg.destroy(); err != nil {
			s.log.Error("remove run cgroup", "err", err)
		}
	}
	b.cgroups = b.cgroups[:0]
}

// errBroken reports a box whose container was killed during a run.
var errBroken = errors.New("its container was killed during a run")

func (s *Sandbox) resetOrBroken(b *Box) error {
	if b.broken {
		return errBroken
	}
	return s.reset(b)
}

// resetTimeout bounds the wipe of a box: a container that does not answer
// in time is stuck and gets replaced.
const resetTimeout = 10 * time.Second

// reset has the box's init replace /w and /tmp by fresh mounts (which
// wipes them without walking what user code left there, and starts their
// inode numbers again) and reset the pid counter. The host's handle on /w
// is closed first, so that nothing keeps the old mount, and opened again
// on the new one.
func (s *Sandbox) reset(b *Box) error {
	b.work.Close()
	b.work = nil
	if b.cg != nil {
		// Runs through the init's channel leave the sweep of the
		// box's cgroup to here (see boxRun.execute).
		if err := b.cg.killAll(); err != nil {
			return err
		}
	}
	if err := b.ctl.request(s.resetReq, resetTimeout); err != nil {
		return err
	}
	work, err := openWork(b.initPid)
	if err != nil {
		return err
	}
	b.work = work
	if b.cg != nil {
		// With the old mounts replaced (and unmounted when they hold
		// pages charged to the box), the box must be back to what it
		// held of its own when it was made (see boxCgroup.reclaim).
		purge := func() error { return b.ctl.request([]byte{ctlPurge}, resetTimeout) }
		if err := b.cg.reclaim(purge); err != nil {
			return err
		}
		b.cg.arm()
	}
	b.readyPipes()
	return nil
}

func (s *Sandbox) destroyBox(b *Box) {
	if b.net != nil {
		// Before the container: the kernel would remove the pair with
		// its namespace, but later, and the name is wanted again.
		s.net.detach(b.net)
	}
	if b.work != nil {
		b.work.Close()
	}
	b.closeReadyPipes()
	b.devNull.Close()
	b.ctl.close()
	_ = b.env.Destroy()
	s.removeCgroups(b)
	if b.cg != nil {
		if err := b.cg.destroy(); err != nil {
			s.log.Error("remove box cgroup", "err", err)
		}
	}
	s.mu.Lock()
	delete(s.all, b)
	s.mu.Unlock()
}

// Close destroys every box (killing whatever runs in it) and removes the
// server's cgroups.
func (s *Sandbox) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	close(s.closing)
	boxes := make([]*Box, 0, len(s.all))
	for b := range s.all {
		boxes = append(boxes, b)
	}
	s.mu.Unlock()
	for _, b := range boxes {
		s.destroyBox(b)
	}
	// Every box's processes are dead: the uids are free again.
	for _, f := range s.uidLocks {
		f.Close()
	}
	var errs []error
	if s.net != nil {
		if err := s.net.close(); err != nil {
			errs = append(errs, fmt.Errorf("sandbox: network: %w", err))
		}
	}
	if s.cg != nil {
		if err := s.cg.destroy(); err != nil {
			errs = append(errs, fmt.Errorf("sandbox: remove cgroups: %w", err))
		}
	}
	return errors.Join(errs...)
}
