package sandbox

import (
	"bytes"
	"context"
	"fmt"
	"golang.org/x/sys/unix"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestMain(m *testing.M) {
	// The test binary is re-executed as each container's init.
	if err := Init(); err != nil {
		panic(err)
	}
	if os.Geteuid() != 0 {
		println("sandbox tests need root: they create namespaces and cgroups")
		os.Exit(1)
	}
	os.Exit(m.Run())
}

func newTestSandbox(t testing.TB) *Sandbox {
	t.Helper()
	return newPool(t, Config{Size: 1})
}

// newPool is a pool of cfg (its FirstUID the tests'), closed when the test
// ends.
func newPool(t testing.TB, cfg Config) *Sandbox {
	t.Helper()
	cfg.FirstUID = testFirstUID
	s, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// newTestBox is a box of a sandbox of its own, released and closed when
// the test ends.
func newTestBox(t testing.TB) *Box {
	t.Helper()
	b, err := newTestSandbox(t).Acquire(context.Background())
	if err != nil {
		t.Fatalf("Acquire: %v", err)
	}
	t.Cleanup(b.Release)
	return b
}

var testLimits = Limits{
	WallTime: 2 * time.Second, CPUTime: time.Second, Memory: 64 << 20,
	Processes: 16, Output: 1 << 16, FileSize: 1 << 20, OpenFiles: 64, Stack: 8 << 20,
}

func run(t *testing.T, s *Sandbox, script string, stdin string) Result {
	t.Helper()
	return runWith(t, s, script, stdin, testLimits)
}

func runWith(t *testing.T, s *Sandbox, script string, stdin string, lim Limits) Result {
	t.Helper()
	b, err := s.Acquire(context.Background())
	if err != nil {
		t.Fatalf("Acquire: %v", err)
	}
	defer b.Release()
	res, err := b.Run(context.Background(), Cmd{
		Args:   []string{"/bin/sh", "-c", script},
		Env:    []string{"PATH=/usr/bin:/bin"},
		Stdin:  []byte(stdin),
		Limits: lim,
	})
	if err != nil {
		t.Fatalf("Run(%q): %v", script, err)
	}
	return res
}

func TestRunOutputAndExit(t *testing.T) {
	s := newTestSandbox(t)
	res := run(t, s, "cat; echo err >&2; exit 7", "hello")
	if string(res.Stdout) != "hello" || string(res.Stderr) != "err\n" || res.ExitCode != 7 || res.Signal != 0 || res.Limit != LimitNone {
		t.Fatalf("got %+v", res)
	}
}

// TestRunOutputComplete checks that every byte written before the end is
// collected, though the collection does not wait for the container to
// close its copies of the pipes: the last writes of a large output sit in
// the pipe when the program exits.
func TestRunOutputComplete(t *testing.T) {
	s := newTestSandbox(t)
	lim := testLimits
	lim.Output = 1 << 20
	for range 20 {
		res := runWith(t, s, "head -c 300000 /dev/zero | tr '\\0' o; head -c 70000 /dev/zero | tr '\\0' e >&2; printf end", "", lim)
		if len(res.Stdout) != 300003 || !strings.HasSuffix(string(res.Stdout), "oend") || len(res.Stderr) != 70000 || len(res.Output) != 370003 {
			t.Fatalf("stdout %d bytes (ends %q), stderr %d, combined %d", len(res.Stdout), res.Stdout[max(0, len(res.Stdout)-8):], len(res.Stderr), len(res.Output))
		}
	}
}

func TestRunLimits(t *testing.T) {
	s := newTestSandbox(t)
	cases := []struct {
		name, script string
		want         LimitKind
	}{
		{"cpu", "while :; do :; done", LimitCPU},
		{"wall", "sleep 5", LimitWall},
		{"memory", "head -c 200000000 /dev/zero | tail -c 1 > /dev/null; x=$(head -c 100000000 /dev/zero | tr '\\0' a); echo ${#x}", LimitMemory},
		{"output", "yes", LimitOutput},
		{"fileSize", "exec head -c 2000000 /dev/zero > /w/big", LimitFileSize},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			lim := testLimits
			switch c.want {
			case LimitCPU:
				// A busy machine may give the loop a small share of a
				// core: leave the CPU limit the time to be reached.
				lim.WallTime = 10 * time.Second
			case LimitMemory:
				// 200 MB through a pipe first takes most of a second of
				// CPU on a slow machine (head and tail, on both cores):
				// the memory limit must be what ends it.
				lim.CPUTime = 5 * time.Second
			}
			start := time.Now()
			res := runWith(t, s, c.script, "", lim)
			if res.Limit != c.want {
				t.Fatalf("limit %q, want %q (result %+v)", res.Limit, c.want, res)
			}
			if el := time.Since(start); el > lim.WallTime+2*time.Second {
				t.Fatalf("took %v", el)
			}
		})
	}
}

