package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/coderacer/coderacer/test/testserver"
)

// These tests are not parallel: they time things, and the server has only
// two sandboxes.

// TestCPUTimeLimit: a busy loop with cpuTimeMs 1000 ends as TLE at the CPU
// limit. The wall limit is generous, so that a machine busy with other
// tests cannot turn it into a wall-time TLE; the message says which limit.
func TestCPUTimeLimit(t *testing.T) {
	req := python("while True:\n    pass\n")
	req.Limits = &Limits{CPUTimeMs: 1000, WallTimeMs: 10000}
	r := mustExecute(t, req)
	expectStatus(t, r, "TLE")
	if want := "CPU time limit of 1s exceeded"; r.Message != want {
		t.Errorf("message %q, want %q: %s", r.Message, want, r)
	}
	cpu := duration(t, "cpuTime", r.CPUTime)
	if cpu < 800*time.Millisecond || cpu > 2*time.Second {
		t.Errorf("cpuTime = %v, want close to the 1s limit: %s", cpu, r)
	}
	if r.Elapsed > 10*time.Second {
		t.Errorf("the request took %v", r.Elapsed)
	}
}

// TestWallTimeLimit: a sleeping program with wallTimeMs 1000 ends as TLE
// after about one second, having used almost no CPU.
func TestWallTimeLimit(t *testing.T) {
	req := bash("sleep 10\n")
	req.Limits = &Limits{WallTimeMs: 1000}
	r := mustExecute(t, req)
	expectStatus(t, r, "TLE")
	wall := duration(t, "wallTime", r.WallTime)
	cpu := duration(t, "cpuTime", r.CPUTime)
	if wall < 900*time.Millisecond || wall > 2500*time.Millisecond {
		t.Errorf("wallTime = %v, want close to the 1s limit: %s", wall, r)
	}
	if cpu > 500*time.Millisecond {
		t.Errorf("cpuTime = %v for a program that sleeps: %s", cpu, r)
	}
	if r.Elapsed > 8*time.Second {
		t.Errorf("the request took %v", r.Elapsed)
	}
}

// TestMemoryLimit: allocating past the memory limit ends as MLE.
func TestMemoryLimit(t *testing.T) {
	t.Run("python_2GiB", func(t *testing.T) {
		r := mustExecute(t, python("x = bytearray(2 << 30)\nprint(len(x))\n"))
		expectStatus(t, r, "MLE")
		if r.Memory < 128<<20 {
			t.Errorf("memory = %d, want the peak near the 256 MiB default limit: %s", r.Memory, r)
		}
	})
	t.Run("c_touch_512MiB_limit_64MiB", func(t *testing.T) {
		req := cProgram(`#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void) {
    size_t total = 0;
    for (int i = 0; i < 512; i++) {
        char *p = malloc(1 << 20);
        if (p == NULL) {
            puts("malloc failed");
            return 1;
        }
        memset(p, i, 1 << 20);
        total += 1 << 20;
    }
    printf("allocated %zu\n", total);
    return 0;
}
`)
		req.Limits = &Limits{MemoryBytes: 64 << 20}
		r := mustExecute(t, req)
		expectStatus(t, r, "MLE")
		if r.Memory < 32<<20 || r.Memory > 96<<20 {
			t.Errorf("memory = %d, want the peak near the 64 MiB limit: %s", r.Memory, r)
		}
		if strings.Contains(r.Stdout, "allocated") {
			t.Errorf("the program allocated 512 MiB under a 64 MiB limit: %s", r)
		}
	})
}

// TestSignals: a program killed by a signal it sent itself is SG, not a
// limit status.
func TestSignals(t *testing.T) {
	t.Run("python_SIGKILL", func(t *testing.T) {
		r := mustExecute(t, python("import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n"))
		expectStatus(t, r, "SG")
		if !strings.Contains(r.Signal, "KILL") {
			t.Errorf("signal = %q, want SIGKILL", r.Signal)
		}
	})
	t.Run("c_SIGSEGV", func(t *testing.T) {
		r := mustExecute(t, cProgram("#include <signal.h>\nint main(void) {\n    raise(SIGSEGV);\n    return 0;\n}\n"))
		expectStatus(t, r, "SG")
		if !strings.Contains(r.Signal, "SEGV") {
			t.Errorf("signal = %q, want SIGSEGV", r.Signal)
		}
	})
}

