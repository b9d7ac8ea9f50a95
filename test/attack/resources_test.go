package attack

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/coderacer/coderacer/test/testserver"
)

// Resources: CPU, memory, disk, output, stdin, descriptors, and the exact
// status of a run that ends under attack (TLE, MLE, OLE, RE and SG told
// apart). Default limits: CPU and wall 3 s, memory 256 MiB, 64 processes,
// 1 MiB per output stream, 16 MiB per file, 256 open files, /w and /tmp
// 64 MiB and 8192 inodes each.

const resourcesMiB = 1 << 20

// resourcesStage checks a response's fields beyond its status: the
// message, the signal and exit code, and that stdout is as given (the
// attack's stdout field cannot express "empty").
func resourcesStage(message, signal string, exitCode int, stdout string) func(t *testing.T, r *testserver.Response) {
	return func(t *testing.T, r *testserver.Response) {
		t.Helper()
		if r.Message != message {
			t.Errorf("message %q, want %q", r.Message, message)
		}
		if r.Signal != signal || r.ExitCode != exitCode {
			t.Errorf("signal %q exit code %d, want %q and %d", r.Signal, r.ExitCode, signal, exitCode)
		}
		if r.Stdout != stdout {
			t.Errorf("stdout %q, want %q", testserver.Shorten(r.Stdout, 300), stdout)
		}
	}
}

// resourcesCPUBurn checks a CPU-limited run: the CPU limit ended it (not
// the wall limit, which is set far away), the CPU time reported is at
// least 90% of the limit (every thread's and process's time counted) and
// not far past it (the engine stops the run soon after). The wall time is
// only logged: it depends on what else the machine runs.
func resourcesCPUBurn(limit time.Duration) func(t *testing.T, r *testserver.Response) {
	return func(t *testing.T, r *testserver.Response) {
		t.Helper()
		resourcesStage(fmt.Sprintf("CPU time limit of %v exceeded", limit), "SIGKILL", 137, r.Stdout)(t, r)
		cpu := testserver.Duration(t, "cpuTime", r.CPUTime)
		wall := testserver.Duration(t, "wallTime", r.WallTime)
		t.Logf("cpuTime %v wallTime %v request %v", cpu, wall, r.Elapsed)
		if cpu < limit*9/10 || cpu > 2*limit+500*time.Millisecond {
			t.Errorf("cpuTime %v, want from 0.9× to about 2× the %v limit", cpu, limit)
		}
	}
}

// resourcesMemoryPeak checks that an MLE run reports a peak near its
// memory limit, never above it.
func resourcesMemoryPeak(limit int64) func(t *testing.T, r *testserver.Response) {
	return func(t *testing.T, r *testserver.Response) {
		t.Helper()
		resourcesStage(fmt.Sprintf("memory limit of %d bytes exceeded", limit), "SIGKILL", 137, r.Stdout)(t, r)
		if r.Memory < limit*3/4 || r.Memory > limit {
			t.Errorf("memory %d, want the peak between 75%% of the %d limit and the limit", r.Memory, limit)
		}
	}
}

// resourcesNoStdout checks that a program killed before it could print
// printed nothing.
func resourcesNoStdout(t *testing.T, r *testserver.Response) {
	t.Helper()
	if r.Stdout != "" {
		t.Errorf("stdout %q, want empty", testserver.Shorten(r.Stdout, 300))
	}
}

func resourcesAll(checks ...func(t *testing.T, r *testserver.Response)) func(t *testing.T, r *testserver.Response) {
	return func(t *testing.T, r *testserver.Response) {
		t.Helper()
		for _, c := range checks {
			c(t, r)
		}
	}
}

