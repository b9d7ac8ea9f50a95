package sandbox

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
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