func TestRunIsolation(t *testing.T) {
	s := newTestSandbox(t)
	res := run(t, s, "id -u; ls /; echo x > /w/f; echo y > /tmp/g; (sleep 100 &) ; unshare -U true && echo UNSHARED; ls /usr/local | wc -l", "")
	out := string(res.Stdout)
	t.Logf("isolation probe: %q %q", out, res.Stderr)
	if strings.HasPrefix(out, "0\n") || strings.Contains(out, "UNSHARED") || strings.Contains(out, "root\n") {
		t.Fatalf("isolation broken: %q %q", out, res.Stderr)
	}
	res = run(t, s, "ls -A /w /tmp; ps -e 2>/dev/null | wc -l", "")
	if strings.Contains(string(res.Stdout), "f\n") || strings.Contains(string(res.Stdout), "g\n") {
		t.Fatalf("files survived the run: %q", res.Stdout)
	}
}

func TestRunStreaming(t *testing.T) {
	b := newTestBox(t)
	stdinR, stdinW := io.Pipe()
	signals := make(chan syscall.Signal, 1)
	lines := make(chan string, 16)
	var got []string
	go func() {
		// Speak only when the program has answered, so the order of the
		// events is the program's, not a race between the two pipes.
		for _, step := range []struct{ want, send string }{
			{"stderr:err\n", "one"}, {"stdout:one\n", "two"}, {"stdout:two\n", ""},
		} {
			if l := <-lines; l != step.want {
				t.Errorf("event %q, want %q", l, step.want)
			}
			if step.send != "" {
				fmt.Fprintln(stdinW, step.send)
			}
		}
		signals <- syscall.SIGTERM
	}()
	res, err := b.Run(context.Background(), Cmd{
		Args:        []string{"/bin/sh", "-c", "echo err >&2; while read l; do echo $l; done"},
		Env:         []string{"PATH=/usr/bin:/bin"},
		StdinReader: stdinR,
		Signals:     signals,
		OnOutput: func(s Stream, data []byte) {
			name := map[Stream]string{Stdout: "stdout", Stderr: "stderr"}[s]
			got = append(got, name+":"+string(data))
			lines <- name + ":" + string(data)
		},
		Limits: testLimits,
	})
	stdinW.Close()
	if err != nil {
		t.Fatal(err)
	}
	if res.Signal != syscall.SIGTERM || string(res.Stdout) != "one\ntwo\n" || string(res.Output) != "err\none\ntwo\n" {
		t.Fatalf("got %+v, events %q", res, got)
	}
	if strings.Join(got, "") != "stderr:err\nstdout:one\nstdout:two\n" {
		t.Fatalf("events %q", got)
	}
}

