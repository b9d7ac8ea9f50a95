package attack

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/coderacer/coderacer/test/testserver"
)

// Processes: bombs, daemons, signals and tracing. Programs that try to
// outlive their run carry a unique marker in their command line, and the
// host's /proc is searched for it afterwards (testserver.ProcessesMatching
// sees sandboxed processes: TestHostSeesSandboxProcesses in test/e2e
// proves it).

// processesMarker returns a marker unique to this test run, usable as a
// `sleep` duration so that it shows in the sleeping process's argv.
func processesMarker() string {
	return fmt.Sprintf("%d.%09d", 7000+rand.IntN(1000), rand.IntN(1_000_000_000))
}

// processesWithArgs sets a request's command-line arguments.
func processesWithArgs(r testserver.Request, args ...string) testserver.Request {
	r.Args = args
	return r
}

// processesNoSurvivors returns a check that no host process has marker in
// its command line once the run is over (allowing 2 s for the kernel to
// reap the killed ones), and that the request did not hang.
func processesNoSurvivors(marker string, maxElapsed time.Duration) func(t *testing.T, r *testserver.Response) {
	return func(t *testing.T, r *testserver.Response) {
		t.Helper()
		if left := testserver.ProcessesMatching(marker, 2*time.Second); len(left) > 0 {
			t.Errorf("%d processes of the run survived it on the host, e.g. %v", len(left), left[:min(len(left), 5)])
		}
		if r.Elapsed > maxElapsed {
			t.Errorf("the request took %v, want < %v", r.Elapsed, maxElapsed)
		}
	}
}

// processesEmptyStdout checks that a program killed by a limit printed
// nothing on stdout.
func processesEmptyStdout(t *testing.T, r *testserver.Response) {
	t.Helper()
	if r.Stdout != "" {
		t.Errorf("stdout %q, want empty", testserver.Shorten(r.Stdout, 300))
	}
}

// TestProcessesBombs: fork and thread bombs stop at the pids limit (64
// processes and threads by default, the program included), end in time
// and leave nothing behind.
func TestProcessesBombs(t *testing.T) {
	bashMarker, cLoopMarker, cBombMarker, tMarker := processesMarker(), processesMarker(), processesMarker(), processesMarker()
	runAttacks(t, []attack{
		{
			// Bash retries a failed fork with back-off, so the bomb ends
			// by the wall time limit; the CPU limit is out of the way.
			name: "bash_fork_bomb",
			req: withLimits(processesWithArgs(bash(":(){ :|:& };:\nwait\nsleep 30\n"), bashMarker),
				testserver.Limits{WallTimeMs: 1500, CPUTimeMs: 10000}),
			status: "TLE",
			check: func(t *testing.T, r *testserver.Response) {
				processesEmptyStdout(t, r)
				if r.Message != "wall time limit of 1.5s exceeded" {
					t.Errorf("message %q, want the wall time limit", r.Message)
				}
				processesNoSurvivors(bashMarker, 10*time.Second)(t, r)
			},
		},
		{
			// Fork until the pids limit: 63 children beside the program.
			name: "c_fork_until_refused",
			req: processesWithArgs(cProgram(`int main(void) {
    int n = 0, err = 0;
    for (int i = 0; i < 1000; i++) {
        pid_t p = fork();
        if (p == 0) {
            for (;;)
                pause();
        }
        if (p < 0) {
            err = errno;
            break;
        }
        n++;
    }
    printf("forked %d then %s\n", n, strerrorname_np(err));
    return 0;
}
`), cLoopMarker),
			status: "OK",
			stdout: "forked 63 then EAGAIN\n",
			check:  processesNoSurvivors(cLoopMarker, 5*time.Second),
		},
		{
			// Every process forks forever: ends by the CPU limit (failed
			// forks cost CPU) or the wall limit, TLE either way.
			name: "c_fork_bomb",
			req: withLimits(processesWithArgs(cProgram(`int main(void) {
    for (;;)
        fork();
}
`), cBombMarker), testserver.Limits{CPUTimeMs: 1000, WallTimeMs: 1500}),
			status: "TLE",
			check: func(t *testing.T, r *testserver.Response) {
				processesEmptyStdout(t, r)
				processesNoSurvivors(cBombMarker, 10*time.Second)(t, r)
			},
		},
		{
			name: "c_thread_bomb",
			req: processesWithArgs(cProgram(`static void *idle(void *arg) {
    for (;;)
        pause();
    return arg;
}
int main(void) {
    int n = 0, err = 0;
    for (int i = 0; i < 100000; i++) {
        pthread_t t;
        if ((err = pthread_create(&t, NULL, idle, NULL)) != 0)
            break;
        n++;
    }
    printf("threads %d then %s\n", n, strerrorname_np(err));
    return 0;
}
`), tMarker),
			status: "OK",
			stdout: "threads 63 then EAGAIN\n",
			check:  processesNoSurvivors(tMarker, 5*time.Second),
		},
		{
			name: "python_thread_bomb",
			req: python(`import threading, time
n = 0
try:
    while True:
        threading.Thread(target=time.sleep, args=(100,), daemon=True).start()
        n += 1
except RuntimeError as e:
    print(n, e)
`),
			status: "OK",
			stdout: "63 can't start new thread\n",
		},
	})
}

