package sandbox

import (
	"errors"
	"fmt"
	"syscall"
	"unsafe"

	"github.com/criyle/go-sandbox/pkg/rlimit"
	"golang.org/x/sys/unix"
)

// The programs' seccomp filter, loaded once on the init's thread that
// starts them.
//
// The kernel prepares a filter when a process loads it: it checks and
// converts it, JIT-compiles it, and runs it once for every call number to
// learn which calls it may allow without running it. Loaded in each
// program's child, as go-sandbox does, that cost about 130 µs of every
// start here (medians of 8 rounds of 1,000 /bin/true: 980 µs against 850
// with the filter inherited, 840 with none). A filter is inherited
// through fork, so the init loads it once on the thread that serves the
// channel and forks every program (serve locks its goroutine to that
// thread), and on no other: go-sandbox's init still mounts, and its own
// protocol still loads a filter in each of its programs. The Go runtime
// never starts a thread from a thread locked by LockOSThread ("the kernel
// state of this thread may be strange", newm asks its template thread
// instead), so no other thread of the init ever inherits the filter.
//
// What the child did before loading the filter must then be done before,
// or be allowed by it: the thread unshares the cgroup namespace itself
// (the filter refuses unshare), once the host has moved the init into the
// box's cgroup, which is why the host sends the filter only then; and
// RLIMIT_CORE, which the filter refuses to change, is set on the whole
// init (coreLimit), whose programs inherit it. setuid, setgid, capset,
// prctl, prlimit64 of the other limits, dup3, chdir and execve, the rest
// of what the child does, are allowed.

// seccompSetModeFilter is SECCOMP_SET_MODE_FILTER.
const seccompSetModeFilter = 1

// loadThreadFilter loads filter on the calling thread, which must stay
// locked to its goroutine for good, after the steps it makes unavailable.
// On an error the thread may be left with some of them done, never with
// the filter: its programs then load the filter themselves.
func loadThreadFilter(filter *syscall.SockFprog) error {
	core := unix.Rlimit{Cur: coreLimit.Rlim.Cur, Max: coreLimit.Rlim.Max}
	if err := unix.Prlimit(0, unix.RLIMIT_CORE, &core, nil); err != nil {
		return fmt.Errorf("set the init's RLIMIT_CORE: %w", err)
	}
	if err := unix.Unshare(unix.CLONE_NEWCGROUP); err != nil {
		return fmt.Errorf("unshare the cgroup namespace: %w", err)
	}
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return fmt.Errorf("set no_new_privs: %w", err)
	}
	if _, _, errno := unix.Syscall(unix.SYS_SECCOMP, seccompSetModeFilter, 0, uintptr(unsafe.Pointer(filter))); errno != 0 {
		return fmt.Errorf("load the seccomp filter: %w", errno)
	}
	return nil
}

// inheritedLimits are a request's limits for a program that inherits the
// init's RLIMIT_CORE (see loadThreadFilter): the filter would refuse to
// set it again, so it must be the init's own.
func inheritedLimits(limits []rlimit.RLimit) ([]rlimit.RLimit, error) {
	out := make([]rlimit.RLimit, 0, len(limits))
	for _, l := range limits {
		if l.Res != syscall.RLIMIT_CORE {
			out = append(out, l)
			continue
		}
		if l.Rlim != coreLimit.Rlim {
			return nil, errors.New("exec request: RLIMIT_CORE differs from the init's")
		}
	}
	return out, nil
}

// unfiltered runs f on a thread other than the caller's filtered one (a
// new goroutine is never run on a locked thread) and returns its error.
func unfiltered(f func() error) error {
	done := make(chan error, 1)
	go func() { done <- f() }()
	return <-done
}
