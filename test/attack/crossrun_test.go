package attack

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coderacer/coderacer/test/testserver"
)

// The server has two sandboxes; box i runs programs as host uid
// srv.UIDBase+i.
// Every cross-run program prints "box <host uid>" first (from its
// uid_map), so the tests know which sandbox a run landed in and can make
// sure each sandbox ran the checker at least twice.

// crossrunBoxPy prints the box line in Python.
const crossrunBoxPy = `import os
for _l in open("/proc/self/uid_map").read().splitlines():
    if _l.split()[0] == "1000":
        print("box", _l.split()[1], flush=True)
`

// crossrunShowPy prints what a call returned, or its errno's name.
const crossrunShowPy = `import errno
def show(label, f):
    try:
        r = f()
        print(label, "OK" if r is None else r, flush=True)
    except OSError as e:
        print(label, errno.errorcode[e.errno], flush=True)
`

// crossrunBoxC is a C function printing the box line. It then waits a
// little, so that the two runs of a pair (see executePair) overlap and
// take both boxes: a C program ends in about a millisecond, and a box
// wiped by then would take the pair's second run too.
const crossrunBoxC = `#include <unistd.h>
static void print_box(void) {
	FILE *f = fopen("/proc/self/uid_map", "r");
	long in, out, n;
	while (f && fscanf(f, "%ld %ld %ld", &in, &out, &n) == 3)
		if (in == 1000) printf("box %ld\n", out);
	if (f) fclose(f);
	fflush(stdout);
	usleep(50000);
}
`

// crossrunMaxRuns bounds crossrunRepeat. A pair usually takes both boxes,
// but not always (a box wiped before the pair's second run arrived takes
// it too): room for a few pairs that land in one box.
const crossrunMaxRuns = 20

// crossrunSplit takes the box line off stdout.
func crossrunSplit(t *testing.T, r *testserver.Response) (box int, rest string) {
	t.Helper()
	first, rest, _ := strings.Cut(r.Stdout, "\n")
	v, ok := strings.CutPrefix(first, "box ")
	n, err := strconv.Atoi(v)
	if !ok || err != nil {
		t.Fatalf("the program did not say which box it ran in: %s", r)
	}
	return n, rest
}

// crossrunRepeat runs req, two at a time (see executePair), until both
// boxes have run it at least twice (at most crossrunMaxRuns runs),
// checking each run with check (stdout without its box line; run counts
// from 1).
func crossrunRepeat(t *testing.T, req testserver.Request, check func(t *testing.T, run, box int, r *testserver.Response, rest string)) {
	t.Helper()
	seen := map[int]int{}
	for run := 1; run <= crossrunMaxRuns; run += 2 {
		for i, r := range executePair(t, req) {
			box, rest := crossrunSplit(t, r)
			seen[box]++
			check(t, run+i, box, r, rest)
		}
		if len(seen) >= 2 && func() bool {
			for _, n := range seen {
				if n < 2 {
					return false
				}
			}
			return true
		}() {
			return
		}
	}
	t.Fatalf("%d runs did not reach both sandboxes twice each: %v", crossrunMaxRuns, seen)
}

