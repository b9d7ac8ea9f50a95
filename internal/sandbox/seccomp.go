package sandbox

import (
	"fmt"
	"slices"
	"syscall"

	"golang.org/x/net/bpf"

	"github.com/criyle/go-sandbox/pkg/seccomp"
	"github.com/criyle/go-sandbox/pkg/seccomp/libseccomp"
	seccompbpf "github.com/elastic/go-seccomp-bpf"
	"github.com/elastic/go-seccomp-bpf/arch"
	"golang.org/x/sys/unix"
)

const (
	auditArchX86_64 = 0xc000003e
	auditArchI386   = 0x40000003
	x32SyscallBit   = 0x40000000
	retAllow        = 0x7fff0000 // SECCOMP_RET_ALLOW
	retErrno        = 0x00050000 // SECCOMP_RET_ERRNO
)

// deniedSyscalls are refused with EPERM. User code never needs them, and
// each has been the door of a known container escape or kernel exploit.
// Most would also fail for lack of capabilities; the filter is the second
// wall, and it also covers calls that need no capability at all (bpf,
// userfaultfd, io_uring, perf_event_open, keyctl, unshare).
var deniedSyscalls = []string{
	// file systems and mounts
	"mount", "umount2", "pivot_root", "chroot", "move_mount", "open_tree",
	"fsopen", "fsconfig", "fsmount", "fspick", "mount_setattr",
	"name_to_handle_at", "open_by_handle_at", "quotactl", "quotactl_fd",
	"fanotify_init", "swapon", "swapoff",
	// namespaces
	"unshare", "setns",
	// other processes and the kernel's memory
	"ptrace", "process_vm_readv", "process_vm_writev", "kcmp", "pidfd_getfd",
	"userfaultfd", "perf_event_open", "bpf",
	// keys
	"keyctl", "add_key", "request_key",
	// io_uring bypasses the seccomp filter for the calls it performs
	"io_uring_setup", "io_uring_enter", "io_uring_register",
	// the machine
	"kexec_load", "kexec_file_load", "init_module", "finit_module",
	"delete_module", "reboot", "syslog", "acct", "iopl", "ioperm",
	"settimeofday", "clock_settime", "clock_adjtime", "adjtimex",
	"sethostname", "setdomainname", "vhangup", "lookup_dcookie",
	"nfsservctl", "personality",
}

// notImplemented are reported as not implemented (ENOSYS). clone3 passes
// its flags in memory, out of the filter's reach; ENOSYS makes libc fall
// back to clone, whose flags are checked. System V IPC and POSIX message
// queues live in the box's IPC namespace, which outlives a run: objects
// (and their memory, charged to no run) would pass to the next user.
var notImplemented = []string{"clone3", "shmget", "msgget", "semget", "mq_open"}

// i386Allowed are the only i386 system calls (int $0x80) let through, by
// number: exit, read, write, close, time, getpid, lseek, brk, gettimeofday,
// munmap, sigreturn, readv, writev, nanosleep, rt_sigreturn, mmap2,
// fstat64, exit_group, clock_gettime: what a 32-bit assembly program needs
// for input, output, memory and exit. The x32 ABI gets nothing.
var i386Allowed = []uint32{1, 3, 4, 6, 13, 20, 19, 45, 78, 91, 119, 145, 146, 162, 173, 192, 197, 252, 265}

// namespaceFlags are the clone flags that create namespaces: a new user
// namespace would give user code capabilities over its own namespaces.
const namespaceFlags = unix.CLONE_NEWUSER | unix.CLONE_NEWNS | unix.CLONE_NEWPID |
	unix.CLONE_NEWNET | unix.CLONE_NEWUTS | unix.CLONE_NEWIPC | unix.CLONE_NEWCGROUP

var (
	denyEPERM  = seccompbpf.ActionErrno | seccompbpf.Action(syscall.EPERM)
	denyENOSYS = seccompbpf.ActionErrno | seccompbpf.Action(syscall.ENOSYS)
)

// conditionalDenials are the calls refused only for some arguments:
// clone with any flag that creates a namespace.
//
// No rule tries to keep a program from sending itself SIGXCPU or SIGXFSZ:
// besides kill and its kin, the kernel sends any signal a program asks
// for (timers, F_SETSIG, a child's exit signal, the parent-death signal).
// The engine judges limits by facts instead (the cgroup's CPU time, a
// file at the size limit), never by the signal.
func conditionalDenials() []seccompbpf.NameWithConditions {
	return []seccompbpf.NameWithConditions{{
		Name:       "clone",
		Conditions: seccompbpf.ArgumentConditions{{Argument: 0, Operation: seccompbpf.BitsSet, Value: namespaceFlags}},
	}}
}

// The outcomes a native call can reach in the filter, in the order their
// instructions follow the search tree.
const (
	outAllow = iota
	outEPERM
	outENOSYS
	outConditional // the argument checks that follow the outcomes
)