// TestResourcesCPU: CPU burnt in threads or processes is all counted and
// stopped at the limit; output printed before is kept; real-time
// priorities that would starve the host are refused.
func TestResourcesCPU(t *testing.T) {
	const limit = time.Second
	lim := testserver.Limits{CPUTimeMs: limit.Milliseconds(), WallTimeMs: 10000}
	runAttacks(t, []attack{
		{
			name: "c_four_threads_spin",
			req: withLimits(cProgram(`static void *spin(void *arg) {
    for (volatile unsigned long x = 0;; x++)
        ;
    return arg;
}
int main(void) {
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, spin, NULL);
    puts("spinning");
    fflush(stdout);
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    return 0;
}
`), lim),
			status: "TLE",
			stdout: "spinning\n",
			check:  resourcesCPUBurn(limit),
		},
		{
			name: "c_four_processes_spin",
			req: withLimits(cProgram(`int main(void) {
    for (int i = 0; i < 4; i++)
        if (fork() == 0)
            for (volatile unsigned long x = 0;; x++)
                ;
    puts("spinning");
    fflush(stdout);
    while (wait(NULL) > 0)
        ;
    return 0;
}
`), lim),
			status: "TLE",
			stdout: "spinning\n",
			check:  resourcesCPUBurn(limit),
		},
		{
			// Output flushed before the limit is kept (a known Piston bug
			// loses it).
			name:   "python_output_before_cpu_limit",
			req:    withLimits(python("print('before', flush=True)\nwhile True:\n    pass\n"), lim),
			status: "TLE",
			stdout: "before\n",
			check:  resourcesCPUBurn(limit),
		},
		{
			name:   "c_output_before_cpu_limit",
			req:    withLimits(cProgram("int main(void) {\n    printf(\"before\\n\");\n    fflush(stdout);\n    for (volatile int x = 0;; x++)\n        ;\n}\n"), lim),
			status: "TLE",
			stdout: "before\n",
			check:  resourcesCPUBurn(limit),
		},
		{
			name:   "bash_output_before_wall_limit",
			req:    withLimits(bash("echo before\nexec sleep 100\n"), testserver.Limits{WallTimeMs: 1000}),
			status: "TLE",
			stdout: "before\n",
			check: func(t *testing.T, r *testserver.Response) {
				resourcesStage("wall time limit of 1s exceeded", "SIGKILL", 137, "before\n")(t, r)
				if cpu := testserver.Duration(t, "cpuTime", r.CPUTime); cpu > 300*time.Millisecond {
					t.Errorf("cpuTime %v for a program that sleeps", cpu)
				}
			},
		},
		{
			name: "c_realtime_priorities",
			req: cProgram(`int main(void) {
    struct sched_param sp = {.sched_priority = 99};
    printf("SCHED_FIFO %s\n", en(sched_setscheduler(0, SCHED_FIFO, &sp)));
    printf("SCHED_RR %s\n", en(sched_setscheduler(0, SCHED_RR, &sp)));
    struct { unsigned size, policy; unsigned long long flags; int nice; unsigned prio;
             unsigned long long runtime, deadline, period; } attr = {48, 6 /* SCHED_DEADLINE */, 0, 0, 0, 1000000, 1000000, 1000000};
    printf("SCHED_DEADLINE %s\n", en(syscall(SYS_sched_setattr, 0, &attr, 0)));
    printf("setpriority -20 %s\n", en(setpriority(PRIO_PROCESS, 0, -20)));
    errno = 0;
    printf("nice -5 %s\n", nice(-5) == -1 && errno ? strerrorname_np(errno) : "OK");
    printf("ioprio realtime %s\n", en(syscall(SYS_ioprio_set, 1 /* process */, 0, 1 << 13 /* RT class */)));
    return 0;
}
`),
			status: "OK",
			// Without CAP_SYS_NICE: the scheduler calls say EPERM, raising
			// one's priority says EACCES (setpriority) or EPERM (nice).
			stdout: lines("SCHED_FIFO EPERM", "SCHED_RR EPERM", "SCHED_DEADLINE EPERM",
				"setpriority -20 EACCES", "nice -5 EPERM", "ioprio realtime EPERM"),
		},
	})
}

