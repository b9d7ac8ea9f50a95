package bench

import (
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"
)

// These tests check the benchmark's own helpers; they start no server and
// run in go test ./... (the benchmarks need -bench).

func TestMeasureTreeCountsDescendants(t *testing.T) {
	child := exec.Command("sleep", "30")
	if err := child.Start(); err != nil {
		t.Skipf("cannot start sleep: %v", err)
	}
	defer func() { child.Process.Kill(); child.Wait() }()
	pids := descendants(os.Getpid())
	if !slices.Contains(pids, child.Process.Pid) {
		t.Fatalf("descendants of %d = %v, want the child %d among them", os.Getpid(), pids, child.Process.Pid)
	}
	m := measureTree(os.Getpid())
	if m.Processes < 2 || m.RSSKiB <= m.RootRSS || m.RootRSS <= 0 {
		t.Fatalf("measureTree = %+v, want at least 2 processes and the child's RSS added", m)
	}
}

func TestBareToolchainFollowsRuntimeFiles(t *testing.T) {
	dir := t.TempDir()
	c, err := loadBareToolchain("c", dir, "main.c")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(c.Compile, "main.c") || !slices.Contains(c.Compile, "-O2") || c.Run[0] != dir+"/.coderacer-bin" {
		t.Fatalf("c: compile %q run %q", c.Compile, c.Run)
	}
	g, err := loadBareToolchain("go", dir, "main.go")
	if err != nil {
		t.Fatal(err)
	}
	env := strings.Join(g.Env, " ")
	for _, want := range []string{"GO111MODULE=off", "GOCACHE=" + dir + "/tmp/", "PATH=/usr/bin:/bin"} {
		if !strings.Contains(env, want) {
			t.Errorf("go env %q lacks %q", g.Env, want)
		}
	}
}

func TestMedianAndInterleave(t *testing.T) {
	if m := median([]time.Duration{5, 1, 3}); m != 3 {
		t.Errorf("median = %v", m)
	}
	var order []string
	for i := range 2 {
		interleave(i, func() { order = append(order, "e") }, func() { order = append(order, "b") })
	}
	if strings.Join(order, "") != "ebbe" {
		t.Errorf("order %v", order)
	}
}