// buildSeccompFilter assembles the deny policy for x86-64: everything not
// listed is allowed, so runtimes keep working.
//
// The kernel runs the filter on every system call, and when it is loaded,
// once for every call number of both ABIs, to learn which calls it may
// allow without running it. A linear list of ~80 comparisons made that
// cost about 0.13 ms per program started, so the native call number is
// found by binary search (a dozen instructions on any path). The
// comparison on arguments (clone's flags) is assembled by the policy
// library, reached only for that call.
func buildSeccompFilter() (seccomp.Filter, error) {
	info, err := arch.GetInfo("amd64")
	if err != nil {
		return nil, err
	}
	outcome := make(map[uint32]int)
	set := func(names []string, out int) error {
		for _, name := range names {
			nr, ok := info.SyscallNames[name]
			if !ok {
				return fmt.Errorf("seccomp policy: unknown system call %q", name)
			}
			outcome[uint32(nr)] = out
		}
		return nil
	}
	conditional := conditionalDenials()
	var conditionalNames []string
	for _, c := range conditional {
		conditionalNames = append(conditionalNames, c.Name)
	}
	for _, s := range []struct {
		names []string
		out   int
	}{{deniedSyscalls, outEPERM}, {notImplemented, outENOSYS}, {conditionalNames, outConditional}} {
		if err := set(s.names, s.out); err != nil {
			return nil, err
		}
	}
	// Numbers with the x32 bit (and anything larger) are another ABI.
	native, err := searchTree(segments(outcome, outAllow, x32SyscallBit, outENOSYS))
	if err != nil {
		return nil, err
	}
	checks, err := (&seccompbpf.Policy{
		DefaultAction: seccompbpf.ActionAllow,
		Syscalls:      []seccompbpf.SyscallGroup{{Action: denyEPERM, NamesWithCondtions: conditional}},
	}).Assemble()
	if err != nil {
		return nil, fmt.Errorf("assemble seccomp argument checks: %w", err)
	}
	enosys := bpf.RetConstant{Val: retErrno | uint32(syscall.ENOSYS)}
	allow := bpf.RetConstant{Val: retAllow}

	prog := []bpf.Instruction{
		bpf.LoadAbsolute{Off: 4, Size: 4}, // arch
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: auditArchX86_64, SkipTrue: 1},
		nil,                               // the jump to the foreign ABIs, once their place is known
		bpf.LoadAbsolute{Off: 0, Size: 4}, // nr
	}
	prog = append(prog, native...)
	prog = append(prog, allow, bpf.RetConstant{Val: retErrno | uint32(syscall.EPERM)}, enosys)
	prog = append(prog, checks...)
	prog[2] = bpf.Jump{Skip: uint32(len(prog) - 3)}

	// i386 (int $0x80) and any other ABI: only i386Allowed passes.
	i386 := make(map[uint32]int)
	for _, nr := range i386Allowed {
		i386[nr] = outAllow
	}
	foreign, err := searchTree(segments(i386, 1, 0, 0))
	if err != nil {
		return nil, err
	}
	prog = append(prog,
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: auditArchI386, SkipFalse: uint8(len(foreign) + 2)},
		bpf.LoadAbsolute{Off: 0, Size: 4}, // nr
	)
	prog = append(prog, foreign...)
	prog = append(prog, allow, enosys)

	filter, err := libseccomp.ExportBPF(prog)
	if err != nil {
		return nil, fmt.Errorf("export seccomp filter: %w", err)
	}
	return filter, nil
}

// segment is a run of call numbers, from start up to the next segment's
// start, that reach the same outcome.
type segment struct {
	start   uint32
	outcome int
}

// segments turns the outcomes of single call numbers into runs covering
// every number, with otherwise where none is given; from limit on (when
// not 0), every number reaches above.
func segments(outcomes map[uint32]int, otherwise int, limit uint32, above int) []segment {
	nrs := make([]uint32, 0, len(outcomes))
	for nr := range outcomes {
		if limit == 0 || nr < limit {
			nrs = append(nrs, nr)
		}
	}
	slices.Sort(nrs)
	segs := []segment{{0, otherwise}}
	add := func(start uint32, out int) {
		last := &segs[len(segs)-1]
		switch {
		case last.start == start:
			last.outcome = out
			if n := len(segs); n > 1 && segs[n-2].outcome == out {
				segs = segs[:n-1]
			}
		case last.outcome != out:
			segs = append(segs, segment{start, out})
		}
	}
	for _, nr := range nrs {
		add(nr, outcomes[nr])
		if _, next := outcomes[nr+1]; !next && nr+1 != limit {
			add(nr+1, otherwise)
		}
	}
	if limit != 0 {
		add(limit, above)
	}
	return segs
}

// searchTree returns a binary search over the call number in the
// accumulator that jumps, for a number in a segment of outcome k, to the
// k-th instruction after the tree.
func searchTree(segs []segment) ([]bpf.Instruction, error) {
	nodes := len(segs) - 1
	if nodes == 0 {
		if segs[0].outcome == 0 {
			return nil, nil
		}
		return []bpf.Instruction{bpf.Jump{Skip: uint32(segs[0].outcome)}}, nil
	}
	prog := make([]bpf.Instruction, nodes)
	var err error
	// place puts the node of segs[lo:hi] at index at and returns where a
	// jump to that subtree lands.
	var place func(lo, hi, at int) int
	place = func(lo, hi, at int) int {
		if hi-lo == 1 {
			return nodes + segs[lo].outcome
		}
		mid := (lo + hi) / 2
		left := place(lo, mid, at+1)
		right := place(mid, hi, at+1+(mid-lo-1))
		skipTrue, skipFalse := right-at-1, left-at-1
		if skipTrue > 255 || skipFalse > 255 {
			err = fmt.Errorf("seccomp search tree too large (%d segments)", len(segs))
		}
		prog[at] = bpf.JumpIf{Cond: bpf.JumpGreaterOrEqual, Val: segs[mid].start,
			SkipTrue: uint8(skipTrue), SkipFalse: uint8(skipFalse)}
		return at
	}
	place(0, len(segs), 0)
	return prog, err
}
