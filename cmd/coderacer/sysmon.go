package main

import (
	"errors"
	"fmt"
	"os"
	"strconv"
)

// sysmonSlack is the timer slack given to the Go runtime's monitor
// thread (sysmon) of a process that runs sandboxes. With one processor
// (leaveCoresToPrograms on 2 or 3 cores) each system call that outlasts
// a tick of sysmon loses the processor; with nothing else to run, sysmon
// then sleeps deeply, and the next system call wakes it to tick every
// 20 µs again: several wakeups a run, on the cores the programs and
// their boxes' inits need. With this slack the kernel may end each of
// its sleeps up to 1 ms late, and it wakes at most about every
// millisecond. The price: a goroutine made ready while another blocks in
// a long system call (a box's start, a large file written) may wait up
// to ~2 ms for the processor instead of ~0.1 ms. Measured here, side by
// side: a C hello through the API 43 to 52 µs faster (59 with 2 ms, 34
// with 0.5 ms); the boxes' inits are tuned apart (initsched.go in
// internal/sandbox).
const sysmonSlack = 1_000_000 // ns

// quietSysmon gives sysmon its slack in a process that runs sandboxes.
// Setting another thread's slack takes CAP_SYS_NICE, which a container
// may not grant: the error then only says the tuning is missing.
func quietSysmon(role string) error {
	if role == roleAPI {
		return nil
	}
	tid, err := sysmonThread()
	if err != nil {
		return err
	}
	if err := os.WriteFile(fmt.Sprintf("/proc/%d/timerslack_ns", tid), strconv.AppendInt(nil, sysmonSlack, 10), 0); err != nil {
		return fmt.Errorf("set sysmon's timer slack: %w", err)
	}
	return nil
}

// sysmonThread finds this process's sysmon thread (see firstThread).
func sysmonThread() (int, error) {
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		return 0, fmt.Errorf("find sysmon: %w", err)
	}
	tids := make([]int, 0, len(tasks))
	for _, t := range tasks {
		if tid, err := strconv.Atoi(t.Name()); err == nil {
			tids = append(tids, tid)
		}
	}
	return firstThread(os.Getpid(), tids)
}

// firstThread picks sysmon among the threads of process pid: the first
// thread the runtime starts (in runtime.main, before any package's init)
// and so the one with the lowest id after pid's own, as the kernel hands
// ids out in increasing order. A thread below pid means the ids wrapped
// around since the process started: then no thread is sure to be it.
func firstThread(pid int, tids []int) (int, error) {
	first := 0
	for _, tid := range tids {
		switch {
		case tid < pid:
			return 0, errors.New("find sysmon: thread ids wrapped around")
		case tid > pid && (first == 0 || tid < first):
			first = tid
		}
	}
	if first == 0 {
		return 0, errors.New("find sysmon: the process has one thread")
	}
	return first, nil
}
