package sandbox

// The seccomp policy for native (x86-64) system calls is an allow-list:
// a call it does not name is ENOSYS, what a kernel without that call
// answers, so libc and runtimes fall back, and a call a new kernel adds
// stays out until someone decides to let it in.
//
// allowedSyscalls started from the list Docker's default profile allows
// to a container without capabilities (moby profiles/seccomp/default.json,
// proven across these runtimes for years), minus what we refuse below and
// what no runtime of ours needs: inotify (watches on the shared binds
// would show what a concurrent run opens), fanotify_mark, System V IPC and
// POSIX message queues (they would outlive a run in the box's IPC
// namespace), io_uring (it performs calls out of the filter's sight),
// name_to_handle_at, personality, modify_ldt, memfd_secret,
// process_mrelease, landlock, the NUMA policy calls, the obsolete
// epoll_*_old and remap_file_pages, and the kernel's AIO (io_setup
// reserves from fs.aio-max-nr, a limit the whole host shares, so one run
// could starve every other user of it; glibc's POSIX AIO uses threads).
// clone, socket, socketpair, setrlimit and prlimit64 are decided by their
// arguments (argChecks). The language tests (every runtime through the
// real server) prove the list complete.
var allowedSyscalls = []string{
	// files and directories
	"read", "write", "open", "openat", "openat2", "creat", "close", "close_range",
	"lseek", "pread64", "pwrite64", "readv", "writev", "preadv", "pwritev", "preadv2", "pwritev2",
	"stat", "fstat", "lstat", "newfstatat", "statx", "statfs", "fstatfs",
	"access", "faccessat", "faccessat2", "readlink", "readlinkat",
	"getdents", "getdents64", "getcwd", "chdir", "fchdir",
	"mkdir", "mkdirat", "rmdir", "rename", "renameat", "renameat2",
	"link", "linkat", "symlink", "symlinkat", "unlink", "unlinkat", "mknod", "mknodat",
	"chmod", "fchmod", "fchmodat", "fchmodat2", "chown", "fchown", "lchown", "fchownat", "umask",
	"truncate", "ftruncate", "fallocate", "fadvise64", "readahead",
	"fsync", "fdatasync", "sync", "syncfs", "sync_file_range",
	"utime", "utimes", "utimensat", "futimesat",
	"getxattr", "lgetxattr", "fgetxattr", "setxattr", "lsetxattr", "fsetxattr",
	"listxattr", "llistxattr", "flistxattr", "removexattr", "lremovexattr", "fremovexattr",
	"flock", "fcntl", "ioctl", "dup", "dup2", "dup3", "pipe", "pipe2",
	"sendfile", "splice", "tee", "vmsplice", "copy_file_range",
	// waiting and events
	"select", "pselect6", "poll", "ppoll",
	"epoll_create", "epoll_create1", "epoll_ctl", "epoll_wait", "epoll_pwait", "epoll_pwait2",
	"eventfd", "eventfd2", "signalfd", "signalfd4",
	"timerfd_create", "timerfd_settime", "timerfd_gettime",
	// memory
	"brk", "mmap", "munmap", "mremap", "mprotect", "madvise", "mincore", "msync",
	"mlock", "mlock2", "mlockall", "munlock", "munlockall",
	"memfd_create", "membarrier", "pkey_alloc", "pkey_free", "pkey_mprotect",
	// processes, threads and signals
	"fork", "vfork", "execve", "execveat", "exit", "exit_group", "wait4", "waitid",
	"kill", "tkill", "tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo",
	"rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "rt_sigpending", "rt_sigsuspend",
	"rt_sigtimedwait", "sigaltstack", "pause", "restart_syscall",
	"pidfd_open", "pidfd_send_signal",
	"futex", "futex_waitv", "set_robust_list", "get_robust_list", "set_tid_address", "rseq",
	"arch_prctl", "set_thread_area", "get_thread_area", "prctl", "seccomp",
	"getpid", "getppid", "gettid", "getpgid", "setpgid", "getpgrp", "getsid", "setsid",
	"getuid", "geteuid", "getgid", "getegid", "getresuid", "getresgid", "getgroups",
	"setuid", "setgid", "setreuid", "setregid", "setresuid", "setresgid", "setfsuid", "setfsgid", "setgroups",
	"capget", "capset", "getrlimit", "getrusage", "times",
	"getpriority", "setpriority", "ioprio_get", "ioprio_set",
	"sched_yield", "sched_getaffinity", "sched_setaffinity", "sched_getparam", "sched_setparam",
	"sched_getscheduler", "sched_setscheduler", "sched_get_priority_max", "sched_get_priority_min",
	"sched_rr_get_interval", "sched_getattr", "sched_setattr",
	// time
	"clock_gettime", "clock_getres", "clock_nanosleep", "nanosleep", "gettimeofday", "time",
	"alarm", "getitimer", "setitimer",
	"timer_create", "timer_settime", "timer_gettime", "timer_getoverrun", "timer_delete",
	// the system
	"uname", "sysinfo", "getrandom", "getcpu",
	// sockets (socket and socketpair are checked by family)
	"accept", "accept4", "bind", "connect", "listen", "shutdown",
	"getsockname", "getpeername", "getsockopt", "setsockopt",
	"sendto", "sendmsg", "sendmmsg", "recvfrom", "recvmsg", "recvmmsg",
}

// deniedSyscalls are refused with EPERM. User code never needs them, and
// each has been the door of a known container escape or kernel exploit.
// Most would also fail for lack of capabilities; the filter is the second
// wall, and it also covers calls that need no capability at all (bpf,
// userfaultfd, io_uring, perf_event_open, keyctl, unshare). Under an
// allow-list they would be ENOSYS anyway; EPERM says "not allowed", the
// answer these calls give an unprivileged caller, and keeps the intent
// visible.
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

// notImplemented are answered ENOSYS like every call the allow-list does
// not name; they are listed because the reason matters. clone3 passes its
// flags in memory, out of the filter's reach: ENOSYS makes libc fall back
// to clone, whose flags are checked. System V IPC and POSIX message
// queues live in the box's IPC namespace, which outlives a run: objects
// (and their memory, charged to no run) would pass to the next user.
// inotify watches on the read-only binds every box shares would show a
// program which files a concurrent run opens; ENOSYS is what a kernel
// without inotify answers, and file-watching libraries fall back to
// polling.
var notImplemented = []string{
	"clone3",
	"shmget", "shmat", "shmdt", "shmctl", "msgget", "msgsnd", "msgrcv", "msgctl",
	"semget", "semop", "semtimedop", "semctl",
	"mq_open", "mq_unlink", "mq_timedsend", "mq_timedreceive", "mq_notify", "mq_getsetattr",
	"inotify_init", "inotify_init1", "inotify_add_watch", "inotify_rm_watch", "fanotify_mark",
}

// i386Allowed are the only i386 system calls (int $0x80) let through, by
// number: exit, read, write, close, time, getpid, lseek, brk, gettimeofday,
// munmap, sigreturn, readv, writev, nanosleep, rt_sigreturn, mmap2,
// fstat64, exit_group, clock_gettime: what a 32-bit assembly program needs
// for input, output, memory and exit. The x32 ABI gets nothing.
var i386Allowed = []uint32{1, 3, 4, 6, 13, 20, 19, 45, 78, 91, 119, 145, 146, 162, 173, 192, 197, 252, 265}