// TestResourcesMemory: every way to hold memory (heap, populated mmap,
// memfd, tmpfs, the stack) is charged to the run's memory cgroup and
// ends as MLE; deep but bounded recursion works.
func TestResourcesMemory(t *testing.T) {
	const limit = 256 * resourcesMiB
	runAttacks(t, []attack{
		{
			name: "c_malloc_memset_1GiB",
			req: cProgram(`int main(void) {
    size_t n = (size_t)1 << 30;
    /* volatile: the compiler may not drop the unused allocation */
    volatile char *p = malloc(n);
    if (p == NULL) {
        puts("malloc failed");
        return 0;
    }
    for (size_t i = 0; i < n; i += 4096)
        p[i] = 1;
    puts("touched 1 GiB");
    return 0;
}
`),
			status: "MLE",
			check:  resourcesAll(resourcesMemoryPeak(limit), resourcesNoStdout),
		},
		{
			name: "c_mmap_populate_1GiB",
			req: cProgram(`int main(void) {
    void *p = mmap(NULL, (size_t)1 << 30, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    puts(p == MAP_FAILED ? "mmap failed" : "populated 1 GiB");
    return 0;
}
`),
			status: "MLE",
			check:  resourcesAll(resourcesMemoryPeak(limit), resourcesNoStdout),
		},
		{
			// 128 memfds of 8 MiB (under the 16 MiB file size limit):
			// shared memory is charged like any other.
			name: "c_memfd_1GiB",
			req: cProgram(`int main(void) {
    static char buf[1 << 16];
    memset(buf, 'm', sizeof buf);
    for (int f = 0; f < 128; f++) {
        int fd = memfd_create("hog", 0);
        if (fd < 0) {
            printf("memfd_create %s\n", strerrorname_np(errno));
            return 0;
        }
        for (int i = 0; i < 128; i++)
            if (write(fd, buf, sizeof buf) < 0) {
                printf("write %s\n", strerrorname_np(errno));
                return 0;
            }
    }
    puts("memfds hold 1 GiB");
    return 0;
}
`),
			status: "MLE",
			check:  resourcesAll(resourcesMemoryPeak(limit), resourcesNoStdout),
		},
		{
			// tmpfs pages count too: 128 MiB written to /w and /tmp under a
			// 64 MiB limit, so the 2×64 MiB of tmpfs are no way around the
			// memory limit. A write the kernel refuses at the limit ends
			// the writing; the program reports what it stored.
			name: "python_tmpfs_under_small_memory_limit",
			req: withLimits(python(`import sys
data = b"x" * (1 << 20)
stored = 0
try:
    for d in ("/w", "/tmp"):
        for i in range(8):
            with open("%s/f%d" % (d, i), "wb", buffering=0) as f:
                for _ in range(8):
                    f.write(data)
                    stored += 1
except OSError as e:
    print("write", e, file=sys.stderr)
print("%d MiB in tmpfs" % stored)
`), testserver.Limits{MemoryBytes: 64 * resourcesMiB}),
			status: resourcesKernelMemoryStatus,
			check:  resourcesKernelMemoryBounded(64, "tmpfs"),
		},
		{
			// Slow growth past the limit is MLE, not TLE: 16 MiB every
			// 50 ms reaches 256 MiB in about a second of the 3 s.
			name: "python_slow_allocation",
			req: python(`import time
blocks = []
for i in range(1000):
    blocks.append(b"\x01" * (16 << 20))
    print(i, flush=True)
    time.sleep(0.05)
`),
			status: "MLE",
			check: func(t *testing.T, r *testserver.Response) {
				resourcesMemoryPeak(limit)(t, r)
				if !strings.HasPrefix(r.Stdout, "0\n1\n2\n") || strings.Contains(r.Stdout, "\n20\n") {
					t.Errorf("stdout %q: want the blocks counted up to about 15", r.Stdout)
				}
			},
		},
		{
			// The stack limit equals the memory limit (256 MiB): a
			// million frames of about 100 bytes fit, and are counted.
			name:   "c_recursion_one_million_deep",
			req:    cProgram(resourcesCRecursion("1000000")),
			status: "OK",
			stdout: "depth 1000000\n",
			check: func(t *testing.T, r *testserver.Response) {
				if r.Memory < 32*resourcesMiB {
					t.Errorf("memory %d: a million stack frames should show in the peak", r.Memory)
				}
			},
		},
		{
			// Unbounded recursion: since the stack rlimit is the memory
			// limit, and the binary, libc and page tables are charged as
			// well, the cgroup's limit is reached before the stack's. At
			// the limit the stack either cannot grow and faults (SIGSEGV)
			// or waits for the engine's OOM handling (SIGKILL), as the
			// kernel decides; either way it is MLE, never a plain SG.
			name:   "c_unbounded_recursion",
			req:    cProgram(resourcesCRecursion("1L << 40")),
			status: "MLE",
			check: func(t *testing.T, r *testserver.Response) {
				if want := fmt.Sprintf("memory limit of %d bytes exceeded", limit); r.Message != want {
					t.Errorf("message %q, want %q", r.Message, want)
				}
				if !(r.Signal == "SIGSEGV" && r.ExitCode == 139) && !(r.Signal == "SIGKILL" && r.ExitCode == 137) {
					t.Errorf("signal %q exit code %d, want SIGSEGV/139 or SIGKILL/137", r.Signal, r.ExitCode)
				}
			},
		},
		{
			// Kernel memory is charged too: 120 pipes of 1 MiB filled
			// under a 64 MiB limit. See resourcesKernelMemoryBounded.
			name: "c_pipe_buffers",
			req: withLimits(cProgram(`int main(void) {
    static char buf[1 << 16];
    long total = 0;
    for (int i = 0; i < 120; i++) {
        int p[2];
        if (pipe2(p, O_NONBLOCK) < 0) { // refused at the limit: report what is stored
            fprintf(stderr, "pipe %s\n", strerrorname_np(errno));
            break;
        }
        fcntl(p[1], F_SETPIPE_SZ, 1 << 20);
        while (write(p[1], buf, sizeof buf) > 0)
            total += sizeof buf;
    }
    printf("%ld MiB in pipes\n", total >> 20);
    return 0;
}
`), testserver.Limits{MemoryBytes: 64 * resourcesMiB}),
			status: resourcesKernelMemoryStatus,
			check:  resourcesKernelMemoryBounded(64, "pipes"),
		},
		{
			// Socket buffers likewise: 120 Unix socket pairs filled both
			// ways (about 200 KiB each way) under a 32 MiB limit.
			name: "c_unix_socket_buffers",
			req: withLimits(cProgram(`int main(void) {
    static char buf[1 << 16];
    long total = 0;
    for (int i = 0; i < 120; i++) {
        int s[2];
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, s) < 0) { // refused at the limit
            fprintf(stderr, "socketpair %s\n", strerrorname_np(errno));
            break;
        }
        for (int k = 0; k < 2; k++)
            for (ssize_t n; (n = write(s[k], buf, sizeof buf)) > 0;)
                total += n;
    }
    printf("%ld MiB in sockets\n", total >> 20);
    return 0;
}
`), testserver.Limits{MemoryBytes: 32 * resourcesMiB}),
			status: resourcesKernelMemoryStatus,
			check:  resourcesKernelMemoryBounded(32, "sockets"),
		},
		{
			// The compiler is bounded too: the preprocessor reading
			// /dev/zero grows until the compile stage's memory limit.
			name: "c_include_dev_zero",
			req: func() testserver.Request {
				r := c("#include \"/dev/zero\"\nint main(void) { return 0; }\n")
				r.CompileLimits = &testserver.Limits{MemoryBytes: 128 * resourcesMiB}
				return r
			}(),
			status: "CE",
			check: func(t *testing.T, r *testserver.Response) {
				if r.Compile == nil || r.Compile.Status != "MLE" || r.Compile.Message != fmt.Sprintf("memory limit of %d bytes exceeded", 128*resourcesMiB) {
					t.Errorf("want the compile stage MLE at 128 MiB: %s", r)
				}
			},
		},
	})
}

