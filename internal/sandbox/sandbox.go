// Package sandbox runs untrusted programs in pre-forked, locked-down
// containers. It is the only package that imports go-sandbox, and it knows
// nothing of HTTP, languages or jobs: it runs a command line with limits
// in a box and reports what happened.
package sandbox

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/criyle/go-sandbox/container"
	"github.com/criyle/go-sandbox/pkg/cgroup"
	"github.com/criyle/go-sandbox/pkg/mount"
	"github.com/criyle/go-sandbox/pkg/seccomp"
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
	// TmpfsBytes bounds each of the work directory and /tmp.
	TmpfsBytes int64
	// FirstUID is the host uid of the first box; box i runs as FirstUID+i
	// so boxes share no per-user kernel resources.
	FirstUID int
	Logger   *slog.Logger
}

// WorkDir is where a box's files live and its programs start.
const WorkDir = "/w"

// Sandbox is a pool of boxes.
type Sandbox struct {
	cfg    Config
	log    *slog.Logger
	cg     *cgroups
	filter seccomp.Filter
	mounts []mount.Mount
	free   chan *Box
	runSeq atomic.Uint64
	mu     sync.Mutex
	all    map[*Box]struct{}
	// buildMu serialises container starts, so that a new container's
	// init can be told apart from those already known (inits).
	buildMu sync.Mutex
	inits   map[int]bool
	closed  bool
	closing chan struct{}
}

// New creates the pool and starts every box. The caller must Close it.
func New(cfg Config) (*Sandbox, error) {
	if cfg.Size < 1 {
		return nil, fmt.Errorf("sandbox: pool size %d < 1", cfg.Size)
	}
	if cfg.TmpfsBytes <= 0 {
		cfg.TmpfsBytes = 64 << 20
	}
	if cfg.FirstUID == 0 {
		cfg.FirstUID = 30000
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	filter, err := buildSeccompFilter()
	if err != nil {
		return nil, err
	}
	cg, err := newCgroups()
	if err != nil {
		return nil, err
	}
	s := &Sandbox{
		cfg:     cfg,
		log:     cfg.Logger,
		cg:      cg,
		filter:  filter,
		mounts:  buildMounts(cfg),
		free:    make(chan *Box, cfg.Size),
		all:     make(map[*Box]struct{}),
		inits:   make(map[int]bool),
		closing: make(chan struct{}),
	}
	for i := range cfg.Size {
		b, err := s.newBox(i)
		if err != nil {
			s.Close()
			return nil, err
		}
		s.free <- b
	}
	s.log.Info("sandbox pool ready", "boxes", cfg.Size, "cgroup", cg.version.String(), "cgroupPrefix", cg.prefix)
	return s, nil
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
		WithProc()
	return b.FilterNotExist().Mounts
}

// maskedPaths hide what a box could learn of the host through the
// read-only binds and /proc.
var maskedPaths = []string{
	"/usr/local", // the host's own tools and toolchains, not Debian's
	"/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/key-users",
	"/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
	"/proc/sched_debug", "/proc/scsi", "/sys/firmware",
}

type uidCred int

func (u uidCred) Get() syscall.Credential {
	return syscall.Credential{Uid: uint32(u), Gid: uint32(u)}
}

func (s *Sandbox) newBox(index int) (*Box, error) {
	var initCmd []string
	if _, err := os.Stat("/usr/sbin/ip"); err == nil {
		// The private network namespace has only loopback, down; bring
		// it up so programs can talk to themselves, never to the host.
		initCmd = []string{"/usr/sbin/ip", "link", "set", "dev", "lo", "up"}
	}
	builder := container.Builder{
		TmpRoot:       "coderacer-root-*",
		Mounts:        s.mounts,
		MaskPaths:     maskedPaths,
		WorkDir:       WorkDir,
		CredGenerator: uidCred(s.cfg.FirstUID + index),
		HostName:      "coderacer",
		DomainName:    "coderacer",
		InitCommand:   initCmd,
		// Each program gets a cgroup namespace rooted at its own run's
		// cgroup, so /proc/self/cgroup shows "/" and no host path.
		UnshareCgroupBeforeExec: true,
	}
	s.buildMu.Lock()
	defer s.buildMu.Unlock()
	env, err := builder.Build()
	if err != nil {
		return nil, fmt.Errorf("sandbox: start box %d: %w", index, err)
	}
	initPid, err := s.newInitPid()
	if err != nil {
		_ = env.Destroy()
		return nil, fmt.Errorf("sandbox: box %d: %w", index, err)
	}
	work, err := openWork(initPid)
	if err != nil {
		_ = env.Destroy()
		return nil, fmt.Errorf("sandbox: box %d: %w", index, err)
	}
	b := &Box{s: s, env: env, index: index, initPid: initPid, work: work,
		chunks: [2][]byte{make([]byte, 32<<10), make([]byte, 32<<10)}}
	if s.cg.version == cgroup.TypeV1 {
		if b.cg, err = s.cg.newBox(fmt.Sprintf("box-%d", s.runSeq.Add(1)), initPid); err != nil {
			work.Close()
			_ = env.Destroy()
			return nil, fmt.Errorf("sandbox: box %d cgroup: %w", index, err)
		}
	}
	s.inits[initPid] = true
	s.mu.Lock()
	s.all[b] = struct{}{}
	s.mu.Unlock()
	return b, nil
}

// newInitPid finds the init of the container just started: the child of
// this process that runs as a container init and is not yet known.
// go-sandbox does not tell its pid.
func (s *Sandbox) newInitPid() (int, error) {
	self := os.Getpid()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0, err
	}
	found := 0
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || s.inits[pid] {
			continue
		}
		stat, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// The fields after the command name, which may hold anything,
		// start after its closing parenthesis: state, then ppid.
		fields := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
		if len(fields) < 2 || fields[1] != strconv.Itoa(self) {
			continue
		}
		cmdline, _ := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if args := strings.Split(string(cmdline), "\x00"); len(args) > 1 && args[1] == containerInitArg {
			if found != 0 {
				return 0, errors.New("more than one unknown container init")
			}
			found = pid
		}
	}
	if found == 0 {
		return 0, errors.New("container init not found")
	}
	return found, nil
}

