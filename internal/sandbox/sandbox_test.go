package sandbox

import (
	"context"
	"os"
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

func newTestSandbox(t *testing.T) *Sandbox {
	t.Helper()
	s, err := New(Config{Size: 1})
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

var testLimits = Limits{
	WallTime: 2 * time.Second, CPUTime: time.Second, Memory: 64 << 20,
	Processes: 16, Output: 1 << 16, FileSize: 1 << 20, OpenFiles: 64, Stack: 8 << 20,
}

func run(t *testing.T, s *Sandbox, script string, stdin string) Result {
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
		Limits: testLimits,
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
			start := time.Now()
			res := run(t, s, c.script, "")
			if res.Limit != c.want {
				t.Fatalf("limit %q, want %q (result %+v)", res.Limit, c.want, res)
			}
			if el := time.Since(start); el > 4*time.Second {
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
	_ = syscall.Getpid
}