// resourcesCRecursion is a C program recursing depth times: every frame
// passes its own array down, so the compiler can neither inline nor turn
// the recursion into a loop.
func resourcesCRecursion(depth string) string {
	return `__attribute__((noinline)) static long down(long n, volatile char *up) {
    volatile char frame[64];
    frame[0] = up[0] + 1;
    if (n == 0)
        return 0;
    long d = down(n - 1, frame);
    __asm__ volatile("" : : "r"(frame) : "memory");
    return d + 1;
}
int main(void) {
    char top[1] = {0};
    printf("depth %ld\n", down(` + depth + `, top));
    return 0;
}
`
}

// TestResourcesIPC: System V shared memory, message queues and semaphores
// and POSIX message queues would live in the sandbox's IPC namespace,
// which outlives a run (the container is reused): they would hold memory
// charged to no run's cgroup, run after run, and hand one user's data to
// the next. SECURITY.md: shmget, msgget, semget and mq_open are refused
// with ENOSYS. The follow-up run in the same sandbox then proves nothing
// was left, whatever the creation said: the kernel's own lists
// (/proc/sysvipc) are empty and no lookup finds the key.
func TestResourcesIPC(t *testing.T) {
	key := fmt.Sprintf("%d", 0x10000000+rand.IntN(0x0fffffff))
	mq := "/attack-" + testserver.RandomHex(6)
	// The follow-up program: "none" when the lookup finds nothing (ENOENT,
	// or ENOSYS when refused), and the number of objects of each kind.
	followUp := `static const char *found(long r) {
    return r >= 0 ? "FOUND" : errno == ENOENT || errno == ENOSYS ? "none" : strerrorname_np(errno);
}
static int count(const char *list) {
    char line[512];
    int n = -1; /* the header line */
    FILE *f = fopen(list, "r");
    while (f && fgets(line, sizeof line, f))
        n++;
    return n;
}
int main(int argc, char **argv) {
    box();
    int key = atoi(argv[1]);
    printf("shm %s, %d in all\n", found(shmget(key, 0, 0)), count("/proc/sysvipc/shm"));
    printf("msg %s, %d in all\n", found(msgget(key, 0)), count("/proc/sysvipc/msg"));
    printf("sem %s, %d in all\n", found(semget(key, 0, 0)), count("/proc/sysvipc/sem"));
    printf("mq %s\n", found(mq_open(argv[2], O_RDONLY)));
    return 0;
}
`
	nothingLeft := func(t *testing.T, r *testserver.Response) {
		box := filesBoxOf(t, r)
		f := filesInBox(t, box, processesWithArgs(cProgram(followUp), key, mq))
		if want := lines("shm none, 0 in all", "msg none, 0 in all", "sem none, 0 in all", "mq none"); f.Status != "OK" || f.Stdout != want {
			t.Errorf("IPC objects outlived their run: the next run in sandbox %s wants stdout %q, got %s", box, want, f)
		}
	}
	runAttacks(t, []attack{
		{
			name: "c_sysv_shm_left_behind",
			req: processesWithArgs(cProgram(`int main(int argc, char **argv) {
    box();
    int id = shmget(atoi(argv[1]), 16 << 20, IPC_CREAT | IPC_EXCL | 0666);
    printf("shmget %s\n", en(id));
    if (id < 0)
        return 0;
    char *p = shmat(id, NULL, 0);
    memset(p, 'S', 16 << 20);
    strcpy(p, "data of an earlier run");
    return 0;
}
`), key),
			status: "OK",
			stdout: "shmget ENOSYS\n",
			check:  nothingLeft,
		},
		{
			name: "c_message_queues_and_semaphores_left_behind",
			req: processesWithArgs(cProgram(`int main(int argc, char **argv) {
    box();
    int key = atoi(argv[1]);
    int q = msgget(key, IPC_CREAT | IPC_EXCL | 0666);
    printf("msgget %s\n", en(q));
    if (q >= 0) {
        struct { long type; char text[32]; } msg = {1, "data of an earlier run"};
        msgsnd(q, &msg, sizeof msg.text, 0);
    }
    printf("semget %s\n", en(semget(key, 4, IPC_CREAT | IPC_EXCL | 0666)));
    mqd_t m = mq_open(argv[2], O_CREAT | O_EXCL | O_WRONLY, 0666, NULL);
    printf("mq_open %s\n", en(m));
    if (m != (mqd_t)-1)
        mq_send(m, "data of an earlier run", 22, 0);
    return 0;
}
`), key, mq),
			status: "OK",
			stdout: lines("msgget ENOSYS", "semget ENOSYS", "mq_open ENOSYS"),
			check:  nothingLeft,
		},
	})
}

