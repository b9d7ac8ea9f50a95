package attack

import "testing"

// TestSeccompAllowList: the seccomp policy is an allow-list, so a system
// call it does not name, whether a new kernel's (open_tree_attr,
// listmount, memfd_secret, mseal) or an old one no runtime needs
// (modify_ldt, the NUMA calls, migrate_pages), is ENOSYS, what a kernel
// without it answers, so libc and runtimes fall back. Call numbers that
// no kernel has assigned yet are ENOSYS too, whatever the future brings.
func TestSeccompAllowList(t *testing.T) {
	runAttacks(t, []attack{
		{
			name: "new_kernel_calls",
			req: kernelC(`char *page = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	TRY("memfd_secret", syscall(447, 0));
	TRY("process_mrelease", syscall(448, -1, 0));
	TRY("set_mempolicy_home_node", syscall(450, (long)page, 4096, 0, 0));
	TRY("cachestat", syscall(451, 0, NULL, NULL, 0));
	TRY("map_shadow_stack", syscall(453, 0, 4096, 0));
	TRY("futex_wake", syscall(454, page, 1, 1, 0x2 /* FUTEX2_SIZE_U32 */));
	TRY("statmount", syscall(457, NULL, NULL, 0, 0));
	TRY("listmount", syscall(458, NULL, NULL, 0, 0));
	TRY("lsm_list_modules", syscall(461, NULL, NULL, 0));
	TRY("mseal", syscall(462, (long)page, 4096, 0));
	TRY("getxattrat", syscall(464, AT_FDCWD, "/w", 0, "user.x", NULL, 0));
	TRY("open_tree_attr", syscall(467, AT_FDCWD, "/w", 0, NULL, 0));
	TRY("file_getattr", syscall(468, AT_FDCWD, "/w", NULL, 0, 0));`),
			status: "OK",
			stdout: lines("memfd_secret ENOSYS", "process_mrelease ENOSYS", "set_mempolicy_home_node ENOSYS", "cachestat ENOSYS",
				"map_shadow_stack ENOSYS", "futex_wake ENOSYS", "statmount ENOSYS", "listmount ENOSYS", "lsm_list_modules ENOSYS",
				"mseal ENOSYS", "getxattrat ENOSYS", "open_tree_attr ENOSYS", "file_getattr ENOSYS"),
		},
		{
			name: "unassigned_call_numbers",
			req: kernelC(`long nrs[] = {470, 471, 480, 500, 511, 512, 547, 600, 1000, 4096, 0x3fffffff};
	for (int i = 0; i < 11; i++) {
		errno = 0;
		long r = syscall(nrs[i], 0, 0, 0, 0, 0, 0);
		printf("call %ld %s\n", nrs[i], r < 0 ? errname(errno) : "OK");
	}`),
			status: "OK",
			stdout: lines("call 470 ENOSYS", "call 471 ENOSYS", "call 480 ENOSYS", "call 500 ENOSYS", "call 511 ENOSYS",
				"call 512 ENOSYS", "call 547 ENOSYS", "call 600 ENOSYS", "call 1000 ENOSYS", "call 4096 ENOSYS",
				"call 1073741823 ENOSYS"),
		},
		{
			name: "old_calls_no_runtime_needs",
			req: kernelC(`static char buf[64];
	unsigned long mask = 0;
	TRY("modify_ldt_read", syscall(SYS_modify_ldt, 0, buf, sizeof buf));
	TRY("get_mempolicy", syscall(SYS_get_mempolicy, NULL, NULL, 0, NULL, 0));
	TRY("set_mempolicy", syscall(SYS_set_mempolicy, 0 /* MPOL_DEFAULT */, NULL, 0));
	TRY("mbind", syscall(SYS_mbind, buf, 0, 0, NULL, 0, 0));
	TRY("migrate_pages", syscall(SYS_migrate_pages, 0, 64, &mask, &mask));
	TRY("move_pages", syscall(SYS_move_pages, 0, 0, NULL, NULL, NULL, 0));
	TRY("process_madvise", syscall(440 /* process_madvise */, -1, NULL, 0, 0, 0));
	TRY("landlock_create_ruleset", syscall(444, NULL, 0, 1 /* LANDLOCK_CREATE_RULESET_VERSION */));
	TRY("sysfs", syscall(SYS_sysfs, 3 /* number of file systems */));
	TRY("ustat", syscall(SYS_ustat, 0, buf));
	TRY("shmat", syscall(SYS_shmat, 0, NULL, 0));
	TRY("msgrcv", syscall(SYS_msgrcv, 0, buf, 8, 0, 04000 /* IPC_NOWAIT */));
	TRY("mq_unlink", syscall(SYS_mq_unlink, "/q"));`),
			status: "OK",
			stdout: lines("modify_ldt_read ENOSYS", "get_mempolicy ENOSYS", "set_mempolicy ENOSYS", "mbind ENOSYS",
				"migrate_pages ENOSYS", "move_pages ENOSYS", "process_madvise ENOSYS", "landlock_create_ruleset ENOSYS",
				"sysfs ENOSYS", "ustat ENOSYS", "shmat ENOSYS", "msgrcv ENOSYS", "mq_unlink ENOSYS"),
		},
	})
}

