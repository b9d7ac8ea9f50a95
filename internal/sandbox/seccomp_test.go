package sandbox

import (
	"encoding/binary"
	"slices"
	"syscall"
	"testing"

	"golang.org/x/net/bpf"

	"github.com/elastic/go-seccomp-bpf/arch"
	"golang.org/x/sys/unix"
)

// referenceVerdict is the policy written out plainly in Go, call by call:
// what the filter's search tree and argument checks must agree with on
// every native call.
func referenceVerdict(names map[uint32]string, nr uint32, args [6]uint64) uint32 {
	eperm, enosys := retErrno|uint32(syscall.EPERM), retErrno|uint32(syscall.ENOSYS)
	name, ok := names[nr]
	if !ok || nr >= x32SyscallBit {
		return enosys
	}
	switch {
	case slices.Contains(allowedSyscalls, name):
		return retAllow
	case slices.Contains(deniedSyscalls, name):
		return eperm
	}
	low := func(i int) uint32 { return uint32(args[i]) }
	switch name {
	case "clone":
		if low(0)&namespaceFlags != 0 {
			return eperm
		}
		return retAllow
	case "socket", "socketpair":
		switch low(0) {
		case unix.AF_UNIX, unix.AF_INET6:
			return retAllow
		case unix.AF_INET:
			if low(1)&0xf == unix.SOCK_PACKET {
				return retErrno | uint32(syscall.EAFNOSUPPORT)
			}
			return retAllow
		case unix.AF_NETLINK:
			if low(2) == unix.NETLINK_ROUTE {
				return retAllow
			}
			return retErrno | uint32(syscall.EPROTONOSUPPORT)
		}
		return retErrno | uint32(syscall.EAFNOSUPPORT)
	case "setrlimit":
		if low(0) == unix.RLIMIT_CORE {
			return eperm
		}
		return retAllow
	case "prlimit64":
		if low(1) == unix.RLIMIT_CORE && args[2] != 0 {
			return eperm
		}
		return retAllow
	}
	return enosys
}

func filterVM(t *testing.T) *bpf.VM {
	t.Helper()
	filter, err := buildSeccompFilter()
	if err != nil {
		t.Fatal(err)
	}
	raw := make([]bpf.RawInstruction, len(filter))
	for i, f := range filter {
		raw[i] = bpf.RawInstruction{Op: f.Code, Jt: f.Jt, Jf: f.Jf, K: f.K}
	}
	prog, ok := bpf.Disassemble(raw)
	if !ok {
		t.Fatal("the filter does not disassemble")
	}
	vm, err := bpf.NewVM(prog)
	if err != nil {
		t.Fatalf("the filter is not a valid program: %v", err)
	}
	return vm
}

// seccompData lays out struct seccomp_data as the policy library's loads
// expect it (each 32-bit word big-endian, as the VM reads, the low word of
// an argument first, as on x86-64).
func seccompData(arch, nr uint32, args [6]uint64) []byte {
	b := make([]byte, 64)
	binary.BigEndian.PutUint32(b[0:], nr)
	binary.BigEndian.PutUint32(b[4:], arch)
	for i, a := range args {
		binary.BigEndian.PutUint32(b[16+8*i:], uint32(a))
		binary.BigEndian.PutUint32(b[16+8*i+4:], uint32(a>>32))
	}
	return b
}

func verdict(t *testing.T, vm *bpf.VM, data []byte) uint32 {
	t.Helper()
	v, err := vm.Run(data)
	if err != nil {
		t.Fatalf("filter run: %v", err)
	}
	return uint32(v)
}

