package attack

import (
	"os"
	"strings"
	"testing"
	"time"
)

// kernelHost is what the kernel attacks must not change on the host.
type kernelHost struct {
	hostname string
	mounts   map[string]bool // lines of this process's /proc/self/mountinfo
	wall     time.Time       // wall clock only
	mono     time.Time       // with the monotonic reading
}

func kernelSnapshot(t *testing.T) kernelHost {
	t.Helper()
	name, err := os.Hostname()
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	mounts := map[string]bool{}
	for _, l := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		mounts[l] = true
	}
	now := time.Now()
	return kernelHost{hostname: name, mounts: mounts, wall: now.Round(0), mono: now}
}

// kernelCompare fails if the host changed between before and after: the
// hostname, the mount table (no new line), the wall clock (it must have
// advanced by the monotonic clock's elapsed time, within a second).
func kernelCompare(t *testing.T, before, after kernelHost) {
	t.Helper()
	if after.hostname != before.hostname {
		t.Errorf("the host's hostname changed from %q to %q", before.hostname, after.hostname)
	}
	var added []string
	for l := range after.mounts {
		if !before.mounts[l] {
			added = append(added, l)
		}
	}
	if len(added) > 0 || len(after.mounts) > len(before.mounts) {
		t.Errorf("the host's mount table grew from %d to %d lines; new: %q", len(before.mounts), len(after.mounts), added)
	}
	elapsed := after.mono.Sub(before.mono)
	wallElapsed := after.wall.Sub(before.wall)
	if d := wallElapsed - elapsed; d > time.Second || d < -time.Second {
		t.Errorf("the host's wall clock moved by %v beyond the %v that passed", d, elapsed)
	}
}

// TestKernelSyscallsRefused: every system call that reaches into the
// kernel's privileged or most attacked surfaces is refused with the exact
// errno the seccomp policy (or the kernel, for mknod) gives, and nothing of
// the host changes: hostname, clock, mount table.
func TestKernelSyscallsRefused(t *testing.T) {
	before := kernelSnapshot(t)
	runAttacks(t, kernelAttacks())
	kernelCompare(t, before, kernelSnapshot(t))
}

