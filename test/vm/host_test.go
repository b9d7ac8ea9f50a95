package vm

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// requireHost fails, saying what to install, when the host cannot run the VM.
func requireHost(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Fatal("the VM test must run as root (it builds a disk image with chroot and mknod)")
	}
	for cmd, pkg := range map[string]string{
		"qemu-system-x86_64": "qemu-system-x86", "mkfs.ext4": "e2fsprogs",
		"debootstrap": "debootstrap", "unshare": "util-linux", "flock": "util-linux",
	} {
		if _, err := exec.LookPath(cmd); err != nil {
			t.Fatalf("%s is missing: install %s (scripts/setup.sh --all does)", cmd, pkg)
		}
	}
}

// repoRoot is the module's root: this package is test/vm.
func repoRoot(t *testing.T) string {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("no go.mod two levels up from the test: %v", err)
	}
	return root
}

// prepareShare fills the directory the VM mounts over 9p: the server
// (CODERACER_VM_BINARY, else built from this tree with its small init),
// the guest program, the
// unit file (CODERACER_VM_UNIT, else deploy/coderacer.service) and run.sh.
func prepareShare(t *testing.T, share string, names []string) {
	root := repoRoot(t)
	if err := os.MkdirAll(share, 0o755); err != nil {
		t.Fatal(err)
	}
	if bin := os.Getenv("CODERACER_VM_BINARY"); bin != "" {
		// Another build: it starts its boxes with itself, as it would
		// without coderacer-init beside it.
		copyFile(t, bin, filepath.Join(share, "coderacer"))
	} else {
		goBuild(t, root, filepath.Join(share, "coderacer"), "./cmd/coderacer")
		goBuild(t, root, filepath.Join(share, "coderacer-init"), "./cmd/coderacer-init")
	}
	goBuild(t, root, filepath.Join(share, "crvm-guest"), "./test/vm/guest")
	unit := os.Getenv("CODERACER_VM_UNIT")
	if unit == "" {
		unit = filepath.Join(root, "deploy", "coderacer.service")
	}
	copyFile(t, unit, filepath.Join(share, "coderacer.service"))
	run := fmt.Sprintf(runScript, strings.Join(names, ","))
	if err := os.WriteFile(filepath.Join(share, "run.sh"), []byte(run), 0o755); err != nil {
		t.Fatal(err)
	}
}

// runScript is what the VM runs at boot (crvm-run.service of
// scripts/vm-image.sh runs the share's run.sh). Its output goes to the
// share and the serial console.
const runScript = `#!/bin/bash
set -u
share="$1"
exec > >(tee "${share}/guest.log" >/dev/console) 2>&1
install -m 0755 "${share}/coderacer" /usr/local/bin/coderacer
if [ -e "${share}/coderacer-init" ]; then install -m 0755 "${share}/coderacer-init" /usr/local/bin/coderacer-init; fi
install -m 0755 "${share}/crvm-guest" /usr/local/sbin/crvm-guest
echo "crvm: system $(systemctl is-system-running --wait)"
/usr/local/sbin/crvm-guest -share "${share}" -unit "${share}/coderacer.service" -scenarios %q
echo $? >"${share}/guest.exit"
`

// goBuild builds a static binary: the VM has no Go and maybe another libc.
func goBuild(t *testing.T, root, out, pkg string) {
	cmd := exec.Command("go", "build", "-o", out, pkg)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", pkg, err, b)
	}
}

func copyFile(t *testing.T, from, to string) {
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o755); err != nil {
		t.Fatal(err)
	}
}

// vmImage returns the directory of the cached VM disk, building it if the
// recipe (scripts/vm-image.sh) changed.
func vmImage(t *testing.T) string {
	cmd := exec.Command(filepath.Join(repoRoot(t), "scripts", "vm-image.sh"))
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("scripts/vm-image.sh: %v\n%s", err, stderr.String())
	}
	return strings.TrimSpace(string(out))
}

// vmTimeout is how long the VM may run: CODERACER_VM_TIMEOUT, default 15m.
func vmTimeout(t *testing.T) time.Duration {
	s := os.Getenv("CODERACER_VM_TIMEOUT")
	if s == "" {
		return 15 * time.Minute
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		t.Fatalf("CODERACER_VM_TIMEOUT: %v", err)
	}
	return d
}

// boot runs the VM until it powers off, killing it after timeout. TCG
// only: the host's /dev/kvm exists but guest kernels hang on it. No
// network device: the guest needs none and gets none.
func boot(share, image, console string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "qemu-system-x86_64",
		"-accel", "tcg", "-m", "2048", "-smp", "2",
		"-display", "none", "-monitor", "none", "-no-reboot", "-nic", "none",
		"-serial", "file:"+console,
		"-kernel", filepath.Join(image, "vmlinuz"), "-initrd", filepath.Join(image, "initrd.img"),
		"-append", "root=/dev/vda rw console=ttyS0 panic=-1 systemd.unified_cgroup_hierarchy=1 cgroup_no_v1=all",
		// snapshot: the cached disk stays as built; writes go to a
		// temporary file qemu drops at exit.
		"-drive", "file="+filepath.Join(image, "disk.img")+",format=raw,if=virtio,snapshot=on",
		"-virtfs", "local,path="+share+",mount_tag=crvm,security_model=none,id=crvm")
	// Should the test binary die (go test's own timeout), qemu goes too.
	// The signal follows the thread that started qemu: keep it.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		return fmt.Errorf("killed after %v: %w", timeout, ctx.Err())
	}
	if err != nil {
		return fmt.Errorf("%w: %s", err, out)
	}
	return nil
}

func readText(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Sprintf("(%v)", err)
	}
	return string(b)
}

// tail is the last n lines of text.
func tail(text string, n int) string {
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// tails shows the end of the guest's output and of the serial console.
func tails(share, console string) string {
	return "--- guest output (tail) ---\n" + tail(readText(filepath.Join(share, "guest.log")), 30) +
		"\n--- serial console (tail) ---\n" + tail(readText(console), 30)
}

// serverLogTail is the end of a server log without its list of the
// runtimes the VM does not have (some 40 lines, all alike).
func serverLogTail(share, log string) string {
	if log == "" {
		return ""
	}
	var kept []string
	for _, line := range strings.Split(readText(filepath.Join(share, log)), "\n") {
		if !strings.Contains(line, `msg="runtime unavailable"`) || !strings.Contains(line, "toolchain not installed") {
			kept = append(kept, line)
		}
	}
	return "--- server log " + log + " (tail, without the runtimes not installed) ---\n" + tail(strings.Join(kept, "\n"), 40)
}