// TestCrossRunFiles: each run finds /w holding only its own main.py, /tmp
// empty, no /dev/shm and no process but its own (the init is hidden); then it leaves
// files in /w and /tmp (some made hard to wipe) and a detached background
// process behind for the next run to find. Run until each sandbox has run
// it twice.
func TestCrossRunFiles(t *testing.T) {
	tok := testserver.RandomHex(6)
	req := python(crossrunBoxPy + crossrunShowPy + fmt.Sprintf(`import subprocess
print("w", sorted(os.listdir("/w")))
print("tmp", sorted(os.listdir("/tmp")))
show("dev_shm", lambda: os.listdir("/dev/shm"))
show("var_tmp", lambda: os.listdir("/var/tmp"))
procs = []
for p in os.listdir("/proc"):
    if p.isdigit() and int(p) != os.getpid():
        procs.append(open("/proc/%%s/cmdline" %% p, "rb").read().replace(b"\0", b" ").decode().strip())
print("procs", sorted(procs))
def write(path):
    def f():
        with open(path, "w") as fh:
            fh.write("left by an earlier run\n")
    return f
show("write_w", write("/w/left-%[1]s"))
show("write_w_hidden", write("/w/.left-%[1]s"))
show("write_tmp", write("/tmp/left-%[1]s"))
show("mkdir_tmp", lambda: os.makedirs("/tmp/d-%[1]s/sub"))
show("write_dev_shm", write("/dev/shm/left-%[1]s"))
show("write_dev", write("/dev/left-%[1]s"))
show("fifo_tmp", lambda: os.mkfifo("/tmp/fifo-%[1]s"))
def hard_to_wipe():
    # a directory nobody may enter, a deep tree, names a careless wiper
    # would mistake for options or split at newlines, links out of /w
    os.makedirs("/w/locked-%[1]s/inner")
    open("/w/locked-%[1]s/inner/f", "w").write("x")
    os.chmod("/w/locked-%[1]s/inner", 0)
    os.chmod("/w/locked-%[1]s", 0)
    d = "/tmp/deep-%[1]s"
    for i in range(200):
        d += "/d"
    os.makedirs(d)
    for n in ["-rf", "--no-preserve-root", "a\nb", " ", "..."]:
        open("/tmp/" + n, "w").write("x")
    os.symlink("/proc/1/root", "/w/link-root")
    os.symlink("/w", "/tmp/link-w")
    os.link("/w/left-%[1]s", "/w/hardlink-%[1]s")
show("hard_to_wipe", hard_to_wipe)
p = subprocess.Popen(["sleep", "60"], start_new_session=True, stdin=subprocess.DEVNULL,
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print("background", p.pid > 0)
`, tok))
	want := lines(
		"w ['main.py']",
		"tmp []",
		"dev_shm ENOENT",
		"var_tmp ENOENT",
		"procs []",
		"write_w OK",
		"write_w_hidden OK",
		"write_tmp OK",
		"mkdir_tmp OK",
		"write_dev_shm ENOENT",
		"write_dev EROFS",
		"fifo_tmp OK",
		"hard_to_wipe OK",
		"background True",
	)
	crossrunRepeat(t, req, func(t *testing.T, run, box int, r *testserver.Response, rest string) {
		if r.Status != "OK" || rest != want {
			t.Errorf("run %d (box %d): want status OK and stdout\n%s\ngot %s", run, box, want, r)
		}
	})
	requireHealthy(t)
}

// crossrunIPCProgram, run after run, lists the System V IPC objects and
// POSIX message queues it can see, then creates its own with a key no
// other test uses, exclusively: in a fresh IPC namespace both succeed.
// With remove set it deletes them instead (the test's cleanup).
func crossrunIPCProgram(key int, mq string, remove bool) testserver.Request {
	return cProgram(fmt.Sprintf(`%s
static int count(const char *path) {
	FILE *f = fopen(path, "r");
	if (!f) return -errno;
	int n = -1; /* the header line */
	char line[512];
	while (fgets(line, sizeof line, f)) n++;
	fclose(f);
	return n;
}
static const char *res(int r) {
	if (r >= 0) return "OK";
	switch (errno) {
	case EEXIST: return "EEXIST";
	case EPERM: return "EPERM";
	case EACCES: return "EACCES";
	case ENOSPC: return "ENOSPC";
	case ENOSYS: return "ENOSYS";
	case ENOENT: return "ENOENT";
	}
	return "OTHER";
}
int main(void) {
	print_box();
	const key_t key = %d;
	const char *mq = "/%s";
	if (%d) {
		int id;
		if ((id = shmget(key, 0, 0)) >= 0) shmctl(id, IPC_RMID, NULL);
		if ((id = msgget(key, 0)) >= 0) msgctl(id, IPC_RMID, NULL);
		if ((id = semget(key, 0, 0)) >= 0) semctl(id, 0, IPC_RMID);
		mq_unlink(mq);
		printf("removed\n");
		return 0;
	}
	printf("visible shm=%%d msg=%%d sem=%%d\n", count("/proc/sysvipc/shm"), count("/proc/sysvipc/msg"), count("/proc/sysvipc/sem"));
	int shm = shmget(key, 1 << 20, IPC_CREAT | IPC_EXCL | 0666);
	printf("shmget_excl %%s\n", res(shm));
	if (shm >= 0) {
		char *p = shmat(shm, NULL, 0);
		if (p != (void *)-1) { memset(p, 'x', 1 << 20); shmdt(p); }
	}
	printf("msgget_excl %%s\n", res(msgget(key, IPC_CREAT | IPC_EXCL | 0666)));
	printf("semget_excl %%s\n", res(semget(key, 1, IPC_CREAT | IPC_EXCL | 0666)));
	struct mq_attr a = {0, 1, 16, 0};
	mqd_t q = mq_open(mq, O_CREAT | O_EXCL | O_RDWR, 0666, &a);
	printf("mq_open_excl %%s\n", res(q == (mqd_t)-1 ? -1 : 0));
	if (q != (mqd_t)-1) mq_send(q, "left", 4, 0);
	return 0;
}
`, crossrunBoxC, key, mq, map[bool]int{false: 0, true: 1}[remove]))
}