func kernelAttacks() []attack {
	return []attack{
		{
			name: "mount_tmpfs",
			req: cMain(`mkdir("/tmp/m", 0755);
	TRY("mount_tmpfs", mount("none", "/tmp/m", "tmpfs", 0, "size=1m"));
	TRY("mount_tmpfs_over_usr", mount("none", "/usr", "tmpfs", 0, NULL));`),
			status: "OK",
			stdout: lines("mount_tmpfs EPERM", "mount_tmpfs_over_usr EPERM"),
		},
		{
			name: "mount_proc_sysfs_cgroup",
			req: cMain(`mkdir("/tmp/m", 0755);
	TRY("mount_proc", mount("proc", "/tmp/m", "proc", 0, NULL));
	TRY("mount_sysfs", mount("sysfs", "/tmp/m", "sysfs", 0, NULL));
	TRY("mount_cgroup2", mount("cgroup2", "/tmp/m", "cgroup2", 0, NULL));`),
			status: "OK",
			stdout: lines("mount_proc EPERM", "mount_sysfs EPERM", "mount_cgroup2 EPERM"),
		},
		{
			name: "mount_bind_and_remount",
			req: cMain(`mkdir("/tmp/m", 0755);
	TRY("mount_bind", mount("/w", "/tmp/m", NULL, MS_BIND, NULL));
	TRY("mount_bind_proc1_root", mount("/proc/1/root", "/tmp/m", NULL, MS_BIND | MS_REC, NULL));
	TRY("remount_root_rw", mount(NULL, "/", NULL, MS_REMOUNT, NULL));
	TRY("remount_usr_rw", mount(NULL, "/usr", NULL, MS_REMOUNT | MS_BIND, NULL));
	TRY("make_shared", mount(NULL, "/", NULL, MS_SHARED | MS_REC, NULL));`),
			status: "OK",
			stdout: lines("mount_bind EPERM", "mount_bind_proc1_root EPERM", "remount_root_rw EPERM", "remount_usr_rw EPERM", "make_shared EPERM"),
		},
		{
			name: "new_mount_api",
			req: cMain(`TRY("fsopen", syscall(SYS_fsopen, "tmpfs", 0));
	TRY("open_tree", syscall(SYS_open_tree, AT_FDCWD, "/w", 1 /* OPEN_TREE_CLONE */));
	TRY("fspick", syscall(SYS_fspick, AT_FDCWD, "/", 0));
	TRY("mount_setattr", syscall(SYS_mount_setattr, AT_FDCWD, "/", 0, NULL, 0));`),
			status: "OK",
			stdout: lines("fsopen EPERM", "open_tree EPERM", "fspick EPERM", "mount_setattr EPERM"),
		},
		{
			// Unmounting a mask would reveal what it hides.
			name: "umount2_masks",
			req: cMain(`TRY("umount_usr_local", umount2("/usr/local", MNT_DETACH));
	TRY("umount_proc_keys", umount2("/proc/keys", MNT_DETACH));
	TRY("umount_proc", umount2("/proc", MNT_DETACH));
	TRY("umount_w", umount2("/w", 0));`),
			status: "OK",
			stdout: lines("umount_usr_local EPERM", "umount_proc_keys EPERM", "umount_proc EPERM", "umount_w EPERM"),
		},
		{
			name: "unshare_every_namespace",
			req: cMain(`TRY("unshare_user", unshare(CLONE_NEWUSER));
	TRY("unshare_mnt", unshare(CLONE_NEWNS));
	TRY("unshare_net", unshare(CLONE_NEWNET));
	TRY("unshare_pid", unshare(CLONE_NEWPID));
	TRY("unshare_uts", unshare(CLONE_NEWUTS));
	TRY("unshare_ipc", unshare(CLONE_NEWIPC));
	TRY("unshare_cgroup", unshare(CLONE_NEWCGROUP));
	TRY("unshare_time", unshare(CLONE_NEWTIME));
	TRY("unshare_user_mnt", unshare(CLONE_NEWUSER | CLONE_NEWNS));`),
			status: "OK",
			stdout: lines("unshare_user EPERM", "unshare_mnt EPERM", "unshare_net EPERM", "unshare_pid EPERM",
				"unshare_uts EPERM", "unshare_ipc EPERM", "unshare_cgroup EPERM", "unshare_time EPERM", "unshare_user_mnt EPERM"),
		},
		{
			name: "clone_with_namespace_flags",
			req: cMain(`long flags[] = {CLONE_NEWUSER, CLONE_NEWNS, CLONE_NEWNET, CLONE_NEWPID, CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWCGROUP};
	const char *names[] = {"clone_newuser", "clone_newns", "clone_newnet", "clone_newpid", "clone_newuts", "clone_newipc", "clone_newcgroup"};
	for (int i = 0; i < 7; i++) {
		long r = syscall(SYS_clone, flags[i] | SIGCHLD, 0, 0, 0, 0);
		if (r == 0) _exit(0); /* a child escaped the filter: let the parent report it */
		int e = errno;
		if (r > 0) waitpid(r, NULL, 0);
		printf("%s %s\n", names[i], r < 0 ? errname(e) : "OK");
	}`),
			status: "OK",
			stdout: lines("clone_newuser EPERM", "clone_newns EPERM", "clone_newnet EPERM", "clone_newpid EPERM",
				"clone_newuts EPERM", "clone_newipc EPERM", "clone_newcgroup EPERM"),
		},
		{
			// clone3 passes its flags in memory the filter cannot read: it
			// must be ENOSYS whatever the flags, and fork must still work
			// (glibc falls back to clone).
			name: "clone3",
			req: cMain(`struct clone_args ca;
	memset(&ca, 0, sizeof ca);
	ca.flags = CLONE_NEWUSER; ca.exit_signal = SIGCHLD;
	long r = syscall(SYS_clone3, &ca, sizeof ca);
	if (r == 0) _exit(0);
	printf("clone3_newuser %s\n", r < 0 ? errname(errno) : "OK");
	memset(&ca, 0, sizeof ca);
	ca.exit_signal = SIGCHLD;
	r = syscall(SYS_clone3, &ca, sizeof ca);
	if (r == 0) _exit(0);
	printf("clone3_plain %s\n", r < 0 ? errname(errno) : "OK");
	pid_t p = fork();
	if (p == 0) _exit(7);
	int st = 0;
	waitpid(p, &st, 0);
	printf("fork_fallback exit=%d\n", WEXITSTATUS(st));`),
			status: "OK",
			stdout: lines("clone3_newuser ENOSYS", "clone3_plain ENOSYS", "fork_fallback exit=7"),
		},
		{
			name: "setns_every_namespace",
			req: cMain(`const char *ns[] = {"cgroup", "ipc", "mnt", "net", "pid", "pid_for_children", "time", "time_for_children", "user", "uts"};
	for (int i = 0; i < 10; i++) {
		char path[64];
		snprintf(path, sizeof path, "/proc/self/ns/%s", ns[i]);
		int fd = open(path, O_RDONLY);
		if (fd < 0) { printf("setns_%s open %s\n", ns[i], errname(errno)); continue; }
		long r = syscall(SYS_setns, fd, 0);
		printf("setns_%s %s\n", ns[i], r < 0 ? errname(errno) : "OK");
		close(fd);
	}
	int fd = open("/proc/1/ns/mnt", O_RDONLY);
	printf("open_init_mnt_ns %s\n", fd < 0 ? errname(errno) : "OK");`),
			status: "OK",
			stdout: lines("setns_cgroup EPERM", "setns_ipc EPERM", "setns_mnt EPERM", "setns_net EPERM", "setns_pid EPERM",
				"setns_pid_for_children EPERM", "setns_time EPERM", "setns_time_for_children EPERM", "setns_user EPERM",
				"setns_uts EPERM", "open_init_mnt_ns ENOENT"),
		},
		{
			name: "keyctl_add_key_request_key",
			req: cMain(`TRY("keyctl_get_keyring_id", syscall(SYS_keyctl, 0 /* KEYCTL_GET_KEYRING_ID */, -3 /* session */, 1));
	TRY("keyctl_join_session", syscall(SYS_keyctl, 1 /* KEYCTL_JOIN_SESSION_KEYRING */, "evil"));
	TRY("add_key", syscall(SYS_add_key, "user", "evil", "payload", 7, -3));
	TRY("request_key", syscall(SYS_request_key, "user", "evil", NULL, -3));`),
			status: "OK",
			stdout: lines("keyctl_get_keyring_id EPERM", "keyctl_join_session EPERM", "add_key EPERM", "request_key EPERM"),
		},
		{
			name: "bpf",
			req: cMain(`union { unsigned int u[32]; } attr;
	memset(&attr, 0, sizeof attr);
	attr.u[0] = 2; /* BPF_MAP_TYPE_ARRAY */
	attr.u[1] = 4; attr.u[2] = 4; attr.u[3] = 1;
	TRY("bpf_map_create", syscall(SYS_bpf, 0 /* BPF_MAP_CREATE */, &attr, sizeof attr));
	TRY("bpf_prog_load", syscall(SYS_bpf, 5 /* BPF_PROG_LOAD */, &attr, sizeof attr));`),
			status: "OK",
			stdout: lines("bpf_map_create EPERM", "bpf_prog_load EPERM"),
		},
		{
			name: "perf_event_open",
			req: cMain(`unsigned char attr[128];
	memset(attr, 0, sizeof attr);
	*(unsigned int *)(attr + 0) = 1;   /* PERF_TYPE_SOFTWARE */
	*(unsigned int *)(attr + 4) = 112; /* size: PERF_ATTR_SIZE_VER5 */
	TRY("perf_event_open_self", syscall(SYS_perf_event_open, attr, 0, -1, -1, 0));
	TRY("perf_event_open_cpu0", syscall(SYS_perf_event_open, attr, -1, 0, -1, 0));`),
			status: "OK",
			stdout: lines("perf_event_open_self EPERM", "perf_event_open_cpu0 EPERM"),
		},
		{
			name: "io_uring",
			req: cMain(`unsigned char params[120];
	memset(params, 0, sizeof params);
	TRY("io_uring_setup", syscall(SYS_io_uring_setup, 8, params));
	TRY("io_uring_enter", syscall(SYS_io_uring_enter, 0, 1, 0, 0, NULL, 0));
	TRY("io_uring_register", syscall(SYS_io_uring_register, 0, 0, NULL, 0));`),
			status: "OK",
			stdout: lines("io_uring_setup EPERM", "io_uring_enter EPERM", "io_uring_register EPERM"),
		},
		{
			name: "userfaultfd",
			req: cMain(`TRY("userfaultfd", syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK));
	TRY("userfaultfd_user_only", syscall(SYS_userfaultfd, O_CLOEXEC | 1 /* UFFD_USER_MODE_ONLY */));
	TRY("open_dev_userfaultfd", open("/dev/userfaultfd", O_RDWR));`),
			status: "OK",
			stdout: lines("userfaultfd EPERM", "userfaultfd_user_only EPERM", "open_dev_userfaultfd ENOENT"),
		},
		{
			name: "kexec",
			req: cMain(`TRY("kexec_load", syscall(SYS_kexec_load, 0, 0, NULL, 0));
	TRY("kexec_file_load", syscall(SYS_kexec_file_load, 0, 0, 0, "", 0x4 /* KEXEC_FILE_NO_INITRAMFS */));`),
			status: "OK",
			stdout: lines("kexec_load EPERM", "kexec_file_load EPERM"),
		},
		{
			name: "kernel_modules",
			req: cMain(`static char image[4096];
	TRY("init_module", syscall(SYS_init_module, image, sizeof image, ""));
	int fd = open("/proc/self/exe", O_RDONLY);
	TRY("finit_module", syscall(SYS_finit_module, fd, "", 0));
	TRY("delete_module", syscall(SYS_delete_module, "ext4", O_NONBLOCK));`),
			status: "OK",
			stdout: lines("init_module EPERM", "finit_module EPERM", "delete_module EPERM"),
		},
		{
			name: "chroot_pivot_root",
			req: cMain(`mkdir("/tmp/r", 0755);
	TRY("chroot", chroot("/tmp/r"));
	TRY("chroot_slash", chroot("/"));
	TRY("pivot_root", syscall(SYS_pivot_root, "/tmp", "/tmp/r"));`),
			status: "OK",
			stdout: lines("chroot EPERM", "chroot_slash EPERM", "pivot_root EPERM"),
		},
		{
			// /dev/mem (1,1), /dev/kmem (1,2), /dev/sda (8,0), /dev/vda
			// (254,0): device nodes are never created, and none is left.
			name: "mknod_devices",
			req: cMain(`TRY("mknod_mem", mknod("/tmp/mem", S_IFCHR | 0666, makedev(1, 1)));
	TRY("mknod_kmem", mknod("/w/kmem", S_IFCHR | 0666, makedev(1, 2)));
	TRY("mknod_sda", mknod("/tmp/sda", S_IFBLK | 0666, makedev(8, 0)));
	TRY("mknod_vda", mknod("/tmp/vda", S_IFBLK | 0666, makedev(254, 0)));
	TRY("mknodat_dev", mknodat(AT_FDCWD, "/dev/mem", S_IFCHR | 0666, makedev(1, 1)));
	struct stat st;
	printf("leftover %s %s %s\n", stat("/tmp/mem", &st) ? errname(errno) : "EXISTS",
		stat("/tmp/sda", &st) ? errname(errno) : "EXISTS", stat("/dev/mem", &st) ? errname(errno) : "EXISTS");`),
			status: "OK",
			stdout: lines("mknod_mem EPERM", "mknod_kmem EPERM", "mknod_sda EPERM", "mknod_vda EPERM", "mknodat_dev EROFS",
				"leftover ENOENT ENOENT ENOENT"),
		},
		{
			name: "iopl_ioperm",
			req: cMain(`TRY("iopl3", syscall(SYS_iopl, 3));
	TRY("ioperm_0x80", syscall(SYS_ioperm, 0x80, 1, 1));
	TRY("ioperm_all", syscall(SYS_ioperm, 0, 0x400, 1));
	TRY("open_dev_port", open("/dev/port", O_RDWR));`),
			status: "OK",
			stdout: lines("iopl3 EPERM", "ioperm_0x80 EPERM", "ioperm_all EPERM", "open_dev_port ENOENT"),
		},
		{
			name: "swapon_swapoff",
			req: cMain(`int fd = open("/tmp/swap", O_CREAT | O_RDWR, 0600);
	ftruncate(fd, 1 << 20);
	close(fd);
	TRY("swapon", syscall(SYS_swapon, "/tmp/swap", 0));
	TRY("swapoff", syscall(SYS_swapoff, "/dev/vda"));`),
			status: "OK",
			stdout: lines("swapon EPERM", "swapoff EPERM"),
		},
		{
			name: "reboot",
			req: cMain(`TRY("reboot_power_off", syscall(SYS_reboot, 0xfee1dead, 672274793, 0x4321fedc /* POWER_OFF */, NULL));
	TRY("reboot_restart", syscall(SYS_reboot, 0xfee1dead, 672274793, 0x01234567 /* RESTART */, NULL));
	TRY("reboot_cad_off", syscall(SYS_reboot, 0xfee1dead, 672274793, 0 /* CAD_OFF */, NULL));
	TRY("open_sysrq_trigger", open("/proc/sysrq-trigger", O_WRONLY));`),
			status: "OK",
			stdout: lines("reboot_power_off EPERM", "reboot_restart EPERM", "reboot_cad_off EPERM", "open_sysrq_trigger ENOENT"),
		},
		{
			// An hour forward, so a success would show on the host's
			// clock (kernelCompare).
			name: "set_clock",
			req: cMain(`struct timeval tv;
	gettimeofday(&tv, NULL);
	tv.tv_sec += 3600;
	TRY("settimeofday", syscall(SYS_settimeofday, &tv, NULL));
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 3600;
	TRY("clock_settime_realtime", syscall(SYS_clock_settime, CLOCK_REALTIME, &ts));
	TRY("clock_settime_tai", syscall(SYS_clock_settime, CLOCK_TAI, &ts));
	unsigned char tx[256];
	memset(tx, 0, sizeof tx);
	*(unsigned int *)tx = 0x0001; /* ADJ_OFFSET */
	TRY("adjtimex", syscall(SYS_adjtimex, tx));
	TRY("clock_adjtime", syscall(SYS_clock_adjtime, CLOCK_REALTIME, tx));
	struct timeval now;
	gettimeofday(&now, NULL);
	printf("clock_moved %s\n", now.tv_sec >= tv.tv_sec - 60 ? "YES" : "no");`),
			status: "OK",
			stdout: lines("settimeofday EPERM", "clock_settime_realtime EPERM", "clock_settime_tai EPERM", "adjtimex EPERM",
				"clock_adjtime EPERM", "clock_moved no"),
		},
		{
			name: "sethostname_setdomainname",
			req: cMain(`TRY("sethostname", sethostname("pwned-by-attack", 15));
	TRY("setdomainname", setdomainname("pwned-by-attack", 15));
	int fd = open("/proc/sys/kernel/hostname", O_WRONLY);
	printf("write_proc_hostname %s\n", fd < 0 ? errname(errno) : "OPENED");
	char name[65] = {0};
	gethostname(name, 64);
	printf("hostname %s\n", name);`),
			status: "OK",
			stdout: lines("sethostname EPERM", "setdomainname EPERM", "write_proc_hostname EROFS", "hostname coderacer"),
		},
		{
			name: "kernel_log",
			req: cMain(`static char buf[4096];
	TRY("syslog_read_all", syscall(SYS_syslog, 3 /* SYSLOG_ACTION_READ_ALL */, buf, sizeof buf));
	TRY("syslog_clear", syscall(SYS_syslog, 5 /* SYSLOG_ACTION_CLEAR */, NULL, 0));
	TRY("open_dev_kmsg", open("/dev/kmsg", O_RDONLY));
	TRY("open_proc_kmsg", open("/proc/kmsg", O_RDONLY));`),
			status: "OK",
			stdout: lines("syslog_read_all EPERM", "syslog_clear EPERM", "open_dev_kmsg ENOENT", "open_proc_kmsg EACCES"),
		},
		{
			// "Shocker": open a host file by its handle, bypassing the
			// mount namespace; fanotify would watch the host's files.
			name: "file_handles_and_fanotify",
			req: cMain(`unsigned char fh[128 + 8];
	int mnt;
	*(unsigned int *)fh = 128;
	TRY("name_to_handle_at", syscall(SYS_name_to_handle_at, AT_FDCWD, "/usr/bin/env", fh, &mnt, 0));
	*(unsigned int *)fh = 8; *(int *)(fh + 4) = 1; /* FILEID_INO32_GEN */
	*(unsigned long *)(fh + 8) = 2; /* inode 2: a file system's root */
	TRY("open_by_handle_at", syscall(SYS_open_by_handle_at, open("/usr", O_RDONLY), fh, O_RDONLY));
	TRY("fanotify_init", syscall(SYS_fanotify_init, 0, O_RDONLY));`),
			status: "OK",
			stdout: lines("name_to_handle_at EPERM", "open_by_handle_at EPERM", "fanotify_init EPERM"),
		},
		{
			// The classic escapes through /proc/sys (core_pattern runs a
			// host binary as root on a crash) and kernel settings.
			name: "proc_sys_writes",
			req: cMain(`const char *p[] = {"/proc/sys/kernel/core_pattern", "/proc/sys/fs/suid_dumpable", "/proc/sys/vm/drop_caches",
		"/proc/sys/kernel/hostname", "/proc/sys/net/ipv4/ip_forward", "/proc/self/oom_score_adj"};
	for (int i = 0; i < 6; i++) {
		int fd = open(p[i], O_WRONLY);
		if (fd < 0) { printf("%s %s\n", p[i], errname(errno)); continue; }
		long r = write(fd, "0\n", 2);
		printf("%s write %s\n", p[i], r < 0 ? errname(errno) : "OK");
		close(fd);
	}`),
			status: "OK",
			stdout: lines("/proc/sys/kernel/core_pattern EROFS", "/proc/sys/fs/suid_dumpable EROFS", "/proc/sys/vm/drop_caches EROFS",
				"/proc/sys/kernel/hostname EROFS", "/proc/sys/net/ipv4/ip_forward EROFS", "/proc/self/oom_score_adj EROFS"),
		},
		{
			// ASLR off (ADDR_NO_RANDOMIZE), READ_IMPLIES_EXEC.
			name: "personality",
			req: cMain(`TRY("personality_no_aslr", syscall(SYS_personality, 0x0040000));
	TRY("personality_read_implies_exec", syscall(SYS_personality, 0x0400000));
	TRY("acct", syscall(SYS_acct, "/tmp/acct"));
	TRY("quotactl", syscall(SYS_quotactl, 0x800002 /* Q_GETFMT */, "/dev/vda", 0, NULL));`),
			status: "OK",
			stdout: lines("personality_no_aslr EPERM", "personality_read_implies_exec EPERM", "acct EPERM", "quotactl EPERM"),
		},
		{
			// The filter and no_new_privs are in force in the program, and
			// it holds no capability. (The bounding set is not cleared; with
			// no_new_privs and nosuid mounts no execve can raise it.)
			name: "seccomp_and_no_new_privs_in_force",
			req: cMain(`FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	while (f && fgets(line, sizeof line, f))
		if (!strncmp(line, "Seccomp:", 8) || !strncmp(line, "NoNewPrivs:", 11) ||
			(!strncmp(line, "Cap", 3) && strncmp(line, "CapBnd:", 7)))
			printf("%s", line);`),
			status: "OK",
			stdout: lines("CapInh:\t0000000000000000", "CapPrm:\t0000000000000000", "CapEff:\t0000000000000000",
				"CapAmb:\t0000000000000000", "NoNewPrivs:\t1", "Seccomp:\t2"),
		},
		{
			// The x32 ABI (syscall numbers with bit 30 set) must not be a
			// way around the filter's list.
			name: "x32_abi",
			req: cMain(`TRY("x32_unshare_newuser", syscall(0x40000000 | SYS_unshare, CLONE_NEWUSER));
	TRY("x32_keyctl", syscall(0x40000000 | SYS_keyctl, 0, -3, 1));
	TRY("x32_mount", syscall(0x40000000 | SYS_mount, "none", "/tmp", "tmpfs", 0, NULL));`),
			status: "OK",
			stdout: lines("x32_unshare_newuser ENOSYS", "x32_keyctl ENOSYS", "x32_mount ENOSYS"),
		},
		{
			// The i386 ABI (int $0x80) has its own syscall numbers and
			// its own audit architecture: a filter written for x86_64
			// only would let them through. The sandbox allows only the
			// few i386 calls a 32-bit assembly program needs (I/O,
			// memory, exit); everything else is ENOSYS.
			name: "i386_abi_unshare_newuser",
			req: cMain(`TRY32("i386_unshare_newuser", sc32(310 /* unshare */, CLONE_NEWUSER, 0, 0, 0, 0));
	TRY32("i386_unshare_newns", sc32(310, CLONE_NEWNS, 0, 0, 0, 0));
	char *m = low32();
	strcpy(m, "none"); strcpy(m + 64, "/tmp"); strcpy(m + 128, "tmpfs");
	TRY32("i386_mount_tmpfs", sc32(21 /* mount */, (long)m, (long)(m + 64), (long)(m + 128), 0, 0));
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	while (f && fgets(line, sizeof line, f))
		if (!strncmp(line, "CapEff:", 7)) printf("%s", line);`),
			status: "OK",
			stdout: lines("i386_unshare_newuser ENOSYS", "i386_unshare_newns ENOSYS", "i386_mount_tmpfs ENOSYS", "CapEff:\t0000000000000000"),
		},
		{
			name: "i386_abi_denied_calls",
			req: cMain(`char *m = low32();
	TRY32("i386_io_uring_setup", sc32(425 /* io_uring_setup */, 8, (long)m, 0, 0, 0));
	TRY32("i386_keyctl", sc32(288 /* keyctl */, 0, -3, 1, 0, 0));
	unsigned int *attr = (unsigned int *)(m + 4096);
	attr[0] = 2; attr[1] = 4; attr[2] = 4; attr[3] = 1; /* an array map of one int */
	TRY32("i386_bpf", sc32(357 /* bpf */, 0 /* BPF_MAP_CREATE */, (long)attr, 48, 0, 0));
	TRY32("i386_setns", sc32(346 /* setns */, open("/proc/self/ns/net", O_RDONLY), 0, 0, 0, 0));
	long pid = sc32(120 /* clone */, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);
	if (pid == 0) _exit(0);
	if (pid > 0) waitpid(pid, NULL, 0);
	TRY32("i386_clone_newuser", pid);
	TRY32("i386_ptrace_init", sc32(26 /* ptrace */, 16 /* PTRACE_ATTACH */, 1, 0, 0, 0));`),
			status: "OK",
			stdout: lines("i386_io_uring_setup ENOSYS", "i386_keyctl ENOSYS", "i386_bpf ENOSYS", "i386_setns ENOSYS",
				"i386_clone_newuser ENOSYS", "i386_ptrace_init ENOSYS"),
		},
	}
}