// policyArgSets are the argument cases the enumeration tries on every
// call number: each single bit of the first argument (clone's flags),
// every socket family with junk in the upper half or not, with the
// netlink protocols and SOCK_PACKET, every rlimit resource with and
// without a new limit.
func policyArgSets() [][6]uint64 {
	sets := [][6]uint64{{}}
	for bit := uint64(1); bit != 0; bit <<= 1 {
		sets = append(sets, [6]uint64{bit | uint64(syscall.SIGCHLD)})
	}
	for fam := uint64(0); fam < 64; fam++ {
		for _, high := range []uint64{0, 1 << 32, 0xffffffff << 32} {
			sets = append(sets,
				[6]uint64{high | fam, unix.SOCK_STREAM, 0},
				[6]uint64{high | fam, unix.SOCK_RAW | unix.SOCK_CLOEXEC, high | unix.NETLINK_AUDIT},
				[6]uint64{fam, high | unix.SOCK_PACKET, high},
				[6]uint64{fam, unix.SOCK_DGRAM, high | unix.NETLINK_ROUTE})
		}
	}
	for res := uint64(0); res < 17; res++ {
		for _, high := range []uint64{0, 1 << 32} {
			sets = append(sets,
				[6]uint64{high | res, 0x7ffd0000, 0},
				[6]uint64{0, high | res, 0, 0x7ffd0000},
				[6]uint64{1, high | res, 0x7ffd0000, 0},
				[6]uint64{0, high | res, 0x7ffd00000000, 0})
		}
	}
	return sets
}

func TestSeccompFilterMatchesPolicy(t *testing.T) {
	got := filterVM(t)
	info, err := arch.GetInfo("amd64")
	if err != nil {
		t.Fatal(err)
	}
	names := make(map[uint32]string)
	for name, nr := range info.SyscallNames {
		names[uint32(nr)] = name
	}
	argSets := policyArgSets()
	nrs := []uint32{x32SyscallBit - 1, x32SyscallBit, x32SyscallBit | 1, x32SyscallBit | 41, x32SyscallBit | 56, 0x7fffffff, 0xffffffff}
	for nr := range uint32(1100) {
		nrs = append(nrs, nr)
	}
	count := map[uint32]int{}
	for _, nr := range nrs {
		for _, args := range argSets {
			data := seccompData(auditArchX86_64, nr, args)
			g, w := verdict(t, got, data), referenceVerdict(names, nr, args)
			if g != w {
				t.Fatalf("call %d (%s) args %#x: filter %#x, policy %#x", nr, names[nr], args, g, w)
			}
			count[g]++
		}
	}
	// The comparison means something only if every verdict occurs.
	for _, v := range []uint32{retAllow, retErrno | uint32(syscall.EPERM), retErrno | uint32(syscall.ENOSYS),
		retErrno | uint32(syscall.EAFNOSUPPORT), retErrno | uint32(syscall.EPROTONOSUPPORT)} {
		if count[v] == 0 {
			t.Errorf("verdict %#x never occurred: %v", v, count)
		}
	}
}

func TestSeccompFilterForeignABIs(t *testing.T) {
	vm := filterVM(t)
	allowed := make(map[uint32]bool)
	for _, nr := range i386Allowed {
		allowed[nr] = true
	}
	enosys := retErrno | uint32(syscall.ENOSYS)
	for nr := range uint32(1100) {
		want := enosys
		if allowed[nr] {
			want = retAllow
		}
		if got := verdict(t, vm, seccompData(auditArchI386, nr, [6]uint64{})); got != want {
			t.Errorf("i386 call %d: %#x, want %#x", nr, got, want)
		}
		// Another architecture, and the x32 ABI, get nothing at all.
		if got := verdict(t, vm, seccompData(0xc00000b7, nr, [6]uint64{})); got != enosys {
			t.Errorf("aarch64 call %d: %#x", nr, got)
		}
		if got := verdict(t, vm, seccompData(auditArchX86_64, nr|x32SyscallBit, [6]uint64{})); got != enosys {
			t.Errorf("x32 call %d: %#x", nr, got)
		}
	}
}