// TestInotifyRefused: inotify watches on the read-only binds every box
// shares (/usr) would show a program which files a concurrent run opens
// (Python's imports, a compiler's headers). inotify is ENOSYS, as on a
// kernel built without it, so file-watching libraries fall back to
// polling; fanotify_init stays EPERM and fanotify_mark is ENOSYS. No watch
// can be made, through either ABI.
func TestInotifyRefused(t *testing.T) {
	runAttacks(t, []attack{
		{
			name: "inotify_calls",
			req: kernelC(`int nfd = open("/dev/null", O_RDONLY);
	TRY("inotify_init", syscall(SYS_inotify_init));
	TRY("inotify_init1", syscall(SYS_inotify_init1, O_CLOEXEC | O_NONBLOCK));
	TRY("inotify_add_watch", syscall(SYS_inotify_add_watch, nfd, "/usr/lib", 0x20 /* IN_OPEN */));
	TRY("inotify_rm_watch", syscall(SYS_inotify_rm_watch, nfd, 1));
	TRY("fanotify_init", syscall(SYS_fanotify_init, 0, O_RDONLY));
	TRY("fanotify_mark", syscall(SYS_fanotify_mark, nfd, 1, 0x20, AT_FDCWD, "/usr"));
	TRY32("i386_inotify_init", sc32(291, 0, 0, 0, 0, 0));
	TRY32("i386_inotify_init1", sc32(332, 0, 0, 0, 0, 0));`),
			status: "OK",
			stdout: lines("inotify_init ENOSYS", "inotify_init1 ENOSYS", "inotify_add_watch ENOSYS", "inotify_rm_watch ENOSYS",
				"fanotify_init EPERM", "fanotify_mark ENOSYS", "i386_inotify_init ENOSYS", "i386_inotify_init1 ENOSYS"),
		},
		{
			// The attack itself: watch the shared binaries and see an open.
			name: "watch_shared_bind",
			req: kernelC(`int fd = syscall(SYS_inotify_init1, O_NONBLOCK);
	if (fd < 0) { printf("inotify_init1 %s\n", errname(errno)); return 0; }
	int w = syscall(SYS_inotify_add_watch, fd, "/usr/bin", 0x20 /* IN_OPEN */);
	printf("watch /usr/bin %s\n", w < 0 ? errname(errno) : "OK");
	close(open("/usr/bin/env", O_RDONLY));
	char ev[4096];
	long n = read(fd, ev, sizeof ev);
	printf("events %s\n", n > 0 ? "SEEN" : errname(errno));`),
			status: "OK",
			stdout: lines("inotify_init1 ENOSYS"),
		},
		{
			name: "python_inotify",
			req: python(`import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
for name in ("inotify_init", "inotify_init1"):
    fd = getattr(libc, name)(0) if name == "inotify_init1" else libc.inotify_init()
    print(name, "OK" if fd >= 0 else os.strerror(ctypes.get_errno()))
`),
			status: "OK",
			stdout: lines("inotify_init Function not implemented", "inotify_init1 Function not implemented"),
		},
	})
}
