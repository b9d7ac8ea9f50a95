package attack

import (
	"crypto/rand"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/coderacer/coderacer/test/testserver"
)

// TestCoreDumpsNeverTaken: a host whose core_pattern is a pipe (apport,
// systemd-coredump) starts a root helper for every crash, whatever the
// crashing process's RLIMIT_CORE, unless that limit is exactly 1. The test
// points core_pattern at a small script that records its arguments, has
// a host process crash to prove the script runs, then crashes programs in
// the sandbox in every way (signals, abort, threads, after an execve,
// after trying to lower or raise RLIMIT_CORE and to become dumpable) and
// requires that the helper never ran for one of them. The sandbox's
// programs name themselves with a marker (comm, which the helper sees as
// %e): other engines on this host may crash programs in boxes of the same
// uids meanwhile.
func TestCoreDumpsNeverTaken(t *testing.T) {
	mark := coreMarker(t)
	records := coreHelper(t)
	coreHostCrash(t, mark+"h")
	waitRecord(t, records, mark+"h", 10*time.Second)

	runAttacks(t, coreAttacks(mark))

	// A second host crash: its record comes after every helper the
	// sandbox's crashes could have started.
	coreHostCrash(t, mark+"z")
	waitRecord(t, records, mark+"z", 10*time.Second)
	time.Sleep(500 * time.Millisecond)
	for _, rec := range readRecords(t, records) {
		comm := coreField(rec, 2)
		switch {
		case strings.HasPrefix(comm, mark) && comm != mark+"h" && comm != mark+"z":
			t.Errorf("a crash in the sandbox started the core dump helper: %q", rec)
		case strings.HasPrefix(coreField(rec, 0), "3"):
			t.Logf("a record of another process of a box uid (another engine's?): %q", rec)
		}
	}
}

// coreAttacks are the crashing programs, each named mark plus a letter.
func coreAttacks(mark string) []attack {
	helpers := `
static void name(const char *suffix) {
	char n[16];
	snprintf(n, sizeof n, "` + mark + `%s", suffix);
	prctl(PR_SET_NAME, n);
}

static void show_limit(void) {
	struct rlimit r;
	getrlimit(RLIMIT_CORE, &r);
	printf("core %lu %lu dumpable %d\n", (unsigned long)r.rlim_cur, (unsigned long)r.rlim_max, prctl(PR_GET_DUMPABLE));
	fflush(stdout);
}
`
	program := func(body string) testserver.Request {
		return cProgram(helpers + "\nint main(int argc, char **argv) {\n" + body + "\n\treturn 0;\n}\n")
	}
	sg := func(sig string, code int) func(t *testing.T, r *testserver.Response) {
		return func(t *testing.T, r *testserver.Response) {
			if r.Signal != sig || r.ExitCode != code {
				t.Errorf("signal %q exit code %d, want %s and %d", r.Signal, r.ExitCode, sig, code)
			}
		}
	}
	return []attack{
		{
			name:   "segv",
			req:    program(`name("s"); show_limit(); *(volatile int *)(long)(argc - 1) = 1;`),
			status: "SG", stdout: "core 1 1 dumpable 1\n", check: sg("SIGSEGV", 139),
		},
		{
			name:   "abort",
			req:    program(`name("a"); abort();`),
			status: "SG", check: sg("SIGABRT", 134),
		},
		{
			// RLIMIT_CORE 0 would let the pipe helper start again.
			name: "lower_core_limit_then_segv",
			req: program(`name("l");
	struct rlimit r = {0, 0};
	TRY("setrlimit_core_0", setrlimit(RLIMIT_CORE, &r));
	TRY("prlimit_core_0", syscall(SYS_prlimit64, 0, RLIMIT_CORE, &r, NULL));
	TRY("prlimit_core_0_high_bits", syscall(SYS_prlimit64, 0, (1L << 32) | RLIMIT_CORE, &r, NULL));
	show_limit();
	raise(SIGSEGV);`),
			status: "SG",
			stdout: lines("setrlimit_core_0 EPERM", "prlimit_core_0 EPERM", "prlimit_core_0_high_bits EPERM", "core 1 1 dumpable 1"),
			check:  sg("SIGSEGV", 139),
		},
		{
			name: "raise_core_limit_and_dumpable_then_quit",
			req: program(`name("r");
	struct rlimit r = {RLIM_INFINITY, RLIM_INFINITY};
	TRY("setrlimit_core_unlimited", setrlimit(RLIMIT_CORE, &r));
	struct rlimit soft = {0, 1};
	TRY("setrlimit_core_soft_0", setrlimit(RLIMIT_CORE, &soft));
	TRY("set_dumpable_1", prctl(PR_SET_DUMPABLE, 1));
	struct rlimit old;
	TRY("prlimit_read_only", syscall(SYS_prlimit64, 0, RLIMIT_CORE, NULL, &old));
	show_limit();
	raise(SIGQUIT);`),
			status: "SG",
			stdout: lines("setrlimit_core_unlimited EPERM", "setrlimit_core_soft_0 EPERM", "set_dumpable_1 OK", "prlimit_read_only OK",
				"core 1 1 dumpable 1"),
			check: sg("SIGQUIT", 131),
		},
		{
			// Every signal whose default action dumps core, in children:
			// the parent sees from the wait status whether a core was
			// dumped (WCOREDUMP), a fact inside the sandbox.
			name: "every_core_signal_in_children",
			req: program(`int sigs[] = {SIGQUIT, SIGILL, SIGTRAP, SIGABRT, SIGBUS, SIGFPE, SIGSEGV, SIGXCPU, SIGXFSZ, SIGSYS};
	int cores = 0;
	for (int i = 0; i < 10; i++) {
		pid_t p = fork();
		if (p == 0) {
			char s[4];
			snprintf(s, sizeof s, "c%d", i);
			name(s);
			prctl(PR_SET_DUMPABLE, 1);
			kill(getpid(), sigs[i]);
			_exit(0);
		}
		int st = 0;
		waitpid(p, &st, 0);
		if (!WIFSIGNALED(st) || WTERMSIG(st) != sigs[i]) printf("signal %d: status %#x\n", sigs[i], st);
		if (WCOREDUMP(st)) { cores++; printf("signal %d dumped core\n", sigs[i]); }
	}
	printf("cores %d\n", cores);`),
			status: "OK",
			stdout: "cores 0\n",
		},
		{
			// execve resets dumpability (PR_SET_DUMPABLE) and the name:
			// the program runs a copy of itself under a marked name.
			name: "crash_after_execve",
			req: program(`if (argc > 1) { show_limit(); struct rlimit r = {0, 0}; setrlimit(RLIMIT_CORE, &r); abort(); }
	char dst[64];
	snprintf(dst, sizeof dst, "/tmp/` + mark + `e");
	int in = open("/proc/self/exe", O_RDONLY), out = open(dst, O_WRONLY | O_CREAT | O_TRUNC, 0755);
	char buf[65536];
	long n;
	while ((n = read(in, buf, sizeof buf)) > 0) write(out, buf, n);
	close(in);
	close(out);
	char *args[] = {dst, "crash", NULL};
	execv(dst, args);
	printf("execv %s\n", errname(errno));`),
			status: "SG", stdout: "core 1 1 dumpable 1\n", check: sg("SIGABRT", 134),
		},
		{
			name: "crash_in_a_thread",
			req: program(`name("t");
	pthread_t th;
	pthread_create(&th, NULL, (void *(*)(void *))abort, NULL);
	pthread_join(th, NULL);`),
			status: "SG", check: sg("SIGABRT", 134),
		},
		{
			name: "python_abort",
			req: python(`import ctypes, os, resource
ctypes.CDLL(None).prctl(15, b"` + mark + `p", 0, 0, 0)
try:
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    print("setrlimit OK")
except (OSError, ValueError) as e:
    print("setrlimit refused:", e)
print(resource.getrlimit(resource.RLIMIT_CORE), flush=True)
os.abort()
`),
			status: "SG", stdout: "setrlimit refused: not allowed to raise maximum limit\n(1, 1)\n", check: sg("SIGABRT", 134),
		},
	}
}