// TestCrossRunRetired: the wipe moves a job's /w and /tmp mounts under
// /.retired, which it unmounts only every few jobs (see retirer in
// internal/sandbox). Each run carries a secret file, which the server
// writes into /w, and looks for the secrets of the runs before it: under
// /.retired (listed, opened by the path of the mount retired last, walked)
// and anywhere else it can read. A box that ran it twice must have shown a
// retired mount in its mount table at least once, or the test would prove
// nothing.
func TestCrossRunRetired(t *testing.T) {
	tok := testserver.RandomHex(6)
	req := python(crossrunBoxPy + crossrunShowPy + fmt.Sprintf(`
mine = open("/w/secret.txt").read()
needle = "secret-" + "%[1]s"[:3] + "%[1]s"[3:] + "-" # not in this source
retired = [l.split()[4] for l in open("/proc/self/mountinfo") if l.split()[4].startswith("/.retired/")]
print("retired_mounts", "yes" if retired else "no")
show("list", lambda: os.listdir("/.retired"))
show("open", lambda: open((retired or ["/.retired/0"])[-1] + "/secret.txt").read())
found = []
for top in ["/.retired", "/w", "/tmp", "/dev", "/etc"]:
    for dirpath, dirs, files in os.walk(top):
        for n in files:
            try:
                data = open(os.path.join(dirpath, n), errors="replace").read(4096)
            except OSError:
                continue
            if needle in data and data != mine:
                found.append(os.path.join(dirpath, n))
print("found", found)
`, tok))
	runs, retired := map[int]int{}, map[int]int{} // box -> its runs, those that saw a retired mount
	for run := 1; run <= 16; run++ {
		req := req
		req.Files = append(slices.Clone(req.Files), testserver.File{Name: "secret.txt", Content: fmt.Sprintf("secret-%s-%d", tok, run)})
		status, r := testserver.Execute(t, srv, req)
		if status != 200 {
			t.Fatalf("run %d: status %d", run, status)
		}
		box, rest := crossrunSplit(t, r)
		runs[box]++
		if strings.HasPrefix(rest, "retired_mounts yes\n") {
			retired[box]++
		}
		want := "list EACCES\nopen EACCES\nfound []\n"
		if r.Status != "OK" || !strings.HasSuffix(rest, want) {
			t.Fatalf("run %d (box %d): %s, stdout %q, stderr %q; want it to end with %q", run, box, r, rest, r.Stderr, want)
		}
	}
	// Unmounted every 8 jobs of a box, retired mounts are there for most.
	for box, n := range runs {
		if n >= 2 && retired[box] == 0 {
			t.Errorf("box %d: none of its %d runs saw a retired mount: the test proved nothing there", box, n)
		}
	}
}

// TestCrossRunSysVIPC: SysV shared memory, message queues and semaphores
// and POSIX message queues live in the IPC namespace, not in /w or /tmp:
// a run must not find what an earlier run of its sandbox created (which
// would be a channel between users and memory outliving the run and its
// cgroup). Run until each sandbox has run it twice.
func TestCrossRunSysVIPC(t *testing.T) {
	key := 0x5eed0000 | int(time.Now().UnixNano()&0xffff)
	mq := "coderacer-attack-" + testserver.RandomHex(4)
	defer func() {
		// Best effort, so later tests do not inherit the objects if the
		// sandbox keeps them: remove them in both boxes.
		seen := map[int]bool{}
		for i := 0; i < 8 && len(seen) < 2; i++ {
			status, r := testserver.Execute(t, srv, crossrunIPCProgram(key, mq, true))
			if status == 200 && strings.HasPrefix(r.Stdout, "box ") {
				box, _ := crossrunSplit(t, r)
				seen[box] = true
			}
		}
	}()
	// The box's IPC namespace outlives a run, so creating System V IPC
	// objects and POSIX message queues is refused outright (ENOSYS): no
	// run can leave one behind, and none is ever visible.
	want := lines("visible shm=0 msg=0 sem=0", "shmget_excl ENOSYS", "msgget_excl ENOSYS", "semget_excl ENOSYS", "mq_open_excl ENOSYS")
	crossrunRepeat(t, crossrunIPCProgram(key, mq, false), func(t *testing.T, run, box int, r *testserver.Response, rest string) {
		if r.Status != "OK" || rest != want {
			t.Errorf("run %d (box %d): IPC objects of an earlier run are visible: want stdout\n%s\ngot %s", run, box, want, r)
		}
	})
	requireHealthy(t)
}

