package attack

import (
	"fmt"
	"strings"
	"testing"

	"github.com/coderacer/coderacer/test/testserver"
)

// Kernel memory a run leaves behind. On cgroup v1 a box's cgroup lives on
// from run to run, and the kernel charges it with the dentries and inodes
// its programs made, which outlive them in the kernel's caches: a stat()
// of a missing name under /usr leaves a negative dentry. Such memory is
// reclaimable, so it must neither widen the next run's memory limit nor
// shrink its reported peak. SECURITY.md: the limit is the run's own plus
// what the box held when it was made; leftovers are reclaimed between
// runs, and a box that cannot get back to that is replaced.
//
// Each variant runs its attacker in both sandboxes (two at a time, see
// executePair) before each of two follow-ups, then requires, in each
// sandbox, a 200 MiB allocation under a 64 MiB limit to be MLE, both from
// the attacker (C) and from another user (Python).

// leftoverCPU bounds each attack by its process's CPU time and by the
// wall time, well under the 3 s limits, so that it ends OK with its work
// done. cpu_ms is the CPU budget of the process.
const leftoverCPU = `static long cpu_ms = 3500;
static long ms(clockid_t c) {
    struct timespec ts;
    clock_gettime(c, &ts);
    return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
static int cpu_left(void) {
    static long start;
    if (start == 0)
        start = ms(CLOCK_MONOTONIC);
    return ms(CLOCK_PROCESS_CPUTIME_ID) < cpu_ms && ms(CLOCK_MONOTONIC) - start < 4000;
}
`

// leftoverAttacks are the programs that leave reclaimable kernel memory;
// each takes a tag (argv[1]) that makes its names new to the kernel. Long
// names make the most of the CPU time: the kernel keeps a name longer than
// a few dozen bytes in an allocation of its own, beside the dentry.
var leftoverAttacks = []struct{ name, src string }{
	{
		// Negative dentries: a stat() of a missing name in a read-only
		// bind caches the name's absence.
		name: "c_negative_dentries",
		src: leftoverCPU + `int main(int argc, char **argv) {
    box();
    char p[512], pad[201];
    memset(pad, 'n', 200);
    pad[200] = 0;
    struct stat st;
    long n = 0;
    while (cpu_left())
        for (int i = 0; i < 1024; i++, n++) {
            snprintf(p, sizeof p, "/usr/lib/%s-%ld-%s", argv[1], n, pad);
            stat(p, &st);
        }
    printf("%ld lookups\n", n);
    return 0;
}
`,
	},
	{
		// The same from four processes at once, in several directories.
		name: "c_negative_dentries_four_processes",
		src: leftoverCPU + `int main(int argc, char **argv) {
    box();
    const char *dirs[] = {"/usr/lib", "/usr/share", "/usr/bin", "/etc", "/lib"};
    char pad[201];
    memset(pad, 'n', 200);
    pad[200] = 0;
    cpu_ms = 850;
    for (int k = 0; k < 4; k++)
        if (fork() == 0) {
            char p[512];
            struct stat st;
            long n = 0;
            while (cpu_left())
                for (int i = 0; i < 1024; i++, n++) {
                    snprintf(p, sizeof p, "%s/%s-%d-%ld-%s", dirs[n % 5], argv[1], k, n, pad);
                    stat(p, &st);
                }
            _exit(0);
        }
    while (wait(NULL) > 0)
        ;
    puts("done");
    return 0;
}
`,
	},
	{
		// Positive dentries and inodes: files made and deleted in /tmp and
		// /w, with directories, open and stat of each.
		name: "c_tmpfs_files_created_and_deleted",
		src: leftoverCPU + `int main(int argc, char **argv) {
    box();
    char p[256], q[256];
    long n = 0;
    while (cpu_left())
        for (int i = 0; i < 1024; i++, n++) {
            snprintf(q, sizeof q, "%s/%s-%ld", n % 2 ? "/tmp" : "/w", argv[1], n);
            snprintf(p, sizeof p, "%s/f", q);
            struct stat st;
            mkdir(q, 0700);
            int fd = open(p, O_CREAT | O_WRONLY, 0600);
            if (fd >= 0)
                close(fd);
            stat(p, &st);
            unlink(p);
            rmdir(q);
        }
    printf("%ld files\n", n);
    return 0;
}
`,
	},
	{
		// Every name of the system directories, looked up and stat()ed, and
		// the missing names beside each: dentries and inodes of existing
		// files where no earlier run cached them, negative ones anyway.
		name: "c_walk_system_directories",
		src: leftoverCPU + `static long n;
static char pad[256];
static void walk(const char *dir, const char *tag, int depth) {
    DIR *d = opendir(dir);
    if (d == NULL || depth > 12)
        goto out;
    struct dirent *e;
    char p[4096];
    struct stat st;
    while (cpu_left() && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
            walk(p, tag, depth + 1);
        /* a missing name beside it, as long as a name may be */
        snprintf(p, sizeof p, "%s/%s.%s.%.*s", dir, e->d_name, tag, (int)(230 - strlen(e->d_name)), pad);
        stat(p, &st);
        n++;
    }
out:
    if (d)
        closedir(d);
}
int main(int argc, char **argv) {
    box();
    memset(pad, 'n', 255);
    while (cpu_left())
        walk("/usr", argv[1], 0);
    printf("%ld names\n", n);
    return 0;
}
`,
	},
}