// TestMemoryLimitIgnoresCachedFiles checks that a run's memory limit does
// not depend on what earlier runs of the box read: files an earlier run
// brought into the page cache are charged to the box, yet must not add to
// the next program's room.
func TestMemoryLimitIgnoresCachedFiles(t *testing.T) {
	// A file on disk that nobody has cached, readable in the box.
	dir, err := os.MkdirTemp("/var/tmp", "coderacer-cache-test-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	const cachedMiB = 160
	big := filepath.Join(dir, "big")
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	chunk := bytes.Repeat([]byte{'x'}, 1<<20)
	for range cachedMiB {
		if _, err := f.Write(chunk); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Sync(); err != nil {
		t.Fatal(err)
	}
	if err := unix.Fadvise(int(f.Fd()), 0, 0, unix.FADV_DONTNEED); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if err := os.Chmod(big, 0o644); err != nil {
		t.Fatal(err)
	}

	s, err := New(Config{Size: 1, FirstUID: testFirstUID, ReadOnlyPaths: []string{dir}})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	readBig := func() {
		lim := testLimits
		lim.Memory = 512 << 20
		if res := runWith(t, s, "cat "+big+" > /dev/null && echo read", "", lim); string(res.Stdout) != "read\n" {
			t.Fatalf("reading the file: %+v", res)
		}
	}
	lim := testLimits
	lim.Memory = 64 << 20
	// A small program that fails is no MLE, though the cache it starts
	// with fills its limit.
	readBig()
	if res := runWith(t, s, "exit 3", "", lim); res.ExitCode != 3 || res.Limit != LimitNone {
		t.Fatalf("exit 3 after a run cached %d MiB: exit %d, limit %q", cachedMiB, res.ExitCode, res.Limit)
	}
	// 100 MiB under a 64 MiB limit: MLE, however much cache the box holds.
	readBig()
	res := runWith(t, s, "head -c 100000000 /dev/zero | tr '\\0' a | (x=$(cat); echo ${#x})", "", lim)
	if res.Limit != LimitMemory {
		t.Fatalf("100 MB under a 64 MiB limit after a run cached %d MiB: limit %q, stdout %q", cachedMiB, res.Limit, res.Stdout)
	}
}

// pythonFillSockets opens connections on the box's loopback and writes
// into both ends of each until the kernel refuses, reading nothing; it
// prints the bytes the kernel took.
const pythonFillSockets = `python3 -c '
import socket
ls = socket.socket()
ls.bind(("127.0.0.1", 0))
ls.listen(512)
ends, total = [], 0
for i in range(100):
    c = socket.create_connection(ls.getsockname())
    s, _ = ls.accept()
    for e in (c, s):
        e.setblocking(False)
        ends.append(e)
        try:
            while True:
                total += e.send(b"x" * 65536)
        except (BlockingIOError, OSError):
            pass
print(total)
'`

// TestSocketBuffersCharged checks that socket buffers count against a
// run's memory limit: v2 charges them to the memory counter, v1 to a
// counter of their own that the box limits too. 100 loopback connections
// filled both ways under a 32 MiB limit either reach the limit (MLE) or
// are refused at it, with the memory reported covering what they hold.
// Afterwards the box holds no socket buffers and is not replaced.
func TestSocketBuffersCharged(t *testing.T) {
	s := newTestSandbox(t)
	lim := testLimits
	lim.Memory = 32 << 20
	lim.OpenFiles = 256
	first, err := s.Acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	first.Release()
	res := runWith(t, s, pythonFillSockets, "", lim)
	t.Logf("limit %q, exit %d, stored %q, memory %d, stderr %q", res.Limit, res.ExitCode, res.Stdout, res.Memory, res.Stderr)
	var stored uint64
	if _, err := fmt.Sscan(string(res.Stdout), &stored); err != nil && res.Limit != LimitMemory {
		t.Fatalf("no count on stdout and no MLE: %+v", res)
	}
	if res.Limit != LimitMemory {
		if res.ExitCode != 0 || stored > lim.Memory*3/2 {
			t.Fatalf("exit %d, stored %d bytes in sockets under a %d limit", res.ExitCode, stored, lim.Memory)
		}
		if want := min(stored, lim.Memory) * 9 / 10; res.Memory < want {
			t.Fatalf("memory %d reported, the sockets held %d", res.Memory, stored)
		}
	}
	b, err := s.Acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer b.Release()
	if b != first {
		t.Fatal("the box was replaced after the run")
	}
	if b.cg != nil && b.cg.socketUsage() != 0 {
		t.Fatalf("the box holds %d bytes of socket buffers after the run", b.cg.socketUsage())
	}
	res, err = b.Run(context.Background(), Cmd{Args: []string{"/bin/echo", "hi"}, Limits: testLimits})
	if err != nil || string(res.Stdout) != "hi\n" || res.Limit != LimitNone {
		t.Fatalf("hello after the attack: %+v, %v", res, err)
	}
}

// TestMemoryLimitIgnoresKernelLeftovers checks that dentries an earlier
// run left charged to a box (a stat of a missing name caches its absence)
// give the next run no room: 200 MiB under 64 MiB is MLE however many the
// box was left with, and the box is reclaimed, not replaced, between runs.
func TestMemoryLimitIgnoresKernelLeftovers(t *testing.T) {
	s := newTestSandbox(t)
	var first *Box
	for i := range 3 {
		lim := testLimits
		lim.Memory = 512 << 20
		lim.CPUTime, lim.WallTime = 3*time.Second, 10*time.Second
		script := fmt.Sprintf(`python3 -c '
import os, time
end, n = time.monotonic() + 1.5, 0
while time.monotonic() < end and time.process_time() < 1.5:
    for i in range(1000):
        try:
            os.stat("/usr/lib/missing-%d-%%d-%%s" %% (n, "n" * 200))
        except OSError:
            pass
        n += 1
print(n)
'`, i)
		b, err := s.Acquire(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if first == nil {
			first = b
		} else if b != first {
			t.Fatalf("the box was replaced after run %d", i)
		}
		res, err := b.Run(context.Background(), Cmd{Args: []string{"/bin/sh", "-c", script}, Env: []string{"PATH=/usr/bin:/bin"}, Limits: lim})
		b.Release()
		if err != nil || res.ExitCode != 0 {
			t.Fatalf("lookups: %+v, %v", res, err)
		}
		t.Logf("run %d: %s lookups, memory %d", i, bytes.TrimSpace(res.Stdout), res.Memory)
	}
	if b, err := s.Acquire(context.Background()); err != nil {
		t.Fatal(err)
	} else {
		clean := b.cg == nil || b.cg.memoryClean()
		if !clean {
			held, _ := b.cg.memory()
			t.Errorf("the box holds %d bytes between runs, its own is %d", held, b.cg.ownMem)
		}
		b.Release()
	}
	res := runWith(t, s, "head -c 200000000 /dev/zero | tr '\\0' a | (x=$(cat); echo ${#x})", "", testLimits)
	if res.Limit != LimitMemory || res.Memory > testLimits.Memory || res.Memory < testLimits.Memory*9/10 {
		t.Fatalf("200 MB under a 64 MiB limit after runs left dentries: limit %q, memory %d, stdout %q", res.Limit, res.Memory, res.Stdout)
	}
}

// TestDirtyBoxReplaced checks that a box whose cgroup keeps memory that
// cannot be reclaimed (here a tmpfs page of the host, written by a process
// of the box's cgroup) is replaced, not run again.
func TestDirtyBoxReplaced(t *testing.T) {
	s := newTestSandbox(t)
	b, err := s.Acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if b.cg == nil {
		b.Release()
		t.Skip("cgroup v2: each run has a cgroup of its own, removed after it")
	}
	f, err := os.CreateTemp("/dev/shm", "coderacer-dirty-")
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	defer os.Remove(f.Name())
	procs := b.cg.path("memory", "cgroup.procs")
	out, err := exec.Command("/bin/sh", "-c", fmt.Sprintf(`echo $$ > %s && head -c 16000000 /dev/zero > %s`, procs, f.Name())).CombinedOutput()
	if err != nil {
		t.Fatalf("charge the box: %v: %s", err, out)
	}
	b.Release()
	nb, err := s.Acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer nb.Release()
	if nb == b {
		held, _ := nb.cg.memory()
		t.Fatalf("the box holds %d bytes beyond its own %d, yet was handed out again", held, nb.cg.ownMem)
	}
}

// TestBoxKeptByOrdinaryRuns checks that ordinary runs (shells, Python,
// a compiler, files in /tmp, loopback sockets) never leave a box holding
// more than its own, which would get it replaced: its init's memory grows
// as it serves runs, and that is the box's own.
func TestBoxKeptByOrdinaryRuns(t *testing.T) {
	s := newTestSandbox(t)
	first, err := s.Acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	first.Release()
	scripts := []string{
		"echo hi",
		"python3 -c 'import json, re, subprocess; print(1)'",
		"cd /tmp && printf 'int main(void) { return 0; }' > a.c && gcc a.c && ./a.out",
		"for i in $(seq 100); do echo $i > /tmp/f$i; done; ls /tmp | wc -l",
		"sleep 0.01 & sleep 0.01 & wait",
		`python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(); c = socket.create_connection(s.getsockname()); a, _ = s.accept(); c.send(b"x" * 100000); print(len(a.recv(10)))'`,
	}
	lim := testLimits
	lim.Memory, lim.Processes, lim.FileSize = 512<<20, 64, 64<<20
	lim.WallTime, lim.CPUTime = 10*time.Second, 10*time.Second
	for i := range 120 {
		res := runWith(t, s, scripts[i%len(scripts)], "", lim)
		if res.ExitCode != 0 {
			t.Fatalf("run %d: %+v", i, res)
		}
	}
	b, err := s.Acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer b.Release()
	if b != first {
		t.Fatal("the box was replaced")
	}
	if b.cg != nil {
		held, anon := b.cg.memory()
		t.Logf("the box holds %d bytes, %d of them its init's anonymous memory; its own is %d", held, anon, b.cg.ownMem)
	}
}