// TestProcessesDaemons: processes that detach (new session, double fork,
// signals ignored, stopped, respawning) do not outlive the run.
func TestProcessesDaemons(t *testing.T) {
	cMarker, pyMarker, respawnMarker, stopMarker := processesMarker(), processesMarker(), processesMarker(), processesMarker()
	runAttacks(t, []attack{
		{
			name: "c_setsid_double_fork_ignoring_signals",
			req: processesWithArgs(cProgram(`int main(int argc, char **argv) {
    pid_t p = fork();
    if (p == 0) {
        setsid();
        if (fork() != 0)
            _exit(0);
        for (int s = 1; s < 32; s++)
            signal(s, SIG_IGN);
        int fd = open("/dev/null", O_RDWR);
        dup2(fd, 0);
        dup2(fd, 1);
        dup2(fd, 2);
        char *args[] = {"sleep", argv[1], NULL};
        execv("/usr/bin/sleep", args);
        _exit(1);
    }
    waitpid(p, NULL, 0);
    puts("daemonized");
    return 0;
}
`), cMarker),
			status: "OK",
			stdout: "daemonized\n",
			check:  processesNoSurvivors(cMarker, 5*time.Second),
		},
		{
			// The daemon renames itself (argv[0] and comm) like a kernel
			// thread; its arguments still carry the marker.
			name: "python_daemon_disguised",
			req: python(`import ctypes, os, signal, sys
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        for s in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT, signal.SIGUSR1):
            signal.signal(s, signal.SIG_IGN)
        ctypes.CDLL(None).prctl(15, b"kworker/0:1", 0, 0, 0)  # PR_SET_NAME
        os.execv("/usr/bin/sleep", ["[kworker/0:1]", "` + pyMarker + `"])
    os._exit(0)
os.wait()
print("daemonized")
`),
			status: "OK",
			stdout: "daemonized\n",
			check:  processesNoSurvivors(pyMarker, 5*time.Second),
		},
		{
			// A supervisor in its own session restarts its child whenever
			// it dies; both ignore every catchable signal.
			name: "bash_respawning_supervisor",
			req: bash(`trap '' TERM HUP INT QUIT USR1 USR2
setsid bash -c 'trap "" TERM HUP INT QUIT; while :; do sleep ` + respawnMarker + `; done' </dev/null >/dev/null 2>&1 &
echo started
`),
			status: "OK",
			stdout: "started\n",
			check:  processesNoSurvivors(respawnMarker, 5*time.Second),
		},
		{
			// A stopped process cannot run its signal handlers, but
			// SIGKILL still ends it.
			name: "python_stopped_child",
			req: python(`import os, signal, time
pid = os.fork()
if pid == 0:
    os.execv("/usr/bin/sleep", ["sleep", "` + stopMarker + `"])
time.sleep(0.05)
os.kill(pid, signal.SIGSTOP)
os.waitpid(pid, os.WUNTRACED)
print("stopped")
`),
			status: "OK",
			stdout: "stopped\n",
			check:  processesNoSurvivors(stopMarker, 5*time.Second),
		},
	})
}