// TestCrossRunNetworkState: the loopback a run gets is fresh: no packet
// counted on it and no socket (a TIME_WAIT left by an earlier run's
// connection, say) in /proc/net. Each run then makes a TCP connection and
// closes it first (leaving TIME_WAIT) and sends UDP datagrams, for the
// next run to find. Run until each sandbox has run it twice.
func TestCrossRunNetworkState(t *testing.T) {
	// The box's network namespace outlives a run. Its packet counters
	// and the TIME_WAIT entries of closed connections carry over (a known,
	// documented limitation: they reveal traffic volume, nothing of its
	// content); what must not survive is a socket anyone can still use: a
	// listener, a connection, a bound UDP socket.
	req := python(crossrunBoxPy + `import socket
live = 0
for f in ["tcp", "tcp6", "udp", "udp6"]:
    for l in open("/proc/net/" + f).read().splitlines()[1:]:
        if l.split()[3] != "06":  # 06 is TIME_WAIT
            live += 1
print("live sockets", live)
l = socket.socket(); l.bind(("127.0.0.1", 0)); l.listen(1)
c = socket.create_connection(l.getsockname()); a, _ = l.accept()
c.sendall(b"x" * 1000); a.recv(1000)
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("127.0.0.1", 0))
u.sendto(b"y", u.getsockname())
print("traffic made, sockets left open")
`)
	want := lines("live sockets 0", "traffic made, sockets left open")
	crossrunRepeat(t, req, func(t *testing.T, run, box int, r *testserver.Response, rest string) {
		if r.Status != "OK" || rest != want {
			t.Errorf("run %d (box %d): network state of an earlier run is visible: want stdout\n%s\ngot %s", run, box, want, r)
		}
	})
	requireHealthy(t)
}

// TestCrossRunConcurrent: two runs at once, in the two sandboxes, each
// writing a file of its own to /w and /tmp and, while both are alive,
// listing /w, /tmp and /proc: neither sees the other's files or processes.
// Every attempt asserts the isolation; an attempt where the two runs did
// not overlap in time (a sandbox was still being wiped) is retried, up to
// three in all.
func TestCrossRunConcurrent(t *testing.T) {
	for attempt := 1; ; attempt++ {
		overlapped := crossrunConcurrentOnce(t)
		if t.Failed() || overlapped {
			break
		}
		if attempt == 3 {
			t.Fatalf("in %d attempts the two runs never ran in both sandboxes at the same time", attempt)
		}
		t.Logf("attempt %d: the two runs did not overlap; again", attempt)
	}
	requireHealthy(t)
}

