package sandbox

import (
	"syscall"

	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

// The argument checks. The kernel reads these arguments as ints (the
// socket family and protocol, the rlimit resource), or only their low 32
// bits (clone's flags), so each check compares the low word of the
// argument alone: junk in the upper half must neither let a refused value
// through nor refuse an allowed one. (A 64-bit comparison of an int
// argument is how a deny rule on socket(AF_VSOCK) is bypassed: 1<<32 |
// AF_VSOCK differs from AF_VSOCK, yet the kernel creates a vsock socket.)
// Only prlimit64's new-limit pointer is compared whole.

// argLow and argHigh are the offsets of argument i's low and high words in
// struct seccomp_data on little-endian x86-64.
func argLow(i int) uint32  { return 16 + 8*uint32(i) }
func argHigh(i int) uint32 { return 20 + 8*uint32(i) }

func retErrnoOf(e syscall.Errno) bpf.RetConstant {
	return bpf.RetConstant{Val: retErrno | uint32(e)}
}

// cloneCheck refuses (EPERM) clone with any flag that creates a
// namespace. The kernel uses only the low 32 bits of clone's flags.
func cloneCheck() []bpf.Instruction {
	return refuseIf(0, bpf.JumpBitsSet, namespaceFlags)
}

// refuseIf refuses (EPERM) a call whose argument arg, read as an int (its
// low 32 bits), passes the test against val, and allows it otherwise.
func refuseIf(arg int, cond bpf.JumpTest, val uint32) []bpf.Instruction {
	return []bpf.Instruction{
		bpf.LoadAbsolute{Off: argLow(arg), Size: 4},
		bpf.JumpIf{Cond: cond, Val: val, SkipTrue: 1},
		bpf.RetConstant{Val: retAllow},
		retErrnoOf(syscall.EPERM),
	}
}

// socketCheck lets socket and socketpair (family, type, protocol) create
// only what the network namespace isolates: AF_UNIX, AF_INET and AF_INET6,
// and netlink sockets of NETLINK_ROUTE, which glibc uses to list the
// interfaces' addresses. Any other family is EAFNOSUPPORT, what a kernel
// without that family answers (vsock is not isolated by network
// namespaces; packet, XDP, AF_ALG and the rest are kernel surface no
// program here needs); any other netlink protocol (audit, uevents, socket
// diagnostics, netfilter...) is EPROTONOSUPPORT, what the kernel answers
// for a netlink protocol it lacks. socket(AF_INET, SOCK_PACKET), which the
// kernel turns into a packet socket, is EAFNOSUPPORT too.
func socketCheck() []bpf.Instruction {
	const (
		allow  = 10
		eafno  = 11
		eproto = 12
	)
	return []bpf.Instruction{
		/* 0 */ bpf.LoadAbsolute{Off: argLow(0), Size: 4},
		/* 1 */ bpf.JumpIf{Cond: bpf.JumpEqual, Val: unix.AF_UNIX, SkipTrue: allow - 2},
		/* 2 */ bpf.JumpIf{Cond: bpf.JumpEqual, Val: unix.AF_INET6, SkipTrue: allow - 3},
		/* 3 */ bpf.JumpIf{Cond: bpf.JumpEqual, Val: unix.AF_NETLINK, SkipTrue: 8 - 4},
		/* 4 */ bpf.JumpIf{Cond: bpf.JumpEqual, Val: unix.AF_INET, SkipFalse: eafno - 5},
		/* 5 */ bpf.LoadAbsolute{Off: argLow(1), Size: 4},
		/* 6 */ bpf.ALUOpConstant{Op: bpf.ALUOpAnd, Val: 0xf}, // the type without SOCK_CLOEXEC, SOCK_NONBLOCK
		/* 7 */ bpf.JumpIf{Cond: bpf.JumpEqual, Val: unix.SOCK_PACKET, SkipTrue: eafno - 8, SkipFalse: allow - 8},
		/* 8 */ bpf.LoadAbsolute{Off: argLow(2), Size: 4},
		/* 9 */ bpf.JumpIf{Cond: bpf.JumpEqual, Val: unix.NETLINK_ROUTE, SkipTrue: allow - 10, SkipFalse: eproto - 10},
		/* allow */ bpf.RetConstant{Val: retAllow},
		/* eafno */ retErrnoOf(syscall.EAFNOSUPPORT),
		/* eproto */ retErrnoOf(syscall.EPROTONOSUPPORT),
	}
}

// setrlimitCheck refuses (EPERM) setrlimit(RLIMIT_CORE, ...): see
// coreLimit.
func setrlimitCheck() []bpf.Instruction {
	return refuseIf(0, bpf.JumpEqual, unix.RLIMIT_CORE)
}

// prlimitCheck refuses (EPERM) prlimit64(pid, RLIMIT_CORE, new, old) when
// new is not NULL, for any pid: reading the limit stays allowed.
func prlimitCheck() []bpf.Instruction {
	const (
		allow = 6
		eperm = 7
	)
	return []bpf.Instruction{
		/* 0 */ bpf.LoadAbsolute{Off: argLow(1), Size: 4},
		/* 1 */ bpf.JumpIf{Cond: bpf.JumpEqual, Val: unix.RLIMIT_CORE, SkipFalse: allow - 2},
		/* 2 */ bpf.LoadAbsolute{Off: argLow(2), Size: 4},
		/* 3 */ bpf.JumpIf{Cond: bpf.JumpEqual, Val: 0, SkipFalse: eperm - 4},
		/* 4 */ bpf.LoadAbsolute{Off: argHigh(2), Size: 4},
		/* 5 */ bpf.JumpIf{Cond: bpf.JumpEqual, Val: 0, SkipFalse: eperm - 6},
		/* allow */ bpf.RetConstant{Val: retAllow},
		/* eperm */ retErrnoOf(syscall.EPERM),
	}
}
