package attack

import "github.com/coderacer/coderacer/test/testserver"

// cPrelude is the top of every C attack program: the headers the attacks
// use, and helpers that print what a call observed, so that assertions
// on stdout are exact and independent of the C library's messages:
//
//	errname(e)          errno e's name ("EPERM"), "OK" for 0;
//	en(r)               "OK" for r >= 0, else errno's name;
//	TRY(label, expr)    runs a call that returns < 0 and sets errno on
//	                    failure, and prints "label OK" or "label ENAME";
//	TRY32(label, expr)  the same for a raw call returning -errno (the
//	                    i386 ABI helper sc32);
//	sc32(nr, a..e)      a system call through the i386 ABI (int $0x80);
//	low32()             zeroed memory below 4 GiB, for sc32's pointers;
//	box()               prints the sandbox's host uid on stderr ("box=N").
const cPrelude = `#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <mqueue.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/netlink.h>
#include <linux/sched.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/auxv.h>
#include <sys/ioctl.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/msg.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/wait.h>

static const char *errname(int e) {
	static char buf[32];
	if (e == 0)
		return "OK";
	const char *name = strerrorname_np(e);
	if (name)
		return name;
	snprintf(buf, sizeof buf, "E%d", e);
	return buf;
}

static const char *en(long r) { return r < 0 ? errname(errno) : "OK"; }

#define TRY(label, expr) do { errno = 0; long r_ = (long)(expr); \
	printf("%s %s\n", (label), r_ < 0 ? errname(errno) : "OK"); fflush(stdout); } while (0)
#define TRY32(label, expr) do { long r_ = (expr); \
	printf("%s %s\n", (label), r_ < 0 ? errname((int)-r_) : "OK"); fflush(stdout); } while (0)

/* sc32 makes a system call through the i386 ABI (int $0x80), which a
   64-bit process may use when the kernel has IA32 emulation. */
static long sc32(long nr, long a, long b, long c, long d, long e) {
	long ret;
	__asm__ volatile("push %%rbp\n\tint $0x80\n\tpop %%rbp"
		: "=a"(ret)
		: "a"(nr), "b"(a), "c"(b), "d"(c), "S"(d), "D"(e)
		: "memory", "r8", "r9", "r10", "r11");
	return ret;
}

/* low32 returns zeroed memory below 4 GiB, for the i386 ABI's pointers. */
static char *low32(void) {
	char *m = mmap(0, 1 << 16, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
	if (m == MAP_FAILED) { perror("mmap"); exit(3); }
	return m;
}

/* box prints the sandbox's host uid (what uid 1000 inside maps to) on
   stderr, so that a test can tell which sandbox ran the program. */
static void box(void) {
	unsigned in, out, n;
	FILE *f = fopen("/proc/self/uid_map", "r");
	while (f && fscanf(f, "%u %u %u", &in, &out, &n) == 3)
		if (in == 1000)
			fprintf(stderr, "box=%u\n", out);
	if (f)
		fclose(f);
}

`

// cProgram is a C request: the prelude, then src (the rest of the
// program, main included).
func cProgram(src string) testserver.Request { return c(cPrelude + src) }

// cMain is a C request whose main runs body (with the prelude's helpers)
// and returns 0.
func cMain(body string) testserver.Request {
	return cProgram("\nint main(void) {\n" + body + "\n\treturn 0;\n}\n")
}
