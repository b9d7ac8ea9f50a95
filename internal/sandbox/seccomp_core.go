package sandbox

import (
	"fmt"
	"syscall"

	"github.com/criyle/go-sandbox/pkg/rlimit"
)

// coreLimit is the RLIMIT_CORE every program starts with: soft and hard 1
// byte, which the program cannot change. It stops every core dump the
// kernel would take of a crash in a sandbox (fs/coredump.c, 6.x):
//
//   - a core_pattern that is a pipe (apport, systemd-coredump) starts a
//     root helper for every crash whatever the limit, even 0, except when
//     it is exactly 1: the kernel reserves 1 to catch a crashing helper
//     and aborts the dump before starting anything ("RLIMIT_CORE is set to
//     1, aborting core", a rate-limited log line);
//   - a core file is written only when the limit is at least a page
//     (binfmt's min_coredump), so 1 stops those too.
//
// The kernel decides by the crashing process's own soft limit, so the
// program must not be able to move it: a hard limit of 1 forbids raising
// it (no CAP_SYS_RESOURCE), and the seccomp filter refuses setrlimit and
// prlimit64 on RLIMIT_CORE (EPERM), which would otherwise lower it to 0
// and give the pipe helper back. Dumpability is no answer on its own:
// execve makes an ordinary program dumpable again whatever
// PR_SET_DUMPABLE said before, and a program may set it itself; with the
// limit fixed at 1 it does not matter. What the limit does not cover is a
// core_pattern naming a coredump socket ("@...", kernel 6.16 and later),
// whose server the kernel connects to whatever the limit; such a server
// must judge by the process (SECURITY.md).
var coreLimit = rlimit.RLimit{Res: syscall.RLIMIT_CORE, Rlim: syscall.Rlimit{Cur: 1, Max: 1}}

// allowCoreLimit raises the server's own hard RLIMIT_CORE to coreLimit
// when it is lower (`LimitCORE=0` in a unit, `ulimit -Hc 0` in a shell):
// the sandboxes inherit the hard limit, and without CAP_SYS_RESOURCE they
// could not raise theirs to 1, so every program would fail to start. The
// soft limit, the server's own core dumps, stays as it was.
func allowCoreLimit() error {
	var cur syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_CORE, &cur); err != nil {
		return fmt.Errorf("read RLIMIT_CORE: %w", err)
	}
	if cur.Max >= coreLimit.Rlim.Max {
		return nil
	}
	cur.Max = coreLimit.Rlim.Max
	if err := syscall.Setrlimit(syscall.RLIMIT_CORE, &cur); err != nil {
		return fmt.Errorf("raise the hard RLIMIT_CORE to %d, which every sandbox needs (CAP_SYS_RESOURCE): %w", cur.Max, err)
	}
	return nil
}
