package sandbox

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// InitName is the file name of the small init program (cmd/coderacer-init)
// that FindInit looks for beside the server's executable.
const InitName = "coderacer-init"

// FindInit returns the small init beside the running executable, or ""
// when there is none: the pool then re-executes the server itself as each
// box's init, which works the same but takes about three times the memory.
func FindInit() string {
	exe, err := os.Executable()
	if err != nil {
		return ""
	}
	path := filepath.Join(filepath.Dir(exe), InitName)
	if _, err := os.Stat(path); err != nil {
		return ""
	}
	return path
}

// checkInitFile refuses an init program that anyone but root (or this
// server's user) could have replaced: it runs with the server's
// privileges, before any of the sandbox's rules apply.
func checkInitFile(path string) error {
	if !filepath.IsAbs(path) {
		return fmt.Errorf("sandbox: init %q: not an absolute path", path)
	}
	fi, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("sandbox: init: %w", err)
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	switch {
	case !fi.Mode().IsRegular():
		return fmt.Errorf("sandbox: init %s: not a regular file", path)
	case fi.Mode().Perm()&0o111 == 0:
		return fmt.Errorf("sandbox: init %s: not executable", path)
	case fi.Mode().Perm()&0o022 != 0:
		return fmt.Errorf("sandbox: init %s: writable by its group or others (mode %v)", path, fi.Mode().Perm())
	case !ok || (st.Uid != 0 && int(st.Uid) != os.Geteuid()):
		return fmt.Errorf("sandbox: init %s: owned by another user", path)
	}
	return nil
}