// leftoverAllocC is the attacker's next run: 200 MiB touched under 64 MiB.
const leftoverAllocC = `int main(void) {
    box();
    fflush(stderr);
    size_t n = 200 << 20;
    volatile char *p = malloc(n);
    for (size_t i = 0; p != NULL && i < n; i += 4096)
        p[i] = 1;
    puts(p == NULL ? "malloc failed" : "touched 200 MiB");
    return 0;
}
`

// leftoverAllocPython is another user's run: 200 MiB under 64 MiB.
const leftoverAllocPython = `import sys
for line in open("/proc/self/uid_map"):
    f = line.split()
    if f[0] == "1000":
        print("box=" + f[1], file=sys.stderr, flush=True)
b = bytearray(200 << 20)
for i in range(0, len(b), 4096):
    b[i] = 1
print("touched 200 MiB")
`

func TestMemoryLeftover(t *testing.T) {
	const limit = 64 * resourcesMiB
	lim := testserver.Limits{MemoryBytes: limit}
	// The attacker asks for more CPU time and memory than the defaults,
	// as any user may: the more it runs, the more it leaves.
	attackLim := testserver.Limits{CPUTimeMs: 5000, WallTimeMs: 6000, MemoryBytes: 1 << 30}
	for _, a := range leftoverAttacks {
		t.Run(a.name, func(t *testing.T) {
			// attackBoth runs the attack, two at a time (see
			// executePair), until it has run in both sandboxes.
			attackBoth := func() []string {
				seen := map[string]bool{}
				var boxes []string
				for i := 0; len(boxes) < 2; i++ {
					if i == 2 {
						t.Fatalf("four attack runs landed only in sandboxes %v, want both", boxes)
					}
					req := withLimits(processesWithArgs(cProgram(a.src), testserver.RandomHex(8)), attackLim)
					for _, r := range executePair(t, req) {
						if r.Status != "OK" {
							t.Fatalf("attack run: status %s, want OK: %s", r.Status, r)
						}
						box := filesBoxOf(t, r)
						t.Logf("attack in sandbox %s: %s, memory %d", box, strings.TrimSpace(r.Stdout), r.Memory)
						if !seen[box] {
							seen[box] = true
							boxes = append(boxes, box)
						}
					}
				}
				return boxes
			}
			for _, next := range []struct {
				who string
				req testserver.Request
			}{
				{"the attacker", withLimits(cProgram(leftoverAllocC), lim)},
				{"another user", withLimits(python(leftoverAllocPython), lim)},
			} {
				// Attack again before each: an allocation makes the kernel
				// reclaim some of what the attack left.
				for _, box := range attackBoth() {
					r := filesInBox(t, box, next.req)
					t.Logf("sandbox %s, %s: %s, memory %d", box, next.who, r.Status, r.Memory)
					if r.Status != "MLE" || r.Stdout != "" {
						t.Errorf("sandbox %s, %s: 200 MiB under a 64 MiB limit after the attack: %s", box, next.who, r)
					}
					if want := fmt.Sprintf("memory limit of %d bytes exceeded", limit); r.Message != want {
						t.Errorf("message %q, want %q", r.Message, want)
					}
					if r.Memory > limit || r.Memory < limit*9/10 {
						t.Errorf("sandbox %s, %s: memory %d, want from 0.9× the %d limit to the limit", box, next.who, r.Memory, limit)
					}
				}
			}
			requireHealthy(t)
		})
	}
}
