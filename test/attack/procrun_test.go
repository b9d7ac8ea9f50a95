package attack

import (
	"testing"

	"github.com/coderacer/coderacer/test/testserver"
)

// What a program can read of its box must not depend on what earlier runs
// in that box did. Each program below prints what it observes of the
// box's history (its pid, the pid counter, the init's accumulated CPU
// times and state, the tmpfs inode counters), then moves every one of
// those counters as far as it can (1000 forks, CPU burnt in children,
// files created) for the next run to see. Every run must print exactly
// what the first did, in either box.

// procrunPy observes in Python.
const procrunPy = crossrunBoxPy + `import errno
def show(label, f):
    try:
        print(label, f(), flush=True)
    except OSError as e:
        print(label, errno.errorcode.get(e.errno, str(e.errno)), flush=True)
def read(p):
    with open(p, "rb") as fh:
        return fh.read().decode()
print("pid", os.getpid(), "ppid", os.getppid())
print("pids", sorted(int(p) for p in os.listdir("/proc") if p.isdigit()))
show("init_times", lambda: read("/proc/1/stat").rsplit(")", 1)[1].split()[11:15])
show("init_status_ctxt", lambda: [l for l in read("/proc/1/status").splitlines() if "ctxt" in l or l.startswith("Threads")])
show("init_sched", lambda: read("/proc/1/sched").splitlines()[0])
show("init_schedstat", lambda: read("/proc/1/schedstat"))
show("init_io", lambda: read("/proc/1/io").split()[:4])
show("init_children", lambda: read("/proc/1/task/1/children"))
show("loadavg_last_pid", lambda: read("/proc/loadavg").split()[-1])
show("ns_last_pid", lambda: read("/proc/sys/kernel/ns_last_pid").strip())
def ino(p):
    with open(p, "w") as fh:
        fh.write("x")
    return os.stat(p).st_ino
show("ino_w", lambda: ino("/w/new"))
show("ino_tmp", lambda: ino("/tmp/new"))
show("ino_dir", lambda: (os.mkdir("/tmp/newdir"), os.stat("/tmp/newdir").st_ino)[1])
print("children", os.times().children_user == 0 and os.times().children_system == 0)
# Move everything: 1000 processes, CPU time in children, many files.
for i in range(1000):
    pid = os.fork()
    if pid == 0:
        if i % 100 == 0:
            x = 0
            for j in range(200000):
                x += j
        os._exit(0)
    os.waitpid(pid, 0)
for i in range(300):
    open("/tmp/f%d" % i, "w").close()
    open("/w/f%d" % i, "w").close()
`

// procrunC observes in C: its pid and the counter, run after a compile
// stage (the first time) or straight from the compile cache.
const procrunC = crossrunBoxC + `
static void show(const char *label, const char *path) {
	char buf[4096];
	FILE *f = fopen(path, "r");
	if (!f) { printf("%s unreadable\n", label); return; }
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	buf[n] = 0;
	fclose(f);
	char *nl = strchr(buf, '\n');
	if (nl) *nl = 0;
	printf("%s %s\n", label, buf);
}
int main(void) {
	print_box();
	printf("pid %d ppid %d\n", getpid(), getppid());
	show("init_stat", "/proc/1/stat");
	show("ns_last_pid", "/proc/sys/kernel/ns_last_pid");
	for (int i = 0; i < 1000; i++) {
		pid_t p = fork();
		if (p == 0) _exit(0);
		waitpid(p, NULL, 0);
	}
	pid_t p = fork();
	if (p == 0) { volatile long x = 0; for (long i = 0; i < 30000000; i++) x += i; _exit(0); }
	waitpid(p, NULL, 0);
	return 0;
}
`

// procrunBash observes in bash, whose command substitutions fork.
const procrunBash = `while read -r in out n; do [ "$in" = 1000 ] && echo "box $out"; done < /proc/self/uid_map
echo "pid $$ ppid $PPID"
echo "sub $(echo $BASHPID)"
echo "init $(cat /proc/1/stat 2>&1 | cut -d' ' -f14-17)"
for i in $(seq 300); do (:) ; done
`

// TestProcNoCarryOver: every run, in either box, sees the same pids,
// the same (invisible) init and the same inode numbers, whatever the runs
// before it did.
func TestProcNoCarryOver(t *testing.T) {
	for _, v := range []struct {
		name string
		req  testserver.Request
	}{
		{"python", python(procrunPy)},
		{"c", cProgram(procrunC)},
		{"bash", bash(procrunBash)},
	} {
		t.Run(v.name, func(t *testing.T) {
			var first string
			crossrunRepeat(t, v.req, func(t *testing.T, run, box int, r *testserver.Response, rest string) {
				if r.Status != "OK" {
					t.Fatalf("run %d (box %d): %s", run, box, r)
				}
				if run == 1 {
					first = rest
					t.Logf("run 1 (box %d) saw:\n%s", box, rest)
					return
				}
				if rest != first {
					t.Errorf("run %d (box %d) saw what earlier runs did:\n%s\nwhere run 1 saw:\n%s", run, box, rest, first)
				}
			})
			requireHealthy(t)
		})
	}
}

// TestProcInitInvisible: the container's init is not in the program's
// /proc at all: neither listed nor reachable by its number.
func TestProcInitInvisible(t *testing.T) {
	runAttacks(t, []attack{{
		name: "init_entries",
		req: python(procProbePy + `print("listed", "1" in os.listdir("/proc"))
for p in ["stat", "status", "sched", "schedstat", "io", "cmdline", "task", "limits", "cgroup"]:
    print(p, probe("/proc/1/" + p))
print("ppid", os.getppid())
`),
		status: "OK",
		stdout: lines("listed False", "stat HIDDEN", "status HIDDEN", "sched HIDDEN", "schedstat HIDDEN",
			"io HIDDEN", "cmdline HIDDEN", "task HIDDEN", "limits HIDDEN", "cgroup HIDDEN", "ppid 1"),
		check: func(t *testing.T, r *testserver.Response) {
			if r.Stderr != "" {
				t.Errorf("stderr %q", r.Stderr)
			}
		},
	}})
}