// TestProcessesSignals: kills aimed at everything visible, at the
// container's init and at the host's processes reach only the sandbox.
func TestProcessesSignals(t *testing.T) {
	// The host pids to aim at: the server, this test process and the
	// sandboxes' inits (coderacer-init beside the server; all warm, see
	// TestMain).
	targets := []string{"server", strconv.Itoa(srv.PID), "test", strconv.Itoa(syscall.Getpid())}
	var inits []int
	initPath := testserver.InitPath(srv.Bin)
	for _, p := range testserver.HostProcesses() {
		if p.Runs(initPath) {
			inits = append(inits, p.PID)
			targets = append(targets, fmt.Sprintf("init%d", len(inits)), strconv.Itoa(p.PID))
		}
	}
	if len(inits) == 0 {
		t.Fatalf("found no sandbox init running %s on the host", initPath)
	}
	var want []string
	for i := 0; i < len(targets); i += 2 {
		want = append(want, targets[i]+" unreachable", targets[i]+" group unreachable")
	}
	hostAlive := func(t *testing.T, r *testserver.Response) {
		for _, pid := range append([]int{srv.PID}, inits...) {
			if err := syscall.Kill(pid, 0); err != nil {
				t.Errorf("host process %d is gone after the attack: %v", pid, err)
			}
		}
	}

	runAttacks(t, []attack{
		{
			name: "bash_kill_minus_one",
			req: bash(`sleep 100 &
p=$!
kill -9 -1
wait $p
echo "sleep: $?"
echo survived
`),
			status: "OK",
			// kill(-1) reaches every process of the sandbox the program
			// may signal, except itself: its sleep (128+9); not the
			// init (uid 0), not the host.
			stdout: lines("sleep: 137", "survived"),
			check:  hostAlive,
		},
		{
			name: "python_kill_every_visible_pid",
			req: python(`import errno, os, signal
for p in sorted(set(os.listdir("/proc")) | {"1"}):
    if p.isdigit() and int(p) != os.getpid():
        try:
            os.kill(int(p), signal.SIGKILL)
            print(p, "killed")
        except OSError as e:
            print(p, errno.errorcode[e.errno])
print("alive")
`),
			status: "OK",
			// No other process is visible; the container's init, hidden, is
			// tried by number.
			stdout: lines("1 EPERM", "alive"),
			check:  hostAlive,
		},
		{
			name: "c_signal_container_init",
			req: cProgram(`int main(void) {
    printf("kill(1, SIGKILL) %s\n", en(kill(1, SIGKILL)));
    printf("kill(1, SIGTERM) %s\n", en(kill(1, SIGTERM)));
    printf("kill(1, SIGSTOP) %s\n", en(kill(1, SIGSTOP)));
    printf("kill(1, 0) %s\n", en(kill(1, 0)));
    int fd = syscall(SYS_pidfd_open, 1, 0);
    printf("pidfd_open(1) %s\n", en(fd));
    printf("pidfd_send_signal(init, SIGKILL) %s\n", en(syscall(SYS_pidfd_send_signal, fd, SIGKILL, NULL, 0)));
    printf("pidfd_getfd(init, 0) %s\n", en(syscall(SYS_pidfd_getfd, fd, 0, 0)));
    printf("tgkill(1, 1, SIGKILL) %s\n", en(syscall(SYS_tgkill, 1, 1, SIGKILL)));
    return 0;
}
`),
			status: "OK",
			stdout: lines("kill(1, SIGKILL) EPERM", "kill(1, SIGTERM) EPERM", "kill(1, SIGSTOP) EPERM", "kill(1, 0) EPERM",
				// Opening a pidfd needs no permission; using it does.
				"pidfd_open(1) OK", "pidfd_send_signal(init, SIGKILL) EPERM",
				// seccomp refuses pidfd_getfd with EPERM.
				"pidfd_getfd(init, 0) EPERM", "tgkill(1, 1, SIGKILL) EPERM"),
		},
		{
			name: "python_kill_host_pids",
			req: processesWithArgs(python(`import errno, os, signal, sys
def hit(label, pid):
    # A host pid number may also name a process of the sandbox's own pid
    # namespace (its numbers are independent): that is not the host
    # process either, so it is reported as unreachable and left alone.
    if os.path.exists("/proc/%d" % abs(pid)):
        print(label, "unreachable")
        return
    try:
        os.kill(pid, signal.SIGKILL)
        print(label, "KILLED")
    except OSError as e:
        print(label, "unreachable" if e.errno == errno.ESRCH else errno.errorcode[e.errno])
args = sys.argv[1:]
for label, pid in zip(args[::2], args[1::2]):
    hit(label, int(pid))
    hit(label + " group", -int(pid))
`), targets...),
			status: "OK",
			stdout: lines(want...),
			check:  hostAlive,
		},
	})
}