// ErrClosed is returned by Acquire once Close has begun.
var ErrClosed = errors.New("sandbox: closed")

// Acquire waits for a free box. The caller must Release it.
func (s *Sandbox) Acquire(ctx context.Context) (*Box, error) {
	select {
	case b := <-s.free:
		return b, nil
	case <-s.closing:
		return nil, ErrClosed
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// release wipes a box and returns it to the pool. A box that cannot be
// wiped is destroyed and replaced: a dirty box must never run again.
func (s *Sandbox) release(b *Box) {
	s.removeCgroups(b)
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	if closed {
		s.destroyBox(b)
		return
	}
	if err := s.reset(b); err != nil {
		s.log.Error("box reset failed; replacing it", "box", b.index, "err", err)
		s.destroyBox(b)
		nb, err := s.newBox(b.index)
		if err != nil {
			s.log.Error("box replacement failed; pool shrinks", "box", b.index, "err", err)
			return
		}
		b = nb
	}
	s.free <- b
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

// resetTimeout bounds the wipe of a box: a container that does not answer
// in time is stuck and gets replaced.
const resetTimeout = 10 * time.Second

func (s *Sandbox) reset(b *Box) error {
	done := make(chan error, 1)
	go func() { done <- b.env.Reset() }()
	select {
	case err := <-done:
		if err == nil && b.cg != nil {
			err = b.cg.reclaim()
		}
		return err
	case <-time.After(resetTimeout):
		// Destroying the container kills its init, which unblocks Reset.
		return fmt.Errorf("no answer within %v", resetTimeout)
	}
}

func (s *Sandbox) destroyBox(b *Box) {
	b.work.Close()
	_ = b.env.Destroy()
	s.removeCgroups(b)
	if b.cg != nil {
		if err := b.cg.destroy(); err != nil {
			s.log.Error("remove box cgroup", "err", err)
		}
	}
	s.buildMu.Lock()
	delete(s.inits, b.initPid)
	s.buildMu.Unlock()
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
	if s.cg != nil {
		if err := s.cg.destroy(); err != nil {
			return fmt.Errorf("sandbox: remove cgroups: %w", err)
		}
	}
	return nil
}
