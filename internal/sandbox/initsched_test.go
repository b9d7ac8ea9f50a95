package sandbox

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// TestInitTimerSlacks checks setTimerSlacks on a real box: the init's
// sysmon thread (the second in the box's pid namespace) sleeps with
// sysmonSlack and every other thread with Linux's default, and so every
// program, however it is started (the init's channel, or go-sandbox's
// protocol, which a run with signals takes), whatever slack this test
// process has.
func TestInitTimerSlacks(t *testing.T) {
	// The boxes' inits are forked from this process's threads and inherit
	// their slack: give them one that is neither of the init's.
	setProcessSlack(t, 3_000_000)
	t.Cleanup(func() { setProcessSlack(t, defaultSlack) })
	s := newTestSandbox(t)
	b, err := s.Acquire(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer b.Release()
	for _, c := range []struct {
		name    string
		signals chan syscall.Signal
	}{{"init channel", nil}, {"go-sandbox protocol", make(chan syscall.Signal)}} {
		if b.startsInBox(Cmd{Signals: c.signals}) == (c.signals != nil) {
			t.Fatalf("%s: the run would not take that path", c.name)
		}
		res, err := b.Run(t.Context(), Cmd{Args: []string{"/bin/cat", "/proc/self/timerslack_ns"},
			Env: []string{"PATH=/usr/bin:/bin"}, Signals: c.signals, Limits: testLimits})
		if want := fmt.Sprintf("%d\n", defaultSlack); err != nil || string(res.Stdout) != want {
			t.Fatalf("%s: %v, %q, %s; want %q", c.name, err, res.Stdout, res.Stderr, want)
		}
	}
	slacks := threadSlacks(t, b.initPid)
	for nsTid, slack := range slacks {
		want := defaultSlack
		if nsTid == sysmonNSTid {
			want = sysmonSlack
		}
		if slack != want {
			t.Errorf("the init's thread %d (in its namespace) has a timer slack of %d ns, want %d", nsTid, slack, want)
		}
	}
	if _, ok := slacks[sysmonNSTid]; !ok {
		t.Errorf("the init has no thread %d: %v", sysmonNSTid, slacks)
	}
}

// threadSlacks maps each thread of pid, by its id in its innermost pid
// namespace, to its timer slack.
func threadSlacks(t *testing.T, pid int) map[int]int {
	t.Helper()
	tasks, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	if err != nil {
		t.Fatal(err)
	}
	slacks := make(map[int]int)
	for _, task := range tasks {
		nsTid, err := innermostTid(fmt.Sprintf("/proc/%d/task/%s/status", pid, task.Name()))
		if err != nil {
			t.Fatal(err)
		}
		slack, err := os.ReadFile("/proc/" + task.Name() + "/timerslack_ns")
		if err != nil {
			t.Fatal(err)
		}
		slacks[nsTid], _ = strconv.Atoi(strings.TrimSpace(string(slack)))
	}
	return slacks
}

// setProcessSlack sets the timer slack of every thread of this process;
// threads started later inherit it from theirs.
func setProcessSlack(t *testing.T, ns int) {
	t.Helper()
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		t.Fatal(err)
	}
	for _, task := range tasks {
		err := os.WriteFile("/proc/"+task.Name()+"/timerslack_ns", []byte(strconv.Itoa(ns)), 0)
		if err != nil && !os.IsNotExist(err) { // a thread may end meanwhile
			t.Fatal(err)
		}
	}
}
