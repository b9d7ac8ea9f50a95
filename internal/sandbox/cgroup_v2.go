package sandbox

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// v2Controllers are the controllers the runs' cgroups use on v2: memory
// and pids. CPU time is read from cpu.stat, which every v2 cgroup has
// without the cpu controller.
var v2Controllers = []string{"memory", "pids"}

// serverLeaf is the cgroup the server moves itself into when its subtree
// lives under its own cgroup: v2 lets only leaves hold processes once
// controllers are handed down ("no internal processes").
const serverLeaf = "coderacer-server"

// v2Host is a cgroup v2 hierarchy as the server finds it, with what it
// asks of the world made replaceable for tests.
type v2Host struct {
	root string // where the hierarchy is mounted: cgroupBase
	self int    // the server's pid
	// unitProperty asks systemd for a property of a unit, "" when it
	// cannot.
	unitProperty func(unit, property string) string
	// rmdir removes a cgroup directory.
	rmdir func(path string) error
}

func newV2Host() *v2Host {
	return &v2Host{root: cgroupBase, self: os.Getpid(), unitProperty: systemctlShow, rmdir: syscall.Rmdir}
}

// v2Placement is where the server's subtree lives on a pure v2 hierarchy,
// and what the server changed to put it there, to be undone on exit.
type v2Placement struct {
	// parent is the cgroup (below cgroupBase, "" for the visible root)
	// that holds the subtree coderacer-<pid>.
	parent string
	// home is the cgroup the server was started in; leaf is where it
	// moved (empty when it did not move).
	home, leaf string
	// added are the controllers the server enabled in parent's
	// cgroup.subtree_control, withdrawn again on exit.
	added []string
	host  *v2Host
}

// place decides where the runs' cgroups go, from where the server was
// started:
//   - the host's root cgroup: a subtree beside the server, nothing moves;
//   - a cgroup delegated to it (a systemd unit with Delegate=yes) or the
//     root of a private cgroup namespace (a container): a subtree under
//     it, the server itself moving into a leaf (and, in a container, the
//     container's other processes, which would otherwise forbid it);
//   - any other cgroup of the host (a login session, a scope): a subtree
//     at the host's root, leaving the session alone; a systemd service
//     without delegation is refused, since systemd owns its cgroup.
//
// home is the server's cgroup, relative to the hierarchy's root.
func (h *v2Host) place(home string) (*v2Placement, error) {
	nsRoot := h.isNamespaceRoot()
	switch {
	case home == "" && !nsRoot:
		return &v2Placement{home: home, host: h}, nil
	case nsRoot || h.delegated(home):
		return h.nestUnder(home, nsRoot && home == "")
	}
	if unit := systemdService(home); unit != "" {
		return nil, fmt.Errorf("cgroup v2: the server runs in systemd service %s, whose cgroup is not delegated to it: "+
			"run it with Delegate=yes and OOMPolicy=continue (deploy/coderacer.service has both)", unit)
	}
	return &v2Placement{home: home, host: h}, nil
}

// nestUnder moves the server (and, in a container's namespace root, every
// other process there) into a leaf under home, so that home may hand its
// controllers down to the runs' subtree.
func (h *v2Host) nestUnder(home string, moveAll bool) (*v2Placement, error) {
	pids, err := readPids(h.file(home, "cgroup.procs"))
	if err != nil {
		return nil, fmt.Errorf("cgroup v2: read processes of %s: %w", cgroupName(home), err)
	}
	var others []int
	for _, pid := range pids {
		if pid != h.self {
			others = append(others, pid)
		}
	}
	// A process outside the server's pid namespace shows as 0: it can
	// be neither named nor moved.
	if slices.Contains(others, 0) {
		return nil, fmt.Errorf("cgroup v2: cgroup %s also holds processes outside the server's pid namespace: "+
			"the server needs a cgroup of its own (in a container, run it as the main process)", cgroupName(home))
	}
	if len(others) > 0 && !moveAll {
		return nil, fmt.Errorf("cgroup v2: cgroup %s, delegated to the server, also holds processes %v: "+
			"the server needs a cgroup of its own (start it alone in its unit or scope)", cgroupName(home), others)
	}
	leaf := path.Join(home, serverLeaf)
	if err := os.Mkdir(h.file(leaf, ""), 0o755); err != nil && !errors.Is(err, os.ErrExist) {
		return nil, fmt.Errorf("cgroup v2: create %s: %w", cgroupName(leaf), err)
	}
	for _, pid := range append([]int{h.self}, others...) {
		if err := h.movePid(leaf, pid); err != nil && pid == h.self {
			_ = h.rmdir(h.file(leaf, ""))
			return nil, fmt.Errorf("cgroup v2: move the server into %s: %w", cgroupName(leaf), err)
		}
	}
	return &v2Placement{parent: home, home: home, leaf: leaf, host: h}, nil
}