// TestOutputLimit: printing 100 MiB stops quickly at the 1 MiB default,
// truncated and flagged; a custom limit applies to stderr as well.
func TestOutputLimit(t *testing.T) {
	t.Run("stdout_100MiB", func(t *testing.T) {
		r := mustExecute(t, python("import sys\nchunk = 'x' * 65536\nfor _ in range(1600):\n    sys.stdout.write(chunk)\n"))
		expectStatus(t, r, "OLE")
		if !r.StdoutTruncated {
			t.Errorf("stdoutTruncated = false: %s", r)
		}
		if len(r.Stdout) != 1<<20 {
			t.Errorf("len(stdout) = %d, want exactly the 1 MiB limit (%d)", len(r.Stdout), 1<<20)
		}
		if strings.Trim(r.Stdout, "x") != "" {
			t.Errorf("stdout holds something else than the program's x's")
		}
		if r.Elapsed > 5*time.Second {
			t.Errorf("the request took %v, want the program stopped soon after the limit", r.Elapsed)
		}
	})
	t.Run("stderr_custom_limit", func(t *testing.T) {
		req := python("import sys\nsys.stderr.write('e' * 100000)\nsys.stderr.flush()\n")
		req.Limits = &Limits{OutputBytes: 1000}
		r := mustExecute(t, req)
		expectStatus(t, r, "OLE")
		if !r.StderrTruncated || r.StdoutTruncated {
			t.Errorf("want stderr truncated and stdout not: %s", r)
		}
		if r.Stderr != strings.Repeat("e", 1000) {
			t.Errorf("stderr has %d bytes, want exactly 1000 e's", len(r.Stderr))
		}
	})
	t.Run("under_limit_not_flagged", func(t *testing.T) {
		req := python("import sys\nsys.stdout.write('y' * 999)\n")
		req.Limits = &Limits{OutputBytes: 1000}
		r := mustExecute(t, req)
		expectStatus(t, r, "OK")
		if r.StdoutTruncated || len(r.Stdout) != 999 {
			t.Errorf("want 999 bytes untruncated: %s", r)
		}
	})
}

// TestFileSizeLimit: writing a file past fileSizeBytes is OLE.
func TestFileSizeLimit(t *testing.T) {
	req := bash("exec head -c 4000000 /dev/zero > /w/big.bin\n")
	req.Limits = &Limits{FileSizeBytes: 1 << 20}
	r := mustExecute(t, req)
	expectStatus(t, r, "OLE")
}

// helloQuickly requires a hello world to succeed within 2 s, as it must right
// after an abusive program.
func helloQuickly(t *testing.T) {
	t.Helper()
	r := mustExecute(t, bash("echo hello-after\n"))
	if r.Status != "OK" || r.Stdout != "hello-after\n" {
		t.Fatalf("hello world after the abusive program failed: %s", r)
	}
	if r.Elapsed > 2*time.Second {
		t.Errorf("hello world after the abusive program took %v, want < 2s", r.Elapsed)
	}
}

// TestForkBomb: fork bombs are contained, leave nothing behind, and the next
// request is served quickly.
func TestForkBomb(t *testing.T) {
	t.Run("bash", func(t *testing.T) {
		marker := "bomb-" + randomHex(6)
		req := bash(":(){ :|:& };:\nwait\nsleep 30\n")
		req.Args = []string{marker}
		req.Limits = &Limits{WallTimeMs: 3000}
		r := mustExecute(t, req)
		expectStatus(t, r, "TLE")
		if r.Elapsed > 15*time.Second {
			t.Errorf("the fork bomb request took %v", r.Elapsed)
		}
		if left := processesMatching(marker, 2*time.Second); len(left) > 0 {
			t.Errorf("fork bomb processes survived the run: %v", left)
		}
		helloQuickly(t)
	})
	t.Run("c", func(t *testing.T) {
		marker := "bomb-" + randomHex(6)
		req := cProgram("#include <unistd.h>\nint main(void) {\n    for (;;)\n        fork();\n}\n")
		req.Args = []string{marker}
		req.Limits = &Limits{CPUTimeMs: 2000, WallTimeMs: 3000}
		r := mustExecute(t, req)
		expectStatus(t, r, "TLE")
		if r.Elapsed > 15*time.Second {
			t.Errorf("the fork bomb request took %v", r.Elapsed)
		}
		if left := processesMatching(marker, 2*time.Second); len(left) > 0 {
			t.Errorf("fork bomb processes survived the run: %v", left)
		}
		helloQuickly(t)
	})
}

