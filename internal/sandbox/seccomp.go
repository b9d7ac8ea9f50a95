package sandbox

import (
	"fmt"
	"syscall"

	"github.com/criyle/go-sandbox/pkg/seccomp"
	"github.com/criyle/go-sandbox/pkg/seccomp/libseccomp"
	seccompbpf "github.com/elastic/go-seccomp-bpf"
	"golang.org/x/sys/unix"
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

// namespaceFlags are the clone flags that create namespaces: a new user
// namespace would give user code capabilities over its own namespaces.
const namespaceFlags = unix.CLONE_NEWUSER | unix.CLONE_NEWNS | unix.CLONE_NEWPID |
	unix.CLONE_NEWNET | unix.CLONE_NEWUTS | unix.CLONE_NEWIPC | unix.CLONE_NEWCGROUP

// buildSeccompFilter assembles the deny policy: everything not listed is
// allowed, so runtimes keep working, and every listed call fails with EPERM.
func buildSeccompFilter() (seccomp.Filter, error) {
	deny := seccompbpf.ActionErrno | seccompbpf.Action(syscall.EPERM)
	var cloneConds []seccompbpf.NameWithConditions
	for bit := uint64(1); bit != 0 && bit <= namespaceFlags; bit <<= 1 {
		if namespaceFlags&bit == 0 {
			continue
		}
		cloneConds = append(cloneConds, seccompbpf.NameWithConditions{
			Name: "clone",
			Conditions: seccompbpf.ArgumentConditions{
				{Argument: 0, Operation: seccompbpf.BitsSet, Value: bit},
			},
		})
	}
	policy := seccompbpf.Policy{
		DefaultAction: seccompbpf.ActionAllow,
		Syscalls: []seccompbpf.SyscallGroup{
			{Action: deny, Names: deniedSyscalls},
			{Action: deny, NamesWithCondtions: cloneConds},
			// clone3 passes its flags in memory, out of the filter's
			// reach; ENOSYS makes libc fall back to clone, which is checked.
			{Action: seccompbpf.ActionErrno | seccompbpf.Action(syscall.ENOSYS), Names: []string{"clone3"}},
		},
	}
	program, err := policy.Assemble()
	if err != nil {
		return nil, fmt.Errorf("assemble seccomp policy: %w", err)
	}
	filter, err := libseccomp.ExportBPF(program)
	if err != nil {
		return nil, fmt.Errorf("export seccomp filter: %w", err)
	}
	return filter, nil
}
