package attack

import (
	"fmt"
	"testing"

	"github.com/coderacer/coderacer/test/testserver"
)

// Socket buffers are memory. Cgroup v1 keeps TCP and UDP buffers on a
// counter of its own, which charges nothing until a limit is written to it:
// a run could park hundreds of MiB in loopback connections it never reads,
// inside its own network namespace, while the engine reported a few MiB,
// and starve every TCP socket of the host (the kernel's tcp_mem is
// shared). SECURITY.md: socket buffers are limited to the run's memory
// limit and counted in its reported peak. Each attack runs under a 32 MiB
// limit and prints what the kernel took of it; socketsBounded checks the
// outcome.

// socketsCHeader follows the prelude: a counter the processes of a run
// share, and the loopback helpers.
const socketsCHeader = `static long *total;
static void shared_total(void) {
    total = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
}
static struct sockaddr_in loopback(int port) {
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    return a;
}
static int time_left(void) {
    static struct timespec start;
    struct timespec now;
    if (start.tv_sec == 0)
        clock_gettime(CLOCK_MONOTONIC, &start);
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000 < 1500;
}
/* tcp_fill opens n loopback connections and writes into both ends of each
   until the kernel refuses, reading nothing, for at most 1.5 s. */
static void tcp_fill(int n) {
    static char buf[1 << 16];
    int ls = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = loopback(0);
    socklen_t len = sizeof a;
    if (bind(ls, (void *)&a, sizeof a) < 0 || listen(ls, 512) < 0 || getsockname(ls, (void *)&a, &len) < 0) {
        printf("listen %s\n", strerrorname_np(errno));
        exit(1);
    }
    for (int i = 0; i < n && time_left(); i++) {
        int c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
        if (c < 0) { /* refused at the limit: report what is stored */
            fprintf(stderr, "socket %s\n", strerrorname_np(errno));
            break;
        }
        connect(c, (void *)&a, sizeof a);
        int s = accept4(ls, NULL, NULL, SOCK_NONBLOCK);
        if (s < 0) {
            fprintf(stderr, "accept %s\n", strerrorname_np(errno));
            break;
        }
        int ends[2] = {c, s};
        for (int k = 0; k < 2; k++)
            for (ssize_t w; time_left() && (w = write(ends[k], buf, sizeof buf)) > 0;)
                __atomic_add_fetch(total, w, __ATOMIC_RELAXED);
    }
}
`

// socketsBounded checks a program that queued socket buffers under a
// memory limit of limitMiB and printed "<n> MiB in <what>". Either it
// reached the limit and failed (MLE), or the kernel refused the buffers at
// the limit and the program went on (OK): then what it stored is within
// the limit (give or take the one packet per socket the kernel always
// admits), and the reported memory covers it. Without charging, the
// programs store 100 MiB or more and the engine reports a few MiB.
func socketsBounded(limitMiB int, what string) func(*testing.T, *testserver.Response) {
	return func(t *testing.T, r *testserver.Response) {
		t.Helper()
		limit := int64(limitMiB) * resourcesMiB
		switch r.Status {
		case "MLE":
			if want := fmt.Sprintf("memory limit of %d bytes exceeded", limit); r.Message != want {
				t.Errorf("message %q, want %q", r.Message, want)
			}
		case "OK":
			var mib int64
			if _, err := fmt.Sscanf(r.Stdout, "%d MiB in "+what, &mib); err != nil {
				t.Fatalf("stdout %q, want %q", r.Stdout, "<n> MiB in "+what)
			}
			t.Logf("stored %d MiB, reported memory %d", mib, r.Memory)
			if mib > int64(limitMiB)*3/2 {
				t.Errorf("stored %d MiB under a %d MiB limit: socket buffers are not charged to the run", mib, limitMiB)
			}
			if covered := min(mib*resourcesMiB, limit) * 9 / 10; r.Memory < covered {
				t.Errorf("reported memory %d, but the run stored %d MiB in %s (want at least %d)", r.Memory, mib, what, covered)
			}
		default:
			t.Errorf("status %s, want MLE, or OK with the buffers bounded by the limit: %s", r.Status, r)
		}
	}
}

