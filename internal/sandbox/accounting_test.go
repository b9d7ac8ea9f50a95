package sandbox

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// A cgroup counter that cannot be read fails the run (ErrRunner, which the
// engine reports as IE): a CPU time read as zero would pass a program that
// used all of it.
func TestUnreadableAccountingFailsTheRun(t *testing.T) {
	b := newTestBox(t)
	if b.cg == nil {
		t.Skip("cgroup v2: each run has a cgroup of its own, made during the run")
	}
	const key = "cpuacct/cpuacct.usage"
	// Write-only: the run can reset the counter, not read it.
	wo, err := os.OpenFile(b.cg.path("cpuacct", "cpuacct.usage"), os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer wo.Close()
	good := b.cg.files[key]
	b.cg.files[key] = wo
	_, err = b.Run(context.Background(), Cmd{Args: []string{"/bin/true"}, Limits: testLimits})
	b.cg.files[key] = good
	if !errors.Is(err, ErrRunner) || !strings.Contains(err.Error(), "cpuacct.usage") {
		t.Fatalf("run with an unreadable CPU counter: %v, want ErrRunner naming cpuacct.usage", err)
	}
	r, err := b.Run(context.Background(), Cmd{Args: []string{"/bin/true"}, Limits: testLimits})
	if err != nil || r.ExitCode != 0 || r.Limit != LimitNone {
		t.Fatalf("the next run: %+v, %v", r, err)
	}
}

// The wipe of a box counts its tasks before it lists them: a process the
// container's init cannot see (here a host process placed in the box's
// cgroup, outside the box's pid namespace) must still be found and
// killed before the box serves again, and a box with nothing left must be
// told apart from it. (A run's own processes are all the init's: it
// answers a run once it has reaped them all.)
func TestLeftoverOutsideTheInitKilled(t *testing.T) {
	b := newTestBox(t)
	if b.cg == nil {
		t.Skip("cgroup v2: each run has a cgroup of its own, made during the run")
	}
	if _, err := b.Run(context.Background(), Cmd{Args: []string{"/bin/true"}, Limits: testLimits}); err != nil {
		t.Fatal(err)
	}
	if !b.cg.onlyInit() {
		t.Fatal("after a run that left nothing, the box's count says a process is left")
	}
	sleeper := exec.Command("/bin/sleep", "100")
	if err := sleeper.Start(); err != nil {
		t.Fatal(err)
	}
	defer sleeper.Process.Kill()
	exited := make(chan error, 1)
	go func() { exited <- sleeper.Wait() }()
	if err := b.cg.cg.AddProc(sleeper.Process.Pid); err != nil {
		t.Fatal(err)
	}
	if b.cg.onlyInit() {
		t.Fatal("the count missed a process in the box's cgroup")
	}
	if _, err := b.Run(context.Background(), Cmd{Args: []string{"/bin/true"}, Limits: testLimits}); err != nil {
		t.Fatal(err)
	}
	if err := b.s.reset(b); err != nil {
		t.Fatal(err)
	}
	select {
	case <-exited:
	case <-time.After(5 * time.Second):
		t.Fatal("a process left in the box's cgroup survived the wipe")
	}
	if !b.cg.onlyInit() {
		t.Fatal("once the leftover is reaped, the box's count still says a process is left")
	}
}
