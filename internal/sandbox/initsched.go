package sandbox

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
)

// How the init's Go runtime is tuned for a process that mostly waits.
//
// go-sandbox's container init sets GOMAXPROCS to 1. With one P, every
// system call of the init that lasts beyond a tick of the runtime's
// monitor thread (sysmon) has its P taken back: the wait for a request,
// the fork of a program, the wait for its exit. The P then idles, sysmon
// sleeps deeply, and the init's next system call wakes it to poll every
// 20 µs again. Measured here, sysmon woke about 17 times for each job of
// its box, each time on a core the job needed; with the two settings
// below a run through the API took 86-110 µs less (median, requests back
// to back) and 104 µs less with 20 ms between requests.
const (
	// initProcs is the init's GOMAXPROCS: more than the goroutines that
	// may wait in a system call at once (the channel's serve thread,
	// go-sandbox's wait for its program, a wipe), so that a goroutine
	// made ready always finds a free P instead of waiting for sysmon to
	// take one back.
	initProcs = 4
	// sysmonSlack is the timer slack of the init's sysmon thread: the
	// kernel may end each of its sleeps up to this late, so it wakes at
	// most about every sysmonSlack instead of every 20 µs after each
	// deep sleep. Its work in the init (taking back a P from a system
	// call, preempting a long-running goroutine) waits that much longer,
	// and none of it is on a run's path with initProcs Ps.
	sysmonSlack = 2_000_000 // ns
	// defaultSlack is Linux's timer slack (init's, PID 1 of the host):
	// every other thread of the init gets it, and so every program,
	// which inherits its slack from the thread that forks it. Without
	// this a program would inherit whatever slack the server was started
	// with (a systemd TimerSlackNSec=, say) through its init.
	defaultSlack = 50_000 // ns
)

// sysmonNSTid is the thread id of sysmon in the box's pid namespace: the
// init is 1 there, and sysmon the first thread its runtime starts (in
// runtime.main, before any package's init).
const sysmonNSTid = 2

// setTimerSlacks gives the init's sysmon thread sysmonSlack and every
// other thread of the init defaultSlack. It runs first in the init, so
// that every thread started later, forked from one of these, inherits
// defaultSlack. A thread sysmon itself starts (when it hands a P over and
// no idle thread is left, which warmThreads makes rare) would inherit
// sysmonSlack; once the box has been wiped, any new thread of the init
// has it replaced (checkThreads).
func setTimerSlacks() error {
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		return fmt.Errorf("list the init's threads: %w", err)
	}
	found := false
	for _, t := range tasks {
		nsTid, err := innermostTid("/proc/self/task/" + t.Name() + "/status")
		if err != nil {
			return err
		}
		slack := defaultSlack
		if nsTid == sysmonNSTid {
			slack, found = sysmonSlack, true
		}
		// /proc/<tid>, not /proc/self/task/<tid>: only the former has
		// the file; this /proc's tids are those of its directory.
		path := "/proc/" + t.Name() + "/timerslack_ns"
		if err := os.WriteFile(path, strconv.AppendInt(nil, int64(slack), 10), 0); err != nil {
			return fmt.Errorf("set the timer slack of thread %s: %w", t.Name(), err)
		}
	}
	if !found {
		return fmt.Errorf("no thread %d (sysmon) in the init", sysmonNSTid)
	}
	return nil
}

// innermostTid is a thread's id in its innermost pid namespace (the box's,
// for the init's threads): the last of the NSpid of its status file.
func innermostTid(statusPath string) (int, error) {
	status, err := os.ReadFile(statusPath)
	if err != nil {
		return 0, fmt.Errorf("read %s: %w", statusPath, err)
	}
	sc := bufio.NewScanner(bytes.NewReader(status))
	for sc.Scan() {
		if rest, ok := bytes.CutPrefix(sc.Bytes(), []byte("NSpid:")); ok {
			fields := bytes.Fields(rest)
			if len(fields) == 0 {
				break
			}
			return strconv.Atoi(string(fields[len(fields)-1]))
		}
	}
	return 0, fmt.Errorf("%s: no NSpid", statusPath)
}