// TestResourcesDisk: /w and /tmp fill up with ENOSPC (bytes and inodes),
// there is no /dev/shm, and a file past the file size limit is OLE.
func TestResourcesDisk(t *testing.T) {
	runAttacks(t, []attack{
		{
			// 200 MiB into each of /tmp and /w, in 8 MiB files (the file
			// size limit is 16 MiB): ENOSPC at their 64 MiB, the program
			// goes on. The 128 MiB of tmpfs fit the 256 MiB memory limit,
			// so the file systems fill before the memory cgroup.
			name: "python_fill_tmpfs",
			req: python(`import errno, os
def fill(d):
    total = 0
    data = b"x" * (1 << 20)
    try:
        for i in range(25):
            fd = os.open("%s/fill%d" % (d, i), os.O_CREAT | os.O_WRONLY, 0o644)
            try:
                for _ in range(8):
                    total += os.write(fd, data)
            finally:
                os.close(fd)
    except OSError as e:
        return "%s %s after %d MiB" % (d, errno.errorcode[e.errno], total >> 20)
    return "%s no error after %d MiB" % (d, total >> 20)
print(fill("/tmp"))
print(fill("/w"))
`),
			status: "OK",
			// /w also holds main.py (one 4 KiB page), so it takes a few
			// bytes less than 64 MiB.
			stdout: lines("/tmp ENOSPC after 64 MiB", "/w ENOSPC after 63 MiB"),
		},
		{
			name: "python_100000_empty_files",
			req: python(`import errno, os
n = 0
try:
    for i in range(100000):
        os.close(os.open("/w/f%d" % i, os.O_CREAT | os.O_WRONLY, 0o644))
        n += 1
except OSError as e:
    # 8192 inodes, less the root directory and main.py
    print(errno.errorcode[e.errno], "after", "8000 to 8192" if 8000 <= n <= 8192 else n, "files")
`),
			status: "OK",
			stdout: "ENOSPC after 8000 to 8192 files\n",
		},
		{
			name: "python_dev_shm",
			req: python(`import errno, os
from multiprocessing import shared_memory
try:
    shared_memory.SharedMemory(create=True, size=1 << 20)
    print("shm_open OK")
except OSError as e:
    print("shm_open", errno.errorcode[e.errno])
try:
    os.open("/dev/shm/x", os.O_CREAT | os.O_WRONLY)
    print("open OK")
except OSError as e:
    print("open", errno.errorcode[e.errno])
`),
			status: "OK",
			stdout: lines("shm_open ENOENT", "open ENOENT"),
		},
		{
			name: "c_write_past_file_size_limit",
			req: cProgram(`int main(void) {
    static char buf[1 << 20];
    int fd = open("/w/big", O_CREAT | O_WRONLY, 0644);
    for (int i = 0; i < 64; i++)
        if (write(fd, buf, sizeof buf) < 0) {
            printf("write %s\n", strerrorname_np(errno));
            return 1;
        }
    puts("wrote 64 MiB");
    return 0;
}
`),
			status: "OLE",
			check:  resourcesStage("file size limit of 16777216 bytes exceeded", "SIGXFSZ", 128+25, ""),
		},
		{
			// Crashes write no core file (RLIMIT_CORE is 0, hard), so a
			// crash loop cannot fill /w or, through the host's
			// core_pattern, the host's disk.
			name: "c_core_dumps",
			req: cProgram(`int main(void) {
    struct rlimit rl = {RLIM_INFINITY, RLIM_INFINITY};
    printf("raise RLIMIT_CORE %s\n", en(setrlimit(RLIMIT_CORE, &rl)));
    for (int i = 0; i < 20; i++) {
        pid_t p = fork();
        if (p == 0) {
            chdir(i % 2 ? "/w" : "/tmp");
            raise(SIGSEGV);
            _exit(0);
        }
        int st;
        waitpid(p, &st, 0);
        if (i == 0)
            printf("child %s core dumped %d\n", strsignal(WTERMSIG(st)), WCOREDUMP(st) != 0);
    }
    int n = 0;
    for (int d = 0; d < 2; d++) {
        DIR *dir = opendir(d ? "/w" : "/tmp");
        for (struct dirent *e; (e = readdir(dir)) != NULL;)
            n += strncmp(e->d_name, "core", 4) == 0;
        closedir(dir);
    }
    printf("core files %d\n", n);
    return 0;
}
`),
			status: "OK",
			stdout: lines("raise RLIMIT_CORE EPERM", "child Segmentation fault core dumped 0", "core files 0"),
		},
		{
			// Python ignores SIGXFSZ, so the write past the limit fails
			// with EFBIG and the program dies of the exception: the file
			// size limit still ended the run, which is OLE, not RE.
			name:   "python_write_past_file_size_limit",
			req:    withLimits(python("with open('/w/big', 'wb') as f:\n    f.write(b'x' * (32 << 20))\nprint('wrote 32 MiB')\n"), testserver.Limits{FileSizeBytes: 16 * resourcesMiB}),
			status: "OLE",
		},
	})
}