// coreMarker is a name prefix no other process on the host has.
func coreMarker(t *testing.T) string {
	t.Helper()
	b := make([]byte, 5)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	m := "cz"
	for _, c := range b {
		m += string(rune('a' + c%26))
	}
	return m
}

// coreHelper points the host's core_pattern at a script that appends its
// arguments (uid, global pid, comm, signal, core limit, dumpable) to a
// file, restores the old pattern when the test ends, and returns the
// file's path.
func coreHelper(t *testing.T) string {
	t.Helper()
	const patternFile = "/proc/sys/kernel/core_pattern"
	old, err := os.ReadFile(patternFile)
	if err != nil {
		t.Fatal(err)
	}
	dir := coreDir(t)
	records := filepath.Join(dir, "records")
	script := filepath.Join(dir, "helper")
	body := "#!/bin/sh\necho \"$@\" >> " + records + "\n"
	if err := os.WriteFile(script, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := os.WriteFile(patternFile, old, 0o644); err != nil {
			t.Errorf("restore core_pattern %q: %v", old, err)
		}
	})
	if err := os.WriteFile(patternFile, []byte("|"+script+" %u %P %e %s %c %d"), 0o644); err != nil {
		t.Fatal(err)
	}
	return records
}

// coreHostCrash has a host process named comm, of an unprivileged uid and
// with RLIMIT_CORE 0 (the sandbox's old setting), die of SIGSEGV.
func coreHostCrash(t *testing.T, comm string) {
	t.Helper()
	link := filepath.Join(coreDir(t), comm)
	if err := os.Symlink("/bin/dash", link); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(link, "-c", "ulimit -c 0; kill -SEGV $$")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	err := cmd.Run()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); err == nil || !ok || ws.Signal() != syscall.SIGSEGV {
		t.Fatalf("the host control process did not die of SIGSEGV: %v", err)
	}
}

// coreDir is a new directory every user may enter: the helper runs as
// root, the host's control process as nobody.
func coreDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "coredump-attack-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func waitRecord(t *testing.T, records, comm string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		for _, rec := range readRecords(t, records) {
			if coreField(rec, 2) == comm {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("the core dump helper never ran for the host's crash of %s: the test would prove nothing (records %q)",
		comm, readRecords(t, records))
}

func readRecords(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSpace(string(data)), "\n")
}

// coreField returns the i-th space-separated field of a record.
func coreField(rec string, i int) string {
	f := strings.Fields(rec)
	if i >= len(f) {
		return fmt.Sprintf("(no field %d)", i)
	}
	return f[i]
}
