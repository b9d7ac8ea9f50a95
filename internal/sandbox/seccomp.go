package sandbox

import (
	"fmt"
	"syscall"

	"golang.org/x/net/bpf"

	"github.com/criyle/go-sandbox/pkg/seccomp"
	"github.com/criyle/go-sandbox/pkg/seccomp/libseccomp"
	seccompbpf "github.com/elastic/go-seccomp-bpf"
	"golang.org/x/sys/unix"
)

// The policy library allows every call made through another ABI than the
// native one (its default action), so the i386 entry (int $0x80) would
// reach unshare, mount, io_uring and the rest unfiltered. foreignABIGuard
// runs first: x32 calls get ENOSYS, and i386 calls are limited to the few a
// 32-bit assembly program needs for input, output, memory and exit.
const (
	auditArchX86_64 = 0xc000003e
	auditArchI386   = 0x40000003
	x32SyscallBit   = 0x40000000
	retAllow        = 0x7fff0000 // SECCOMP_RET_ALLOW
	retErrno        = 0x00050000 // SECCOMP_RET_ERRNO
)

// i386Allowed are i386 system call numbers: exit, read, write, close,
// time, getpid, lseek, brk, gettimeofday, munmap, sigreturn, readv, writev,
// nanosleep, rt_sigreturn, mmap2, fstat64, exit_group, clock_gettime.
var i386Allowed = []uint32{1, 3, 4, 6, 13, 20, 19, 45, 78, 91, 119, 145, 146, 162, 173, 192, 197, 252, 265}

func foreignABIGuard() []bpf.Instruction {
	enosys := bpf.RetConstant{Val: retErrno | uint32(syscall.ENOSYS)}
	foreign := []bpf.Instruction{
		// The accumulator holds the architecture.
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: auditArchI386, SkipFalse: uint8(len(i386Allowed) + 1)},
		bpf.LoadAbsolute{Off: 0, Size: 4}, // nr
	}
	for i, nr := range i386Allowed {
		foreign = append(foreign, bpf.JumpIf{Cond: bpf.JumpEqual, Val: nr, SkipTrue: uint8(len(i386Allowed) - i)})
	}
	foreign = append(foreign, enosys, bpf.RetConstant{Val: retAllow})
	native := []bpf.Instruction{
		bpf.LoadAbsolute{Off: 4, Size: 4}, // arch
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: auditArchX86_64, SkipFalse: 4},
		bpf.LoadAbsolute{Off: 0, Size: 4}, // nr
		bpf.JumpIf{Cond: bpf.JumpGreaterOrEqual, Val: x32SyscallBit, SkipFalse: 1},
		enosys,
		bpf.Jump{Skip: uint32(len(foreign))}, // to the policy proper
	}
	return append(native, foreign...)
}

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

// namespaceFlags are the clone flags that create namespaces: a new user
// namespace would give user code capabilities over its own namespaces.
const namespaceFlags = unix.CLONE_NEWUSER | unix.CLONE_NEWNS | unix.CLONE_NEWPID |
	unix.CLONE_NEWNET | unix.CLONE_NEWUTS | unix.CLONE_NEWIPC | unix.CLONE_NEWCGROUP

// buildSeccompFilter assembles the deny policy: everything not listed is
// allowed, so runtimes keep working, and every listed call fails with EPERM.
func buildSeccompFilter() (seccomp.Filter, error) {
	deny := seccompbpf.ActionErrno | seccompbpf.Action(syscall.EPERM)
	var conditional []seccompbpf.NameWithConditions
	for bit := uint64(1); bit != 0 && bit <= namespaceFlags; bit <<= 1 {
		if namespaceFlags&bit == 0 {
			continue
		}
		conditional = append(conditional, seccompbpf.NameWithConditions{
			Name: "clone",
			Conditions: seccompbpf.ArgumentConditions{
				{Argument: 0, Operation: seccompbpf.BitsSet, Value: bit},
			},
		})
	}
	// SIGXCPU and SIGXFSZ mean "the CPU time or file size rlimit was
	// reached". Only the kernel may send them, so that a program cannot
	// pass itself off as one that hit a limit.
	for _, sig := range []uint64{uint64(syscall.SIGXCPU), uint64(syscall.SIGXFSZ)} {
		for name, arg := range map[string]uint32{
			"kill": 1, "tkill": 1, "tgkill": 2, "rt_sigqueueinfo": 1,
			"rt_tgsigqueueinfo": 2, "pidfd_send_signal": 1,
		} {
			conditional = append(conditional, seccompbpf.NameWithConditions{
				Name:       name,
				Conditions: seccompbpf.ArgumentConditions{{Argument: arg, Operation: seccompbpf.Equal, Value: sig}},
			})
		}
	}
	policy := seccompbpf.Policy{
		DefaultAction: seccompbpf.ActionAllow,
		Syscalls: []seccompbpf.SyscallGroup{
			{Action: deny, Names: deniedSyscalls},
			{Action: deny, NamesWithCondtions: conditional},
			// clone3 passes its flags in memory, out of the filter's
			// reach; ENOSYS makes libc fall back to clone, which is checked.
			// System V IPC and POSIX message queues live in the box's IPC
			// namespace, which outlives a run: objects (and their memory,
			// charged to no run) would pass to the next user. They are
			// reported as not implemented.
			{Action: seccompbpf.ActionErrno | seccompbpf.Action(syscall.ENOSYS), Names: []string{
				"clone3", "shmget", "msgget", "semget", "mq_open",
			}},
		},
	}
	program, err := policy.Assemble()
	if err != nil {
		return nil, fmt.Errorf("assemble seccomp policy: %w", err)
	}
	filter, err := libseccomp.ExportBPF(append(foreignABIGuard(), program...))
	if err != nil {
		return nil, fmt.Errorf("export seccomp filter: %w", err)
	}
	return filter, nil
}