// TestResourcesOutput: floods on stdout and stderr end as OLE with exactly
// the limit kept on the stream that overflowed; output at exactly the
// limit is not cut; huge stdin is delivered byte for byte.
func TestResourcesOutput(t *testing.T) {
	stdin := strings.Repeat("0123456789abcdef", 6*resourcesMiB/16)
	sum := sha256.Sum256([]byte(stdin))
	runAttacks(t, []attack{
		{
			// 100 MiB on each stream at once: whichever overflows first
			// stops the run, the other may or may not reach the limit.
			name: "python_flood_both_streams",
			req: python(`import os, threading
def flood(fd, ch):
    chunk = ch * 65536
    try:
        for _ in range(1600):
            os.write(fd, chunk)
    except OSError:
        pass
ts = [threading.Thread(target=flood, args=(1, b"o")), threading.Thread(target=flood, args=(2, b"e"))]
for t in ts:
    t.start()
for t in ts:
    t.join()
`),
			status: "OLE",
			check: func(t *testing.T, r *testserver.Response) {
				resourcesStage("output limit of 1048576 bytes per stream exceeded", "SIGKILL", 137, r.Stdout)(t, r)
				if !r.StdoutTruncated && !r.StderrTruncated {
					t.Errorf("neither stream flagged truncated")
				}
				for _, s := range []struct {
					name, data, ch string
					truncated      bool
				}{{"stdout", r.Stdout, "o", r.StdoutTruncated}, {"stderr", r.Stderr, "e", r.StderrTruncated}} {
					if s.truncated && len(s.data) != resourcesMiB || !s.truncated && len(s.data) > resourcesMiB {
						t.Errorf("%s: %d bytes, truncated %v: want exactly 1 MiB when truncated, at most 1 MiB else", s.name, len(s.data), s.truncated)
					}
					if strings.Trim(s.data, s.ch) != "" {
						t.Errorf("%s holds something else than %q", s.name, s.ch)
					}
				}
				if r.Elapsed > 5*time.Second {
					t.Errorf("the request took %v", r.Elapsed)
				}
			},
		},
		{
			name: "python_stderr_half_then_stdout_flood",
			req: python(`import os
os.write(2, b"e" * (512 << 10))
while True:
    os.write(1, b"o" * 65536)
`),
			status: "OLE",
			check: func(t *testing.T, r *testserver.Response) {
				if !r.StdoutTruncated || r.StderrTruncated {
					t.Errorf("truncated stdout %v stderr %v, want stdout only", r.StdoutTruncated, r.StderrTruncated)
				}
				if r.Stdout != strings.Repeat("o", resourcesMiB) || r.Stderr != strings.Repeat("e", 512<<10) {
					t.Errorf("stdout %d bytes, stderr %d bytes: want exactly 1 MiB of o and 512 KiB of e", len(r.Stdout), len(r.Stderr))
				}
			},
		},
		{
			name: "bash_eight_writers_flood_stdout",
			req: bash(`for i in 1 2 3 4 5 6 7 8; do yes & done
wait
`),
			status: "OLE",
			check: func(t *testing.T, r *testserver.Response) {
				if !r.StdoutTruncated || len(r.Stdout) != resourcesMiB || strings.Trim(r.Stdout, "y\n") != "" {
					t.Errorf("stdout %d bytes truncated %v: want exactly 1 MiB of yes", len(r.Stdout), r.StdoutTruncated)
				}
				if r.Elapsed > 5*time.Second {
					t.Errorf("the request took %v", r.Elapsed)
				}
			},
		},
		{
			name:   "python_output_exactly_at_limit",
			req:    python("import os\nos.write(1, b'x' * (1 << 20))\nos.write(2, b'e' * (1 << 20))\n"),
			status: "OK",
			check: func(t *testing.T, r *testserver.Response) {
				if r.StdoutTruncated || r.StderrTruncated || len(r.Stdout) != resourcesMiB || len(r.Stderr) != resourcesMiB {
					t.Errorf("stdout %d stderr %d bytes, truncated %v/%v: want exactly 1 MiB each, not truncated",
						len(r.Stdout), len(r.Stderr), r.StdoutTruncated, r.StderrTruncated)
				}
			},
		},
		{
			name:   "python_output_one_byte_over_limit",
			req:    python("import os\nos.write(1, b'x' * (1 << 20))\nos.write(1, b'!')\nprint('never seen')\n"),
			status: "OLE",
			check: func(t *testing.T, r *testserver.Response) {
				if !r.StdoutTruncated || r.Stdout != strings.Repeat("x", resourcesMiB) {
					t.Errorf("stdout %d bytes truncated %v: want exactly the first 1 MiB, flagged", len(r.Stdout), r.StdoutTruncated)
				}
			},
		},
		{
			name: "python_read_6MiB_stdin",
			req: withStdin(python(`import hashlib, sys
data = sys.stdin.buffer.read()
print(len(data), hashlib.sha256(data).hexdigest())
`), stdin),
			status: "OK",
			stdout: fmt.Sprintf("%d %s\n", len(stdin), hex.EncodeToString(sum[:])),
		},
		{
			name:   "c_ignore_6MiB_stdin",
			req:    withStdin(cProgram("int main(void) {\n    puts(\"ignored\");\n    return 0;\n}\n"), stdin),
			status: "OK",
			stdout: "ignored\n",
		},
		{
			// 5000 long #warning lines: gcc's diagnostics flood stderr; the
			// compile stage ends as OLE with exactly 1 MiB kept, and the
			// job as CE.
			name:   "c_compiler_diagnostics_flood",
			req:    c(strings.Repeat("#warning "+strings.Repeat("F", 400)+"\n", 5000) + "int main(void) { return 0; }\n"),
			status: "CE",
			check: func(t *testing.T, r *testserver.Response) {
				if r.Compile == nil || r.Compile.Status != "OLE" || !r.Compile.StderrTruncated || len(r.Compile.Stderr) != resourcesMiB {
					t.Errorf("want the compile stage OLE with exactly 1 MiB of stderr, flagged: %s", r)
				}
			},
		},
	})
}