// TestBackgroundProcessesKilled: processes a program leaves behind (disowned,
// double-forked into a new session, or holding stdout open) do not outlive
// its run.
func TestBackgroundProcessesKilled(t *testing.T) {
	suffix := fmt.Sprintf("%06d", time.Now().UnixNano()%1000000)
	t.Run("bash_disown", func(t *testing.T) {
		secs := "1234.5" + suffix
		r := mustExecute(t, bash("nohup sleep "+secs+" >/dev/null 2>&1 &\ndisown\necho started\n"))
		expectStatus(t, r, "OK")
		if r.Stdout != "started\n" {
			t.Errorf("stdout = %q", r.Stdout)
		}
		if left := processesMatching(secs, time.Second); len(left) > 0 {
			t.Errorf("a background process survived its run: %v", left)
		}
	})
	t.Run("python_double_fork_setsid", func(t *testing.T) {
		secs := "1234.6" + suffix
		r := mustExecute(t, python(`import os, sys
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        fd = os.open("/dev/null", os.O_RDWR)
        for i in range(3):
            os.dup2(fd, i)
        os.execvp("sleep", ["sleep", "`+secs+`"])
    os._exit(0)
os.wait()
print("parent done")
`))
		expectStatus(t, r, "OK")
		if r.Stdout != "parent done\n" {
			t.Errorf("stdout = %q", r.Stdout)
		}
		if left := processesMatching(secs, time.Second); len(left) > 0 {
			t.Errorf("a double-forked process survived its run: %v", left)
		}
	})
	t.Run("bash_holds_stdout", func(t *testing.T) {
		// The background sleep keeps stdout open, but the run ends with
		// its main process: the rest is killed then, not waited for.
		secs := "1234.7" + suffix
		req := bash("sleep " + secs + " &\necho started\n")
		req.Limits = &Limits{WallTimeMs: 2000}
		r := mustExecute(t, req)
		expectStatus(t, r, "OK")
		if !strings.HasPrefix(r.Stdout, "started\n") {
			t.Errorf("stdout = %q", r.Stdout)
		}
		if r.Elapsed > 8*time.Second {
			t.Errorf("the request took %v with a 2s wall limit", r.Elapsed)
		}
		if left := processesMatching(secs, time.Second); len(left) > 0 {
			t.Errorf("a background process survived its run: %v", left)
		}
	})
}

// TestHostSeesSandboxProcesses proves the host-side process scans above are
// not blind: while a program sleeps in the sandbox, the host's /proc shows
// it; once the run is over, it is gone.
func TestHostSeesSandboxProcesses(t *testing.T) {
	secs := fmt.Sprintf("2.%06d", time.Now().UnixNano()%1000000)
	// The request runs on the test goroutine, the host scan beside it.
	// The scan runs until the request is answered, however slowly.
	seenCh := make(chan bool, 1)
	answered := make(chan struct{})
	go func() {
		for {
			for _, p := range testserver.HostProcesses() {
				if strings.Contains(p.Cmdline, "sleep "+secs) {
					seenCh <- true
					return
				}
			}
			select {
			case <-answered:
				seenCh <- false
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	req := bash("sleep " + secs + "\necho woke\n")
	req.Limits = &Limits{WallTimeMs: 10000} // a loaded machine may be slow to wake it
	r := mustExecute(t, req)
	close(answered)
	seen := <-seenCh
	expectStatus(t, r, "OK")
	if !seen {
		t.Errorf("the host's /proc never showed the sandboxed `sleep %s`: the leftover scans cannot see sandbox processes", secs)
	}
	if left := processesMatching("sleep "+secs, time.Second); len(left) > 0 {
		t.Errorf("the program's process outlived its run: %v", left)
	}
}

// TestServerResourcesVisible proves the after-shutdown leftover checks are
// not blind: while the shared server runs, its process, its sandboxes'
// processes (the same binary) and its cgroups (named coderacer-<pid>...)
// are found by the same functions.
func TestServerResourcesVisible(t *testing.T) {
	servers, inits := 0, 0
	initPath := testserver.InitPath(binPath)
	for _, p := range testserver.HostProcesses() {
		switch {
		case p.Runs(binPath):
			servers++
		case p.Runs(initPath):
			inits++
		}
	}
	// The server itself, and its warm sandbox at least, whose init is
	// the small one beside the server.
	if servers < 1 || inits < 1 {
		t.Errorf("found %d processes running %s and %d running %s, want the server and its warm sandbox's init at least", servers, binPath, inits, initPath)
	}
	if cg := testserver.Cgroups(srv.PID); len(cg) == 0 {
		t.Errorf("no cgroup named coderacer...%d found under /sys/fs/cgroup while the server runs", srv.PID)
	} else {
		t.Logf("server cgroups: %v", cg)
	}
}
