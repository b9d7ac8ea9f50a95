package sandbox

import (
	"fmt"
	"os"
	"strings"

	"golang.org/x/sys/unix"
)

// inContainer tells whether the server runs in a container: Docker and
// Podman leave a marker file, and a cgroup v2 namespace root betrays any
// other engine.
func inContainer() bool {
	for _, marker := range []string{"/.dockerenv", "/run/.containerenv"} {
		if _, err := os.Stat(marker); err == nil {
			return true
		}
	}
	return newV2Host().isNamespaceRoot()
}

// ensureWritable remounts a read-only cgroup mount read-write. Container
// engines mount the cgroup file system read-only unless told otherwise;
// with CAP_SYS_ADMIN, which the sandbox needs anyway, the container may
// change its own view (the remount is of this mount namespace's mount
// only, MS_BIND leaves the file system itself alone). Never done outside
// a container: there a read-only mount is the administrator's choice.
func ensureWritable(dir string) error {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return fmt.Errorf("statfs %s: %w", dir, err)
	}
	if st.Flags&unix.ST_RDONLY == 0 {
		return nil
	}
	flags := uintptr(unix.MS_REMOUNT | unix.MS_BIND | unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC)
	if err := unix.Mount("", dir, "", flags, ""); err != nil {
		return fmt.Errorf("%s is read-only and remounting it read-write failed (%w): "+
			"the container needs CAP_SYS_ADMIN (README, Docker)", dir, err)
	}
	return nil
}

// procMaskHint explains a sandbox that could not start in a container
// whose /proc has paths mounted over (Docker's and Podman's default
// "masked paths", /proc/kcore and friends): the kernel refuses a fresh
// /proc in a user namespace while parts of the old one are hidden, and
// the container's init then only stops answering. Empty when /proc is
// whole.
func procMaskHint() string {
	data, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return ""
	}
	var masked []string
	for line := range strings.SplitSeq(string(data), "\n") {
		fields := strings.Fields(line)
		if len(fields) < 5 {
			continue
		}
		point := fields[4]
		// binfmt_misc is mounted on an empty directory, which the
		// kernel does not count as hiding anything.
		if strings.HasPrefix(point, "/proc/") && point != "/proc/sys/fs/binfmt_misc" {
			masked = append(masked, point)
		}
	}
	if len(masked) == 0 {
		return ""
	}
	return fmt.Sprintf("; /proc has paths mounted over (%s), so the kernel refuses each sandbox its own /proc: "+
		"run the container with --security-opt systempaths=unconfined (Docker) or --security-opt unmask=ALL (Podman)",
		strings.Join(masked, " "))
}