// TestSeccompFilterVerdicts states the policy's intent call by call, so
// that a change to the policy itself shows.
func TestSeccompFilterVerdicts(t *testing.T) {
	vm := filterVM(t)
	eperm, enosys := retErrno|uint32(syscall.EPERM), retErrno|uint32(syscall.ENOSYS)
	eafno, eproto := retErrno|uint32(syscall.EAFNOSUPPORT), retErrno|uint32(syscall.EPROTONOSUPPORT)
	thread := uint64(unix.CLONE_VM | unix.CLONE_FS | unix.CLONE_FILES | unix.CLONE_SIGHAND | unix.CLONE_THREAD |
		unix.CLONE_SYSVSEM | unix.CLONE_SETTLS | unix.CLONE_PARENT_SETTID | unix.CLONE_CHILD_CLEARTID)
	type call struct {
		name string
		nr   uint32
		args [6]uint64
		want uint32
	}
	cases := []call{
		{"mount", unix.SYS_MOUNT, [6]uint64{}, eperm},
		{"unshare", unix.SYS_UNSHARE, [6]uint64{unix.CLONE_NEWUSER}, eperm},
		{"io_uring_setup", unix.SYS_IO_URING_SETUP, [6]uint64{}, eperm},
		{"clone3", unix.SYS_CLONE3, [6]uint64{}, enosys},
		{"shmget", unix.SYS_SHMGET, [6]uint64{}, enosys},
		{"clone thread", unix.SYS_CLONE, [6]uint64{thread}, retAllow},
		{"fork", unix.SYS_CLONE, [6]uint64{uint64(syscall.SIGCHLD)}, retAllow},
		{"kill SIGTERM", unix.SYS_KILL, [6]uint64{1, uint64(syscall.SIGTERM)}, retAllow},
		{"kill SIGXCPU", unix.SYS_KILL, [6]uint64{1, uint64(syscall.SIGXCPU)}, retAllow},
		{"write", unix.SYS_WRITE, [6]uint64{1}, retAllow},
		{"execve", unix.SYS_EXECVE, [6]uint64{}, retAllow},
		// The allow-list: what it does not name is ENOSYS, new calls
		// first of all.
		{"memfd_secret", 447, [6]uint64{}, enosys},
		{"listmount", 458, [6]uint64{}, enosys},
		{"mseal", 462, [6]uint64{}, enosys},
		{"open_tree_attr", 467, [6]uint64{}, enosys},
		{"an unassigned number", 470, [6]uint64{}, enosys},
		{"an unassigned number", 1000, [6]uint64{}, enosys},
		{"modify_ldt", unix.SYS_MODIFY_LDT, [6]uint64{}, enosys},
		{"inotify_init", unix.SYS_INOTIFY_INIT, [6]uint64{}, enosys},
		{"inotify_init1", unix.SYS_INOTIFY_INIT1, [6]uint64{}, enosys},
		{"inotify_add_watch", unix.SYS_INOTIFY_ADD_WATCH, [6]uint64{}, enosys},
		{"fanotify_init", unix.SYS_FANOTIFY_INIT, [6]uint64{}, eperm},
		{"fanotify_mark", unix.SYS_FANOTIFY_MARK, [6]uint64{}, enosys},
		{"fchmodat2", 452, [6]uint64{}, retAllow},
		{"rseq", unix.SYS_RSEQ, [6]uint64{}, retAllow},
		// Socket families.
		{"socket AF_UNIX", unix.SYS_SOCKET, [6]uint64{unix.AF_UNIX, unix.SOCK_STREAM}, retAllow},
		{"socket AF_UNIX, junk above", unix.SYS_SOCKET, [6]uint64{1<<32 | unix.AF_UNIX, unix.SOCK_STREAM}, retAllow},
		{"socket AF_INET", unix.SYS_SOCKET, [6]uint64{unix.AF_INET, unix.SOCK_STREAM | unix.SOCK_CLOEXEC}, retAllow},
		{"socket AF_INET6", unix.SYS_SOCKET, [6]uint64{unix.AF_INET6, unix.SOCK_DGRAM}, retAllow},
		{"socket NETLINK_ROUTE", unix.SYS_SOCKET, [6]uint64{unix.AF_NETLINK, unix.SOCK_RAW, unix.NETLINK_ROUTE}, retAllow},
		{"socket NETLINK_AUDIT", unix.SYS_SOCKET, [6]uint64{unix.AF_NETLINK, unix.SOCK_RAW, unix.NETLINK_AUDIT}, eproto},
		{"socket NETLINK_AUDIT, junk above", unix.SYS_SOCKET, [6]uint64{unix.AF_NETLINK, unix.SOCK_RAW, 1<<32 | unix.NETLINK_AUDIT}, eproto},
		{"socket AF_VSOCK", unix.SYS_SOCKET, [6]uint64{unix.AF_VSOCK, unix.SOCK_STREAM}, eafno},
		{"socket AF_VSOCK, junk above", unix.SYS_SOCKET, [6]uint64{1<<32 | unix.AF_VSOCK, unix.SOCK_STREAM}, eafno},
		{"socket AF_PACKET", unix.SYS_SOCKET, [6]uint64{unix.AF_PACKET, unix.SOCK_RAW}, eafno},
		{"socket AF_INET SOCK_PACKET", unix.SYS_SOCKET, [6]uint64{unix.AF_INET, unix.SOCK_PACKET | unix.SOCK_CLOEXEC}, eafno},
		{"socketpair AF_UNIX", unix.SYS_SOCKETPAIR, [6]uint64{unix.AF_UNIX, unix.SOCK_STREAM}, retAllow},
		{"socketpair AF_VSOCK", unix.SYS_SOCKETPAIR, [6]uint64{unix.AF_VSOCK, unix.SOCK_STREAM}, eafno},
		// RLIMIT_CORE stays at 1.
		{"setrlimit RLIMIT_CORE", unix.SYS_SETRLIMIT, [6]uint64{unix.RLIMIT_CORE, 0x1000}, eperm},
		{"setrlimit RLIMIT_CORE, junk above", unix.SYS_SETRLIMIT, [6]uint64{1<<32 | unix.RLIMIT_CORE, 0x1000}, eperm},
		{"setrlimit RLIMIT_NOFILE", unix.SYS_SETRLIMIT, [6]uint64{unix.RLIMIT_NOFILE, 0x1000}, retAllow},
		{"prlimit64 set RLIMIT_CORE", unix.SYS_PRLIMIT64, [6]uint64{0, unix.RLIMIT_CORE, 0x1000}, eperm},
		{"prlimit64 set RLIMIT_CORE, pointer above 4 GiB", unix.SYS_PRLIMIT64, [6]uint64{0, unix.RLIMIT_CORE, 0x7fff00000000}, eperm},
		{"prlimit64 read RLIMIT_CORE", unix.SYS_PRLIMIT64, [6]uint64{0, unix.RLIMIT_CORE, 0, 0x1000}, retAllow},
		{"prlimit64 set RLIMIT_STACK", unix.SYS_PRLIMIT64, [6]uint64{0, unix.RLIMIT_STACK, 0x1000}, retAllow},
		{"getrlimit", unix.SYS_GETRLIMIT, [6]uint64{unix.RLIMIT_CORE, 0x1000}, retAllow},
	}
	for bit := uint64(1); bit != 0; bit <<= 1 {
		if namespaceFlags&bit != 0 {
			cases = append(cases, call{"clone with a namespace flag", unix.SYS_CLONE, [6]uint64{bit | uint64(syscall.SIGCHLD)}, eperm})
		}
	}
	for _, c := range cases {
		if got := verdict(t, vm, seccompData(auditArchX86_64, c.nr, c.args)); got != c.want {
			t.Errorf("%s (args %#x): %#x, want %#x", c.name, c.args, got, c.want)
		}
	}
}

func TestSegments(t *testing.T) {
	segs := segments(map[uint32]int{0: 1, 1: 1, 5: 2, 6: 1, 9: 1}, 0, 100, 3)
	want := []segment{{0, 1}, {2, 0}, {5, 2}, {6, 1}, {7, 0}, {9, 1}, {10, 0}, {100, 3}}
	if len(segs) != len(want) {
		t.Fatalf("segments %v, want %v", segs, want)
	}
	for i := range want {
		if segs[i] != want[i] {
			t.Fatalf("segments %v, want %v", segs, want)
		}
	}
}