// TestResourcesDescriptors: the open-file limit holds and no rlimit can
// be raised.
func TestResourcesDescriptors(t *testing.T) {
	runAttacks(t, []attack{
		{
			name: "python_open_until_EMFILE",
			req: python(`import errno, os
fds = []
try:
    while True:
        fds.append(os.open("/dev/null", os.O_RDONLY))
except OSError as e:
    n = len(fds)
    print(errno.errorcode[e.errno], "after", "200 to 256" if 200 <= n <= 256 else n, "descriptors")
`),
			status: "OK",
			stdout: "EMFILE after 200 to 256 descriptors\n",
		},
		{
			name: "python_raise_rlimits",
			req: python(`import resource
for name in ["RLIMIT_NOFILE", "RLIMIT_CPU", "RLIMIT_FSIZE", "RLIMIT_STACK", "RLIMIT_CORE"]:
    r = getattr(resource, name)
    soft, hard = resource.getrlimit(r)
    try:
        resource.setrlimit(r, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
        print(name, "raised")
    except ValueError as e:  # Python's word for setrlimit's EPERM
        print(name, "denied")
`),
			status: "OK",
			stdout: lines("RLIMIT_NOFILE denied", "RLIMIT_CPU denied", "RLIMIT_FSIZE denied", "RLIMIT_STACK denied", "RLIMIT_CORE denied"),
		},
	})
}