// TestProcessesTracing: ptrace and the other ways into another process's
// memory are refused by seccomp (EPERM), even for the program's own child.
func TestProcessesTracing(t *testing.T) {
	runAttacks(t, []attack{{
		name: "c_ptrace_and_process_vm",
		req: cProgram(`int main(void) {
    printf("PTRACE_TRACEME %s\n", en(ptrace(PTRACE_TRACEME, 0, 0, 0)));
    pid_t child = fork();
    if (child == 0) {
        pause();
        _exit(0);
    }
    printf("PTRACE_ATTACH child %s\n", en(ptrace(PTRACE_ATTACH, child, 0, 0)));
    printf("PTRACE_SEIZE child %s\n", en(ptrace(PTRACE_SEIZE, child, 0, 0)));
    printf("PTRACE_ATTACH init %s\n", en(ptrace(PTRACE_ATTACH, 1, 0, 0)));
    char buf[16];
    struct iovec local = {buf, sizeof buf}, remote = {(void *)0x400000, sizeof buf};
    printf("process_vm_readv child %s\n", en(process_vm_readv(child, &local, 1, &remote, 1, 0)));
    printf("process_vm_writev init %s\n", en(process_vm_writev(1, &local, 1, &remote, 1, 0)));
    int fd = open("/proc/1/mem", O_RDONLY);
    printf("open /proc/1/mem %s\n", en(fd));
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    return 0;
}
`),
		status: "OK",
		stdout: lines("PTRACE_TRACEME EPERM", "PTRACE_ATTACH child EPERM", "PTRACE_SEIZE child EPERM", "PTRACE_ATTACH init EPERM",
			"process_vm_readv child EPERM", "process_vm_writev init EPERM",
			// Not seccomp: /proc hides the init from the program.
			"open /proc/1/mem ENOENT"),
	}})
}

// TestProcessesVisible: the sandbox's /proc shows its own init and the
// program, nothing of the host; 100 zombies left by a program are gone in
// the next run of the same sandbox.
func TestProcessesVisible(t *testing.T) {
	// The program names what it sees: itself, the container's init (pid
	// 1, which /proc hides from it), or anything else by its command line.
	listProcs := `import os
names = []
for p in sorted((int(p) for p in os.listdir("/proc") if p.isdigit())):
    if p == os.getpid():
        names.append("self")
    elif p == 1:
        names.append("init")
    else:
        try:
            names.append("other:" + open("/proc/%d/cmdline" % p).read().replace("\0", " ").strip())
        except OSError:
            names.append("other:gone")
print(len(names), "processes:", " ".join(names))
`
	runAttacks(t, []attack{
		{
			name:   "python_count_processes",
			req:    python(listProcs),
			status: "OK",
			stdout: "1 processes: self\n",
		},
		{
			name: "python_100_zombies",
			req: withLimits(python(filesPyErrno+`box()
import time
for i in range(100):
    if os.fork() == 0:
        os._exit(0)
time.sleep(0.2)
z = 0
for p in os.listdir("/proc"):
    if p.isdigit():
        try:
            z += open("/proc/%s/stat" % p).read().rsplit(")", 1)[1].split()[0] == "Z"
        except OSError:
            pass
print("zombies", z)
`), testserver.Limits{Processes: 128}),
			status: "OK",
			stdout: "zombies 100\n",
			check: func(t *testing.T, r *testserver.Response) {
				box := filesBoxOf(t, r)
				f := filesInBox(t, box, python(filesPyErrno+"box()\n"+listProcs))
				if want := "1 processes: self\n"; f.Status != "OK" || f.Stdout != want {
					t.Errorf("the next run in sandbox %s: want stdout %q, got %s", box, want, f)
				}
			},
		},
	})
}

// TestProcessesSignalDispositions: a program starts like any process on
// Linux, with every signal at its default action, so that signals sent to
// it or to its children act. The container's init ignores SIGHUP, SIGINT,
// SIGQUIT, SIGABRT and SIGTERM for itself; execve keeps ignored signals
// ignored, so the init must reset them for the program.
func TestProcessesSignalDispositions(t *testing.T) {
	runAttacks(t, []attack{
		{
			name: "c_inherited_dispositions",
			req: cProgram(`int main(void) {
    char line[256];
    FILE *f = fopen("/proc/self/status", "r");
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "SigIgn:", 7) == 0 || strncmp(line, "SigBlk:", 7) == 0)
            fputs(line, stdout);
    return 0;
}
`),
			status: "OK",
			stdout: "SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n",
		},
		{
			// SIGTERM to a child must end it at once (128+15).
			name:   "bash_sigterm_child",
			req:    withLimits(bash("sleep 100 &\nkill -TERM $!\nwait $!\necho \"sleep: $?\"\n"), testserver.Limits{WallTimeMs: 1500}),
			status: "OK",
			stdout: "sleep: 143\n",
		},
		{
			// A program that sends itself SIGTERM is killed by it: SG.
			name:   "python_sigterm_self",
			req:    python("import os, signal\nprint('sending', flush=True)\nos.kill(os.getpid(), signal.SIGTERM)\nprint('still running')\n"),
			status: "SG",
			stdout: "sending\n",
			check: func(t *testing.T, r *testserver.Response) {
				if r.Signal != "SIGTERM" || r.ExitCode != 128+15 {
					t.Errorf("signal %q exit code %d, want SIGTERM and 143", r.Signal, r.ExitCode)
				}
			},
		},
	})
}