// crossrunConcurrentOnce starts the two runs together, asserts what each
// saw and reports whether they ran in different sandboxes at the same time.
func crossrunConcurrentOnce(t *testing.T) bool {
	t.Helper()
	type result struct {
		tok string
		r   *testserver.Response
		err string
	}
	const n = 2
	results := make([]result, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		tok := fmt.Sprintf("conc%d-%s", i, testserver.RandomHex(6))
		results[i].tok = tok
		req := python(crossrunBoxPy + fmt.Sprintf(`import time
open("/w/%[1]s", "w").write("mine")
open("/tmp/%[1]s", "w").write("mine")
os.mkdir("/tmp/dir-%[1]s")
t0 = time.time()
time.sleep(1.2)
print("w", sorted(os.listdir("/w")))
print("tmp", sorted(os.listdir("/tmp")))
procs = []
for p in os.listdir("/proc"):
    if p.isdigit() and int(p) != os.getpid():
        procs.append(open("/proc/%%s/cmdline" %% p, "rb").read().replace(b"\0", b" ").decode().strip())
print("procs", sorted(procs))
print("alive %%.3f %%.3f" %% (t0, time.time()))
`, tok))
		req.Limits = &testserver.Limits{WallTimeMs: 5000}
		wg.Go(func() {
			<-start
			status, r := testserver.Execute(t, srv, req)
			results[i].r = r
			if status != 200 {
				results[i].err = fmt.Sprintf("HTTP %d", status)
			}
		})
	}
	close(start)
	wg.Wait()

	var windows [n][2]float64
	boxes := map[int]bool{}
	for i, res := range results {
		if res.err != "" {
			t.Fatalf("run %d: %s: %s", i, res.err, res.r)
		}
		box, rest := crossrunSplit(t, res.r)
		boxes[box] = true
		body, alive, _ := strings.Cut(rest, "alive ")
		want := lines(
			fmt.Sprintf("w ['%s', 'main.py']", res.tok),
			fmt.Sprintf("tmp ['%s', 'dir-%s']", res.tok, res.tok),
			"procs []",
		)
		if res.r.Status != "OK" || body != want {
			t.Errorf("run %d (box %d) saw more than its own files and processes: want stdout\n%s\ngot %s", i, box, want, res.r)
		}
		if _, err := fmt.Sscanf(alive, "%f %f", &windows[i][0], &windows[i][1]); err != nil {
			t.Fatalf("run %d: no alive window in %q", i, rest)
		}
	}
	return len(boxes) == 2 && windows[0][0] < windows[1][1] && windows[1][0] < windows[0][1]
}

// crossrunKeyProgram looks for a key named name in the user keyring (which
// the kernel keeps per user, across processes), natively and through the
// i386 ABI, then adds it; with remove set it invalidates it instead.
func crossrunKeyProgram(name string, remove bool) testserver.Request {
	return cProgram(crossrunBoxC + fmt.Sprintf(`
int main(void) {
	print_box();
	char *m = low32();
	strcpy(m, "user");
	strcpy(m + 64, %q);
	strcpy(m + 256, "payload left by an earlier run");
	if (%d) {
		long id = sc32(288 /* keyctl */, 10 /* KEYCTL_SEARCH */, -4 /* user keyring */, (long)m, (long)(m + 64), 0);
		if (id > 0) sc32(288, 21 /* KEYCTL_INVALIDATE */, id, 0, 0, 0);
		printf("removed\n");
		return 0;
	}
	TRY("keyctl_search", syscall(SYS_keyctl, 10, -4, "user", m + 64, 0));
	long id = sc32(288, 10, -4, (long)m, (long)(m + 64), 0);
	if (id > 0) {
		long n = sc32(288, 11 /* KEYCTL_READ */, id, (long)(m + 1024), 1000, 0);
		printf("i386_keyctl_search FOUND %%.*s\n", (int)(n > 0 ? n : 0), m + 1024);
	} else {
		printf("i386_keyctl_search %%s\n", errname((int)-id));
	}
	TRY32("i386_add_key", sc32(286 /* add_key */, (long)m, (long)(m + 64), (long)(m + 256), 30, -4));
	return 0;
}
`, name, map[bool]int{false: 0, true: 1}[remove]))
}

// TestCrossRunKeyrings: the kernel's user keyring outlives processes; the
// key calls are refused (EPERM natively, ENOSYS through the i386 ABI, which
// only allows a handful of calls), so no
// run can leave a key there for a later run of its sandbox to read.
func TestCrossRunKeyrings(t *testing.T) {
	name := "coderacer-attack-" + testserver.RandomHex(6)
	defer func() {
		seen := map[int]bool{}
		for i := 0; i < 8 && len(seen) < 2; i++ {
			status, r := testserver.Execute(t, srv, crossrunKeyProgram(name, true))
			if status == 200 && strings.HasPrefix(r.Stdout, "box ") {
				box, _ := crossrunSplit(t, r)
				seen[box] = true
			}
		}
	}()
	want := lines("keyctl_search EPERM", "i386_keyctl_search ENOSYS", "i386_add_key ENOSYS")
	crossrunRepeat(t, crossrunKeyProgram(name, false), func(t *testing.T, run, box int, r *testserver.Response, rest string) {
		if r.Status != "OK" || rest != want {
			t.Errorf("run %d (box %d): want stdout\n%s\ngot %s", run, box, want, r)
		}
	})
	requireHealthy(t)
}
