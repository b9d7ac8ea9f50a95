package sandbox

import (
	"fmt"
	"os"

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