// enableControllers hands memory and pids down from parent, remembering
// which it enabled, and says clearly which are missing.
func (p *v2Placement) enableControllers() error {
	h := p.host
	available := fieldsOf(h.file(p.parent, "cgroup.controllers"))
	enabled := fieldsOf(h.file(p.parent, "cgroup.subtree_control"))
	var missing []string
	for _, c := range v2Controllers {
		switch {
		case !slices.Contains(available, c):
			missing = append(missing, c)
		case !slices.Contains(enabled, c):
			p.added = append(p.added, c)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("cgroup v2: cgroup %s offers controllers %v, the runs need %v too: "+
			"delegate them (systemd: Delegate=yes; a container: a private cgroup namespace)", cgroupName(p.parent), available, missing)
	}
	if len(p.added) == 0 {
		return nil
	}
	if err := h.writeControllers(p.parent, "+", p.added); err != nil {
		p.added = nil
		return fmt.Errorf("cgroup v2: enable %v in %s: %w", v2Controllers, cgroupName(p.parent), err)
	}
	return nil
}

// undo gives back what place and enableControllers took, once the runs'
// subtree is gone: the controllers it enabled, and the cgroup the server
// (and whoever moved with it) came from.
func (p *v2Placement) undo() error {
	h := p.host
	if len(p.added) > 0 {
		if err := h.writeControllers(p.parent, "-", p.added); err != nil {
			return fmt.Errorf("cgroup v2: withdraw %v from %s: %w", p.added, cgroupName(p.parent), err)
		}
		p.added = nil
	}
	if p.leaf == "" {
		return nil
	}
	pids, err := readPids(h.file(p.leaf, "cgroup.procs"))
	if err != nil {
		return fmt.Errorf("cgroup v2: read processes of %s: %w", cgroupName(p.leaf), err)
	}
	for _, pid := range pids {
		if err := h.movePid(p.home, pid); err != nil && !errors.Is(err, syscall.ESRCH) {
			return fmt.Errorf("cgroup v2: move process %d back to %s: %w", pid, cgroupName(p.home), err)
		}
	}
	if err := retryBusy(func() error { return h.rmdir(h.file(p.leaf, "")) }); err != nil {
		return fmt.Errorf("cgroup v2: remove %s: %w", cgroupName(p.leaf), err)
	}
	p.leaf = ""
	return nil
}

// ownCgroupV2 is the server's cgroup, relative to the visible hierarchy's
// root ("" for the root itself).
func ownCgroupV2() (string, error) {
	data, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return "", fmt.Errorf("cgroup v2: read /proc/self/cgroup: %w", err)
	}
	for line := range strings.SplitSeq(string(data), "\n") {
		if p, ok := strings.CutPrefix(line, "0::"); ok {
			if strings.HasSuffix(p, " (deleted)") || strings.HasPrefix(p, "/..") {
				return "", fmt.Errorf("cgroup v2: the server's cgroup %q is outside the mounted hierarchy", p)
			}
			return strings.Trim(p, "/"), nil
		}
	}
	return "", errors.New("cgroup v2: /proc/self/cgroup has no v2 entry")
}

// isNamespaceRoot tells whether the mounted hierarchy's root is not the
// host's root cgroup, as in a container with a private cgroup namespace:
// only non-root cgroups have cgroup.type.
func (h *v2Host) isNamespaceRoot() bool {
	_, err := os.Stat(h.file("", "cgroup.type"))
	return err == nil
}

// delegated tells whether systemd handed the cgroup over to its processes
// (Delegate=yes): systemd 251 and later mark such cgroups with an extended
// attribute; older ones are asked.
func (h *v2Host) delegated(cg string) bool {
	for _, attr := range []string{"trusted.delegate", "user.delegate"} {
		buf := make([]byte, 8)
		n, err := unix.Getxattr(h.file(cg, ""), attr, buf)
		if err == nil && string(buf[:n]) == "1" {
			return true
		}
	}
	unit := path.Base(cg)
	if strings.HasSuffix(unit, ".service") || strings.HasSuffix(unit, ".scope") {
		return h.unitProperty(unit, "Delegate") == "yes"
	}
	return false
}

// systemdService is the name of the systemd service whose cgroup cg is,
// or "".
func systemdService(cg string) string {
	if name := path.Base(cg); strings.HasSuffix(name, ".service") {
		return name
	}
	return ""
}

// systemctlShow asks systemd for a property of a unit, "" when it cannot.
func systemctlShow(unit, property string) string {
	out, err := exec.Command("systemctl", "show", "--property="+property, "--value", unit).Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

func (h *v2Host) file(cg, file string) string {
	return filepath.Join(h.root, cg, file)
}

// cgroupName is how errors show a cgroup: its path in the hierarchy.
func cgroupName(cg string) string {
	return "/" + cg
}

func fieldsOf(file string) []string {
	data, _ := os.ReadFile(file)
	return strings.Fields(string(data))
}

func (h *v2Host) writeControllers(cg, sign string, names []string) error {
	var b strings.Builder
	for i, n := range names {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(sign + n)
	}
	return os.WriteFile(h.file(cg, "cgroup.subtree_control"), []byte(b.String()), 0o644)
}

func (h *v2Host) movePid(cg string, pid int) error {
	return os.WriteFile(h.file(cg, "cgroup.procs"), []byte(strconv.Itoa(pid)), 0o644)
}

func readPids(file string) ([]int, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var pids []int
	for _, f := range strings.Fields(string(data)) {
		pid, err := strconv.Atoi(f)
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", file, err)
		}
		pids = append(pids, pid)
	}
	return pids, nil
}