func TestSocketMemory(t *testing.T) {
	const limitMiB = 32
	lim := testserver.Limits{MemoryBytes: limitMiB * resourcesMiB}
	runAttacks(t, []attack{
		{
			// 120 connections (240 descriptors) never read.
			name: "c_tcp_loopback_never_read",
			req: withLimits(cProgram(socketsCHeader+`int main(void) {
    shared_total();
    tcp_fill(120);
    printf("%ld MiB in tcp\n", *total >> 20);
    return 0;
}
`), lim),
			status: "(MLE or OK)",
			check:  socketsBounded(limitMiB, "tcp"),
		},
		{
			// Eight processes of 100 connections each, at once.
			name: "c_tcp_loopback_eight_processes",
			req: withLimits(cProgram(socketsCHeader+`int main(void) {
    shared_total();
    for (int p = 0; p < 8; p++)
        if (fork() == 0) {
            tcp_fill(100);
            _exit(0);
        }
    while (wait(NULL) > 0)
        ;
    printf("%ld MiB in tcp\n", *total >> 20);
    return 0;
}
`), lim),
			status: "(MLE or OK)",
			check:  socketsBounded(limitMiB, "tcp"),
		},
		{
			// UDP: four processes of 200 receivers each, never read, with
			// the largest receive buffer a user may ask for; datagrams of
			// 60000 bytes until each queue is full or the kernel drops
			// them. What is stored is what the receive queues hold.
			name: "c_udp_loopback_never_read",
			req: withLimits(cProgram(socketsCHeader+`int main(void) {
    static char buf[60000];
    shared_total(); /* total[0]: processes ready */
    pid_t kids[4];
    for (int p = 0; p < 4; p++)
        if ((kids[p] = fork()) == 0) {
            int snd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
            for (int i = 0; i < 200; i++) {
                int r = socket(AF_INET, SOCK_DGRAM, 0);
                int size = 1 << 30;
                setsockopt(r, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
                struct sockaddr_in a = loopback(0);
                socklen_t len = sizeof a;
                if (r < 0 || bind(r, (void *)&a, sizeof a) < 0 || getsockname(r, (void *)&a, &len) < 0) {
                    fprintf(stderr, "udp socket %s\n", strerrorname_np(errno));
                    break;
                }
                for (int k = 0; k < 16; k++)
                    sendto(snd, buf, sizeof buf, 0, (void *)&a, sizeof a);
            }
            __atomic_add_fetch(total, 1, __ATOMIC_RELAXED);
            pause();
            _exit(0);
        }
    while (__atomic_load_n(total, __ATOMIC_RELAXED) < 4)
        usleep(1000);
    /* the receive queues, as the kernel counts them (rx_queue) */
    FILE *f = fopen("/proc/net/udp", "r");
    char line[512];
    unsigned long tx, rx;
    long sum = 0;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "%*d: %*x:%*x %*x:%*x %*x %lx:%lx", &tx, &rx) == 2)
            sum += rx;
    printf("%ld MiB in udp\n", sum >> 20);
    for (int p = 0; p < 4; p++)
        kill(kids[p], SIGKILL);
    while (wait(NULL) > 0)
        ;
    return 0;
}
`), lim),
			status: "(MLE or OK)",
			check:  socketsBounded(limitMiB, "udp"),
		},
		{
			// Socket buffers count against the memory limit together with
			// the rest: 24 MiB of memory and 16 MiB queued in loopback
			// TCP, each under the 32 MiB limit, 40 MiB together, held for
			// half a second. v1 bounds each by the limit on its own; the
			// engine must see the sum.
			name: "c_memory_and_tcp_together",
			req: withLimits(cProgram(socketsCHeader+`int main(void) {
    shared_total();
    char *p = malloc(24 << 20);
    memset(p, 1, 24 << 20);
    static char buf[1 << 16];
    int ls = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = loopback(0);
    socklen_t len = sizeof a;
    if (bind(ls, (void *)&a, sizeof a) < 0 || listen(ls, 512) < 0 || getsockname(ls, (void *)&a, &len) < 0)
        return 1;
    while (*total < (16L << 20) && time_left()) {
        int c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
        if (c < 0)
            break;
        connect(c, (void *)&a, sizeof a);
        if (accept4(ls, NULL, NULL, SOCK_NONBLOCK) < 0)
            break;
        for (ssize_t w; *total < (16L << 20) && (w = write(c, buf, sizeof buf)) > 0;)
            *total += w;
    }
    struct timespec pause = {0, 500000000};
    nanosleep(&pause, NULL);
    printf("24 MiB in memory and %ld MiB in tcp\n", *total >> 20);
    return p[12345] == 1 ? 0 : 2;
}
`), lim),
			status: "MLE",
		},
	})
}
