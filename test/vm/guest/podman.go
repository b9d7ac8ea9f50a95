package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

const (
	podmanImage       = "localhost/crvm-root"
	podmanContainer   = "crvm-podman"
	maskedContainer   = "crvm-podman-masked"
	readonlyContainer = "crvm-podman-readonly"
)

// podmanPrivileges are exactly the options README.md's Docker section
// gives `docker run` and `podman run`, but apparmor=unconfined: the VM has
// no AppArmor (Podman would refuse a profile it cannot load).
var podmanPrivileges = []string{
	"--cap-drop", "ALL", "--cap-add", "SYS_ADMIN", "--cap-add", "SETUID",
	"--cap-add", "SETGID", "--cap-add", "SETFCAP",
	"--security-opt", "systempaths=unconfined", "--cgroupns", "private",
}

// podmanLaunch runs the server as the main process of a real Podman
// container (runc, systemd cgroup manager, the default CNI network with
// the port published on the VM's loopback). A restart is `podman start`
// of the same container.
type podmanLaunch struct {
	dir string
	// cgroups is the container's cgroup after each start, as Podman
	// tells it.
	cgroups map[int]string
}

// podman runs podman with args and returns its trimmed output.
func podman(args ...string) (string, error) {
	out, err := exec.Command("podman", args...).CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("podman %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return strings.TrimSpace(string(out)), nil
}

// buildPodmanImage imports the VM's own root file system (bash, python3,
// gcc, the server at /usr/local/bin/coderacer) as an image, without the
// kernel, the documentation and the mount points' contents, streamed from
// tar to podman import (the VM's /run and /tmp are too small to hold it).
// No registry is reachable and the project's image is 1.4 GB: this one is
// made in the VM.
func buildPodmanImage() (string, error) {
	start := time.Now()
	args := []string{"-C", "/", "--one-file-system", "--numeric-owner", "-c"}
	// The mount points and caches stay, empty.
	for _, p := range []string{"proc", "sys", "dev", "run", "tmp", "mnt", "boot", "usr/lib/modules",
		"usr/share/doc", "usr/share/man", "usr/share/locale", "usr/share/info", "var/cache", "var/lib/apt/lists",
		"var/lib/containers", "var/log", "var/tmp"} {
		args = append(args, "--exclude=./"+p+"/*")
	}
	// Podman and its network, and what gcc needs only for -flto: the
	// server's languages need none of them.
	for _, p := range []string{"usr/lib/cni", "usr/bin/podman", "usr/bin/x86_64-linux-gnu-lto-dump-12",
		"usr/lib/gcc/x86_64-linux-gnu/12/lto1"} {
		args = append(args, "--exclude=./"+p)
	}
	tar := exec.Command("tar", append(args, ".")...)
	var tarErr strings.Builder
	tar.Stderr = &tarErr
	stream, err := tar.StdoutPipe()
	if err != nil {
		return "", err
	}
	counted := &countingReader{r: stream}
	imp := exec.Command("podman", "import", "--quiet", "-", podmanImage)
	imp.Stdin = counted
	if err := tar.Start(); err != nil {
		return "", fmt.Errorf("tar the VM's root: %w", err)
	}
	out, impErr := imp.CombinedOutput()
	if err := tar.Wait(); err != nil {
		return "", fmt.Errorf("tar the VM's root: %w: %s", err, tarErr.String())
	}
	if impErr != nil {
		return "", fmt.Errorf("podman import: %w: %s", impErr, out)
	}
	return fmt.Sprintf("image %s from a %d MiB tar of the VM's root in %.1fs",
		podmanImage, counted.n>>20, time.Since(start).Seconds()), nil
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// maskedStart starts the server in a container as README's, but without
// systempaths=unconfined: it must refuse to start, naming that option.
func maskedStart() (string, error) {
	defer func() { _, _ = podman("rm", "--force", maskedContainer) }()
	var args []string
	for i := 0; i < len(podmanPrivileges); i++ {
		if podmanPrivileges[i] == "systempaths=unconfined" {
			args = args[:len(args)-1] // its --security-opt
			continue
		}
		args = append(args, podmanPrivileges[i])
	}
	run := append([]string{"run", "--detach", "--name", maskedContainer, "--network", "none"}, args...)
	if _, err := podman(append(run, podmanImage, serverBin, "serve")...); err != nil {
		return "", err
	}
	code, err := podmanWait(maskedContainer, 120*time.Second)
	logs, _ := podman("logs", maskedContainer)
	if err != nil {
		return "", fmt.Errorf("%w; its log: %s", err, tail(logs, 5))
	}
	line := firstError(logs)
	detail := fmt.Sprintf("exit status %d: %s", code, line)
	if code == 0 || !strings.Contains(logs, "systempaths=unconfined") {
		return detail, errors.New("with /proc masked the server must refuse to start with an error naming systempaths=unconfined")
	}
	return detail, nil
}

// podmanWait waits for a container to exit and returns its exit code.
func podmanWait(name string, timeout time.Duration) (int, error) {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if done, code := podmanExited(name); done {
			return code, nil
		}
		time.Sleep(500 * time.Millisecond)
	}
	return 0, fmt.Errorf("container %s still running after %v", name, timeout)
}

// podmanExited tells whether a container has exited, and its exit code.
func podmanExited(name string) (bool, int) {
	out, err := podman("inspect", "--format", "{{.State.Status}} {{.State.ExitCode}}", name)
	status, code, _ := strings.Cut(out, " ")
	if err != nil || (status != "exited" && status != "stopped") {
		return false, 0
	}
	n, _ := strconv.Atoi(code)
	return true, n
}

func (l *podmanLaunch) start(n int) error {
	if l.cgroups == nil {
		l.cgroups = map[int]string{}
	}
	if n == 1 {
		run := append([]string{"run", "--detach", "--name", podmanContainer, "--publish", "127.0.0.1:8000:8000"}, podmanPrivileges...)
		if _, err := podman(append(run, podmanImage, serverBin, "serve")...); err != nil {
			return err
		}
	} else if _, err := podman("start", podmanContainer); err != nil {
		return err
	}
	cg, err := podman("inspect", "--format", "{{.State.CgroupPath}}", podmanContainer)
	if err != nil {
		return err
	}
	if cg == "" {
		return errors.New("podman inspect tells no cgroup for the container")
	}
	l.cgroups[n] = cg
	return nil
}

// containerCgroup is the container's cgroup after the n-th start.
func (l *podmanLaunch) containerCgroup(n int) string { return l.cgroups[n] }

func (l *podmanLaunch) exited(n int) (bool, string) {
	done, code := podmanExited(podmanContainer)
	if !done {
		return false, ""
	}
	return true, fmt.Sprintf("exit status %d", code)
}

func (l *podmanLaunch) stop(n, pid int) (string, bool, error) {
	if _, err := podman("stop", "--time", "60", podmanContainer); err != nil {
		return "", false, err
	}
	code, err := podmanWait(podmanContainer, 30*time.Second)
	if err != nil {
		return "", false, err
	}
	return fmt.Sprintf("podman stop: exit status %d", code), code == 0, nil
}

func (l *podmanLaunch) abort(n int) {
	_, _ = podman("stop", "--time", "10", podmanContainer)
}

func (l *podmanLaunch) serverLog(n int) string {
	out, err := podman("logs", podmanContainer)
	if err != nil {
		return err.Error()
	}
	return out
}

// watched is empty: the container's runtime (conmon) lives in a cgroup of
// its own that the server, in its cgroup namespace, cannot even name.
func (l *podmanLaunch) watched() map[int]string { return nil }

func (l *podmanLaunch) finish() {
	_, _ = podman("rm", "--force", podmanContainer)
}

// tail is the last n lines of text.
func tail(text string, n int) string {
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// ociSpec is what engineSetup reads of the runtime's config.json.
type ociSpec struct {
	Process struct {
		Capabilities struct {
			Bounding []string `json:"bounding"`
		} `json:"capabilities"`
	} `json:"process"`
	Mounts []struct {
		Destination string   `json:"destination"`
		Type        string   `json:"type"`
		Options     []string `json:"options"`
	} `json:"mounts"`
	Linux struct {
		MaskedPaths []string `json:"maskedPaths"`
		Namespaces  []struct {
			Type string `json:"type"`
		} `json:"namespaces"`
	} `json:"linux"`
}

// specOf reads the OCI spec Podman gave runc for a container.
func specOf(name string) (ociSpec, error) {
	var spec ociSpec
	dir, err := podman("inspect", "--format", "{{.StaticDir}}", name)
	if err != nil {
		return spec, err
	}
	b, err := os.ReadFile(filepath.Join(dir, "config.json"))
	if err != nil {
		return spec, fmt.Errorf("the OCI spec: %w", err)
	}
	if err := json.Unmarshal(b, &spec); err != nil {
		return spec, fmt.Errorf("the OCI spec: %w", err)
	}
	return spec, nil
}

// cgroupMount is the spec's mount on /sys/fs/cgroup: type and options.
func (spec ociSpec) cgroupMount() (string, bool) {
	for _, m := range spec.Mounts {
		if m.Destination == cgroupRoot {
			return m.Type + " " + strings.Join(m.Options, ","), slices.Contains(m.Options, "ro")
		}
	}
	return "(none)", false
}

// engineSetup checks that the container is what the scenario claims: the
// spec Podman gave runc masks nothing, has a cgroup namespace and exactly
// README's capabilities. The cgroup mount is shown: Podman mounts it
// read-write when systempaths=unconfined (its unmask=ALL, which takes in
// /sys/fs/cgroup), Docker read-only; the readonly-cgroup check covers that.
func engineSetup() (string, error) {
	spec, err := specOf(podmanContainer)
	if err != nil {
		return "", err
	}
	var problems []string
	caps := slices.Sorted(slices.Values(spec.Process.Capabilities.Bounding))
	want := []string{"CAP_SETFCAP", "CAP_SETGID", "CAP_SETUID", "CAP_SYS_ADMIN"}
	if !slices.Equal(caps, want) {
		problems = append(problems, fmt.Sprintf("capabilities %v, not %v", caps, want))
	}
	if len(spec.Linux.MaskedPaths) > 0 {
		problems = append(problems, fmt.Sprintf("masked paths %v", spec.Linux.MaskedPaths))
	}
	cgroupns := slices.ContainsFunc(spec.Linux.Namespaces, func(ns struct {
		Type string `json:"type"`
	}) bool {
		return ns.Type == "cgroup"
	})
	if !cgroupns {
		problems = append(problems, "no cgroup namespace")
	}
	mount, _ := spec.cgroupMount()
	detail := fmt.Sprintf("runc spec: capabilities %v, %s on %s, masked paths %v, cgroup namespace %v",
		caps, mount, cgroupRoot, spec.Linux.MaskedPaths, cgroupns)
	if len(problems) > 0 {
		return detail, errors.New(strings.Join(problems, "; "))
	}
	return detail, nil
}

// readonlyCgroup starts the server as Docker would mount its cgroups:
// read-only, with only /proc unmasked (README's narrower Podman option
// unmask=/proc/*). The server must remount its cgroup mount read-write,
// serve (asked from inside: no port is published) and stop cleanly.
func readonlyCgroup() (string, error) {
	defer func() { _, _ = podman("rm", "--force", readonlyContainer) }()
	var args []string
	for _, a := range podmanPrivileges {
		if a == "systempaths=unconfined" {
			a = "unmask=/proc/*"
		}
		args = append(args, a)
	}
	run := append([]string{"run", "--detach", "--name", readonlyContainer, "--network", "none"}, args...)
	if _, err := podman(append(run, podmanImage, serverBin, "serve")...); err != nil {
		return "", err
	}
	spec, err := specOf(readonlyContainer)
	if err != nil {
		return "", err
	}
	mount, ro := spec.cgroupMount()
	detail := "runc spec: " + mount + " on " + cgroupRoot
	if !ro {
		return detail, errors.New("the spec does not mount the cgroups read-only: this check shows nothing")
	}
	inside, err := healthInside(readonlyContainer, 240*time.Second)
	if err != nil {
		logs, _ := podman("logs", readonlyContainer)
		return detail, fmt.Errorf("%w; the server's first error line: %s", err, firstError(logs))
	}
	detail += "; inside: " + inside
	if _, err := podman("stop", "--time", "60", readonlyContainer); err != nil {
		return detail, err
	}
	if _, code := podmanExited(readonlyContainer); code != 0 {
		return detail, fmt.Errorf("podman stop: exit status %d", code)
	}
	if left := coderacerDirs(); len(left) > 0 {
		return detail, fmt.Errorf("cgroups left behind: %v", left)
	}
	return detail + "; podman stop: exit status 0, no cgroup left", nil
}

// healthInside waits until the server in a container answers its health
// check from inside the container.
func healthInside(name string, timeout time.Duration) (string, error) {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if out, err := podmanExec(name); err == nil {
			return out, nil
		}
		if done, code := podmanExited(name); done {
			return "", fmt.Errorf("the server ended without serving: exit status %d", code)
		}
		time.Sleep(time.Second)
	}
	return "", fmt.Errorf("no answer from /api/v1/health inside the container after %v", timeout)
}

// podmanExec asks the server's health from inside the running container
// as the image's HEALTHCHECK does (podman exec, bash's /dev/tcp): runc
// must be able to put a new process into the container's cgroup, whose
// controllers the server has enabled for its children.
func podmanExec(name string) (string, error) {
	script := `exec 3<>/dev/tcp/127.0.0.1/8000 && printf 'GET /api/v1/health HTTP/1.0\r\n\r\n' >&3 && head -1 <&3 &&
		echo "exec'd into $(cut -d: -f3 /proc/self/cgroup)" && grep ' /sys/fs/cgroup ' /proc/self/mountinfo | cut -d' ' -f5,6`
	out, err := podman("exec", name, "bash", "-c", script)
	if err != nil {
		return "", err
	}
	if !strings.Contains(out, " 200 ") {
		return out, errors.New("the health check from inside the container did not answer 200")
	}
	return strings.ReplaceAll(out, "\r\n", "; "), nil
}
