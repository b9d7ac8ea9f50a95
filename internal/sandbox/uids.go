package sandbox

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// Box i runs its programs as host uid and gid FirstUID+i. Per-user kernel
// limits and counters (processes, pipe buffers, locked memory, signals
// queued) are shared by every process of a uid, so no one else on the host
// may use these ids: not a user, not a group, not another engine.

// DefaultFirstUID is the first box's host uid unless configured.
const DefaultFirstUID = 30000

// uidLockDir holds one lock file per box uid in use by a server on this
// host (flock, released when the server's process ends however it ends).
// Processes show a uid only while a program runs, so two idle servers
// could not tell each other apart otherwise.
const uidLockDir = "/run/coderacer/box-uids"

// ErrUIDsInUse is returned by New when the box uid range is not free.
var ErrUIDsInUse = errors.New("already in use")

// checkUIDRange checks that [first, first+n) is a range of ordinary ids.
func checkUIDRange(first, n int) error {
	if first < 1 || int64(first)+int64(n) > 1<<32-1 {
		return fmt.Errorf("sandbox: box user ids %d-%d: out of range (1 to 4294967294)", first, first+n-1)
	}
	return nil
}

// lockUIDs takes the lock of every uid of the range. The files are the
// locks: closing them releases them.
func lockUIDs(dir string, first, n int) ([]*os.File, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("sandbox: box uid locks: %w", err)
	}
	locks := make([]*os.File, 0, n)
	release := func() {
		for _, f := range locks {
			f.Close()
		}
	}
	for uid := first; uid < first+n; uid++ {
		f, err := os.OpenFile(filepath.Join(dir, strconv.Itoa(uid)), os.O_RDWR|os.O_CREATE, 0o644)
		if err != nil {
			release()
			return nil, fmt.Errorf("sandbox: box uid lock: %w", err)
		}
		if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
			holder, _ := os.ReadFile(f.Name())
			f.Close()
			release()
			if errors.Is(err, unix.EWOULDBLOCK) {
				return nil, fmt.Errorf("%w: uid %d is taken by another Code Racer server on this host (pid %s)",
					ErrUIDsInUse, uid, strings.TrimSpace(string(holder)))
			}
			return nil, fmt.Errorf("sandbox: box uid lock %s: %w", f.Name(), err)
		}
		// Say who holds it, for the error message of the next one.
		if err := f.Truncate(0); err == nil {
			_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
		}
		locks = append(locks, f)
	}
	return locks, nil
}

// checkUIDsUnused fails if a process runs with a uid or gid of the range
// (real, effective, saved or file system), or if the user or group
// database names one: those ids belong to someone already.
func checkUIDsUnused(first, n int, procDir, passwd, group string) error {
	in := func(id int) bool { return id >= first && id < first+n }
	if err := checkProcessIDs(procDir, in); err != nil {
		return err
	}
	for _, db := range []string{passwd, group} {
		if err := checkIDDatabase(db, in); err != nil {
			return err
		}
	}
	return nil
}

func checkProcessIDs(procDir string, in func(int) bool) error {
	entries, err := os.ReadDir(procDir)
	if err != nil {
		return fmt.Errorf("sandbox: list processes: %w", err)
	}
	for _, e := range entries {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		status, err := os.ReadFile(filepath.Join(procDir, e.Name(), "status"))
		if err != nil {
			continue // it ended
		}
		for _, line := range strings.Split(string(status), "\n") {
			name, ids, ok := strings.Cut(line, ":")
			if !ok || (name != "Uid" && name != "Gid") {
				continue
			}
			for _, f := range strings.Fields(ids) {
				if id, err := strconv.Atoi(f); err == nil && in(id) {
					return fmt.Errorf("%w: process %s runs with %s %d", ErrUIDsInUse, e.Name(), strings.ToLower(name), id)
				}
			}
		}
	}
	return nil
}

// checkIDDatabase looks at the third field of each line of an
// /etc/passwd or /etc/group file: the uid or the gid. A missing file
// names nobody.
func checkIDDatabase(path string, in func(int) bool) error {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("sandbox: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Split(sc.Text(), ":")
		if len(fields) < 3 {
			continue
		}
		if id, err := strconv.Atoi(fields[2]); err == nil && in(id) {
			return fmt.Errorf("%w: %s names id %d (%s)", ErrUIDsInUse, path, id, fields[0])
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("sandbox: read %s: %w", path, err)
	}
	return nil
}

// reserveUIDs takes the pool's uid range for this server, or says why it
// cannot.
func reserveUIDs(first, n int) ([]*os.File, error) {
	if err := checkUIDRange(first, n); err != nil {
		return nil, err
	}
	locks, err := lockUIDs(uidLockDir, first, n)
	if err != nil {
		return nil, err
	}
	// A server restarted at once may find the last processes of its
	// previous instance (killed with it) still exiting: give them a
	// moment before taking them for someone else's.
	err = checkUIDsUnused(first, n, "/proc", "/etc/passwd", "/etc/group")
	for tries := 0; err != nil && tries < 10; tries++ {
		time.Sleep(100 * time.Millisecond)
		err = checkUIDsUnused(first, n, "/proc", "/etc/passwd", "/etc/group")
	}
	if err != nil {
		for _, f := range locks {
			f.Close()
		}
		return nil, err
	}
	return locks, nil
}
