package sandbox

import (
	"os"
	"slices"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// fakeV2 is a directory tree shaped like a cgroup v2 hierarchy: writing a
// pid to cgroup.procs replaces the file rather than moving a process, which
// is what these tests read back.
type fakeV2 struct {
	t    *testing.T
	host *v2Host
	// property is what the fake systemd answers for any unit.
	property string
}

func newFakeV2(t *testing.T, namespaceRoot bool) *fakeV2 {
	f := &fakeV2{t: t}
	f.host = &v2Host{root: t.TempDir(), self: 4242, unitProperty: func(string, string) string { return f.property },
		rmdir: os.RemoveAll}
	f.cgroup("", "cpuset cpu io memory pids", "", "1")
	if namespaceRoot {
		f.write("", "cgroup.type", "domain")
	}
	return f
}

// cgroup makes a cgroup with its controllers, subtree_control and procs.
func (f *fakeV2) cgroup(cg, controllers, subtree, procs string) {
	if err := os.MkdirAll(f.host.file(cg, ""), 0o755); err != nil {
		f.t.Fatal(err)
	}
	f.write(cg, "cgroup.controllers", controllers)
	f.write(cg, "cgroup.subtree_control", subtree)
	f.write(cg, "cgroup.procs", procs)
}

func (f *fakeV2) write(cg, file, content string) {
	if err := os.WriteFile(f.host.file(cg, file), []byte(content), 0o644); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fakeV2) read(cg, file string) string {
	data, err := os.ReadFile(f.host.file(cg, file))
	if err != nil {
		f.t.Fatal(err)
	}
	return strings.TrimSpace(string(data))
}

func (f *fakeV2) delegate(cg string) {
	if err := unix.Setxattr(f.host.file(cg, ""), "trusted.delegate", []byte("1"), 0); err != nil {
		f.t.Fatalf("set trusted.delegate (the test needs root and a file system with trusted.* attributes): %v", err)
	}
}

func TestPlaceV2HostRoot(t *testing.T) {
	f := newFakeV2(t, false)
	p, err := f.host.place("")
	if err != nil {
		t.Fatal(err)
	}
	if p.parent != "" || p.leaf != "" {
		t.Errorf("parent %q leaf %q, want the root and no move", p.parent, p.leaf)
	}
}

func TestPlaceV2LoginSessionStaysAlone(t *testing.T) {
	f := newFakeV2(t, false)
	session := "user.slice/user-0.slice/session-3.scope"
	f.cgroup(session, "memory pids", "", "900\n4242")
	p, err := f.host.place(session)
	if err != nil {
		t.Fatal(err)
	}
	if p.parent != "" || p.leaf != "" {
		t.Errorf("parent %q leaf %q: want the subtree at the root and the session untouched", p.parent, p.leaf)
	}
	if got := f.read(session, "cgroup.procs"); got != "900\n4242" {
		t.Errorf("session processes are now %q", got)
	}
}

func TestPlaceV2PlainServiceRefused(t *testing.T) {
	f := newFakeV2(t, false)
	f.cgroup("system.slice/coderacer.service", "memory pids", "", "4242")
	_, err := f.host.place("system.slice/coderacer.service")
	if err == nil || !strings.Contains(err.Error(), "Delegate=yes") {
		t.Fatalf("err = %v, want a refusal naming Delegate=yes", err)
	}
}

func TestPlaceV2DelegatedService(t *testing.T) {
	f := newFakeV2(t, false)
	unit := "system.slice/coderacer.service"
	f.cgroup(unit, "memory pids", "", "4242")
	f.delegate(unit)
	p, err := f.host.place(unit)
	if err != nil {
		t.Fatal(err)
	}
	leaf := unit + "/coderacer-server"
	if p.parent != unit || p.leaf != leaf {
		t.Fatalf("parent %q leaf %q, want %q and %q", p.parent, p.leaf, unit, leaf)
	}
	if got := f.read(leaf, "cgroup.procs"); got != "4242" {
		t.Errorf("leaf holds %q, want the server alone", got)
	}
	if err := p.enableControllers(); err != nil {
		t.Fatal(err)
	}
	if got := f.read(unit, "cgroup.subtree_control"); got != "+memory +pids" {
		t.Errorf("subtree_control written %q", got)
	}
	f.write(unit, "cgroup.subtree_control", "memory pids")
	if err := p.undo(); err != nil {
		t.Fatal(err)
	}
	if got := f.read(unit, "cgroup.subtree_control"); got != "-memory -pids" {
		t.Errorf("undo wrote %q to subtree_control, want the controllers withdrawn", got)
	}
	if got := f.read(unit, "cgroup.procs"); got != "4242" {
		t.Errorf("undo left %q in the unit's procs, want the server back", got)
	}
}

func TestPlaceV2DelegatedScopeWithOthersRefused(t *testing.T) {
	f := newFakeV2(t, false)
	scope := "system.slice/run-u7.scope"
	f.cgroup(scope, "memory pids", "", "77\n4242")
	f.delegate(scope)
	_, err := f.host.place(scope)
	if err == nil || !strings.Contains(err.Error(), "[77]") {
		t.Fatalf("err = %v, want a refusal naming process 77", err)
	}
	if _, err := os.Stat(f.host.file(scope+"/coderacer-server", "")); err == nil {
		t.Error("a leaf was made although the server refused to start")
	}
}

func TestPlaceV2ContainerNamespaceRoot(t *testing.T) {
	f := newFakeV2(t, true)
	f.write("", "cgroup.procs", "1\n4242")
	p, err := f.host.place("")
	if err != nil {
		t.Fatal(err)
	}
	if p.parent != "" || p.leaf != "coderacer-server" {
		t.Fatalf("parent %q leaf %q, want the namespace root and a leaf", p.parent, p.leaf)
	}
	// The fake cannot move processes: each write replaces the file, and
	// the last one is the container's other process.
	if got := f.read("coderacer-server", "cgroup.procs"); got != "1" {
		t.Errorf("leaf procs %q, want the container's init moved too", got)
	}
}

func TestPlaceV2MissingControllers(t *testing.T) {
	f := newFakeV2(t, true)
	f.write("", "cgroup.controllers", "cpu io")
	f.write("", "cgroup.procs", "4242")
	p, err := f.host.place("")
	if err != nil {
		t.Fatal(err)
	}
	err = p.enableControllers()
	if err == nil || !strings.Contains(err.Error(), "[memory pids]") {
		t.Fatalf("err = %v, want the missing controllers named", err)
	}
	if !slices.Equal(p.added, nil) {
		t.Errorf("added %v although nothing was enabled", p.added)
	}
}