// TestResourcesStatuses: the status says what ended the run, even when the
// program imitates a limit.
func TestResourcesStatuses(t *testing.T) {
	runAttacks(t, []attack{
		{
			// Near the memory limit, then SIGKILL from itself: SG, since
			// the cgroup recorded no OOM kill.
			name:   "python_sigkill_self_near_memory_limit",
			req:    python("import os, signal\nx = b'\\x01' * (200 << 20)\nprint('allocated', flush=True)\nos.kill(os.getpid(), signal.SIGKILL)\n"),
			status: "SG",
			stdout: "allocated\n",
			check: func(t *testing.T, r *testserver.Response) {
				resourcesStage("killed by SIGKILL", "SIGKILL", 137, "allocated\n")(t, r)
				if r.Memory < 200*resourcesMiB {
					t.Errorf("memory %d, want the 200 MiB allocated", r.Memory)
				}
			},
		},
		{
			name:   "c_exit_137",
			req:    cProgram("int main(void) {\n    exit(137);\n}\n"),
			status: "RE",
			check:  resourcesStage("", "", 137, ""),
		},
		{
			name:   "c_null_dereference",
			req:    cProgram("int main(int argc, char **argv) {\n    volatile int *p = (int *)(long)(argc - 1);\n    return *p;\n}\n"),
			status: "SG",
			check:  resourcesStage("killed by SIGSEGV", "SIGSEGV", 139, ""),
		},
		{
			name:   "c_abort",
			req:    cProgram("int main(void) {\n    abort();\n}\n"),
			status: "SG",
			check:  resourcesStage("killed by SIGABRT", "SIGABRT", 134, ""),
		},
		// A program can have SIGXCPU or SIGXFSZ delivered to itself in
		// many ways: raise, kill with junk in the argument's high bits
		// (the kernel reads an int), F_SETSIG on a file descriptor, a
		// POSIX timer. None may pass it off as one that reached the CPU or
		// file size limit: it was killed by a signal (SG), no more.
		{
			name:   "c_raise_SIGXCPU",
			req:    cProgram("int main(void) {\n    raise(SIGXCPU);\n    puts(\"survived\");\n    return 0;\n}\n"),
			status: "SG",
			check:  resourcesStage("killed by SIGXCPU", "SIGXCPU", 128+24, ""),
		},
		{
			name:   "c_raise_SIGXFSZ",
			req:    cProgram("int main(void) {\n    raise(SIGXFSZ);\n    puts(\"survived\");\n    return 0;\n}\n"),
			status: "SG",
			check:  resourcesStage("killed by SIGXFSZ", "SIGXFSZ", 128+25, ""),
		},
		{
			name: "c_kill_SIGXFSZ_high_bits",
			req: cProgram(`int main(void) {
    syscall(SYS_kill, getpid(), (1UL << 32) | SIGXFSZ);
    puts("survived");
    return 0;
}
`),
			status: "SG",
			check:  resourcesStage("killed by SIGXFSZ", "SIGXFSZ", 128+25, ""),
		},
		{
			name: "c_fsetsig_SIGXFSZ",
			req: cProgram(`int main(void) {
    int p[2];
    if (pipe(p) < 0 || fcntl(p[0], F_SETOWN, getpid()) < 0 || fcntl(p[0], F_SETSIG, SIGXFSZ) < 0 ||
        fcntl(p[0], F_SETFL, O_ASYNC) < 0) {
        printf("setup %s\n", strerrorname_np(errno));
        return 1;
    }
    write(p[1], "x", 1);
    puts("survived");
    return 0;
}
`),
			status: "SG",
			check:  resourcesStage("killed by SIGXFSZ", "SIGXFSZ", 128+25, ""),
		},
		{
			name: "c_timer_SIGXCPU",
			req: cProgram(`int main(void) {
    struct sigevent ev = {.sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGXCPU};
    timer_t t;
    struct itimerspec when = {.it_value = {.tv_nsec = 1000000}};
    if (timer_create(CLOCK_MONOTONIC, &ev, &t) < 0 || timer_settime(t, 0, &when, NULL) < 0) {
        printf("timer %s\n", strerrorname_np(errno));
        return 1;
    }
    pause();
    puts("survived");
    return 0;
}
`),
			status: "SG",
			check:  resourcesStage("killed by SIGXCPU", "SIGXCPU", 128+24, ""),
		},
		{
			// A program that stops itself never ends by itself: the wall
			// limit ends it, TLE, and the sandbox is usable again.
			name:   "python_sigstop_self",
			req:    withLimits(python("import os, signal\nprint('stopping', flush=True)\nos.kill(os.getpid(), signal.SIGSTOP)\nprint('resumed')\n"), testserver.Limits{WallTimeMs: 1000}),
			status: "TLE",
			stdout: "stopping\n",
			check:  resourcesStage("wall time limit of 1s exceeded", "SIGKILL", 137, "stopping\n"),
		},
		{
			// Output over the limit, then a spin: OLE, not TLE.
			name:   "python_output_limit_then_spin",
			req:    python("import os\nos.write(1, b'x' * (2 << 20))\nwhile True:\n    pass\n"),
			status: "OLE",
			check: func(t *testing.T, r *testserver.Response) {
				if !r.StdoutTruncated || len(r.Stdout) != resourcesMiB {
					t.Errorf("stdout %d bytes truncated %v, want 1 MiB, flagged", len(r.Stdout), r.StdoutTruncated)
				}
			},
		},
	})
}

// resourcesKernelMemoryStatus marks attacks whose status the kernel picks
// between two true ones; resourcesKernelMemoryBounded checks which.
const resourcesKernelMemoryStatus = "(MLE or OK)"

// resourcesKernelMemoryBounded checks a program that fills kernel memory
// (tmpfs pages, pipe and socket buffers) under a memory limit of limitMiB
// and prints "<n> MiB in <what>". At the limit the
// kernel either refuses the buffer allocation (the write fails, the program
// goes on and reports how much it stored: OK) or, when the program then
// faults a page of its own, waits for the engine's OOM handling (MLE).
// Both are true; what must hold is that the buffers stayed within the
// limit: without charging, the program would store 120 MiB or more.
func resourcesKernelMemoryBounded(limitMiB int, what string) func(*testing.T, *testserver.Response) {
	return func(t *testing.T, r *testserver.Response) {
		switch r.Status {
		case "MLE":
			if want := fmt.Sprintf("memory limit of %d bytes exceeded", limitMiB*resourcesMiB); r.Message != want {
				t.Errorf("message %q, want %q", r.Message, want)
			}
		case "OK":
			var mib int
			if _, err := fmt.Sscanf(r.Stdout, "%d MiB in "+what, &mib); err != nil || mib > limitMiB+limitMiB/4 {
				t.Errorf("stored %q under a %d MiB limit: kernel buffers are not charged", r.Stdout, limitMiB)
			}
		default:
			t.Errorf("status %s, want MLE, or OK with the buffers bounded by the limit: %s", r.Status, r)
		}
	}
}
