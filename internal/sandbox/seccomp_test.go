package sandbox

import (
	"encoding/binary"
	"syscall"
	"testing"

	"golang.org/x/net/bpf"

	seccompbpf "github.com/elastic/go-seccomp-bpf"
	"golang.org/x/sys/unix"
)

// referenceFilter is the same policy as the policy library assembles it,
// one comparison after another: what the search tree must agree with on
// every native call.
func referenceFilter(t *testing.T) *bpf.VM {
	t.Helper()
	policy := seccompbpf.Policy{
		DefaultAction: seccompbpf.ActionAllow,
		Syscalls: []seccompbpf.SyscallGroup{
			{Action: denyEPERM, Names: deniedSyscalls},
			{Action: denyEPERM, NamesWithCondtions: conditionalDenials()},
			{Action: denyENOSYS, Names: notImplemented},
		},
	}
	prog, err := policy.Assemble()
	if err != nil {
		t.Fatal(err)
	}
	vm, err := bpf.NewVM(prog)
	if err != nil {
		t.Fatal(err)
	}
	return vm
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

func TestSeccompFilterMatchesPolicy(t *testing.T) {
	got, want := filterVM(t), referenceFilter(t)
	argSets := [][6]uint64{{}}
	for bit := uint64(1); bit != 0; bit <<= 1 {
		argSets = append(argSets, [6]uint64{bit | uint64(syscall.SIGCHLD)})
	}
	for _, sig := range []uint64{0, 9, 15, uint64(syscall.SIGXCPU), uint64(syscall.SIGXFSZ), 1<<32 | uint64(syscall.SIGXCPU)} {
		argSets = append(argSets, [6]uint64{0, sig, sig}, [6]uint64{1, 2, sig})
	}
	nrs := []uint32{x32SyscallBit - 1, x32SyscallBit, x32SyscallBit | 1, x32SyscallBit | 56, 0x7fffffff, 0xffffffff}
	for nr := range uint32(1100) {
		nrs = append(nrs, nr)
	}
	checked, denied := 0, 0
	for _, nr := range nrs {
		for _, args := range argSets {
			data := seccompData(auditArchX86_64, nr, args)
			g, w := verdict(t, got, data), verdict(t, want, data)
			if g != w {
				t.Fatalf("call %d args %x: filter %#x, policy %#x", nr, args, g, w)
			}
			checked++
			if g != retAllow {
				denied++
			}
		}
	}
	// The comparison means something only if both allow and deny occur.
	if denied == 0 || denied == checked {
		t.Fatalf("%d of %d verdicts deny", denied, checked)
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
