package main

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

const cgroupRoot = "/sys/fs/cgroup"

// cgroupOf is the v2 cgroup of pid as this program's namespace shows it,
// or a note saying why there is none.
func cgroupOf(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cgroup", pid))
	if err != nil {
		return fmt.Sprintf("(pid %d: %v)", pid, err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if path, ok := strings.CutPrefix(line, "0::"); ok {
			return path
		}
	}
	return fmt.Sprintf("(pid %d: no v2 line in %q)", pid, b)
}

// parentOf is the parent pid of pid, or 0.
func parentOf(pid int) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The command name in parentheses may hold spaces: fields start after
	// the last ')'.
	fields := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	if len(fields) < 2 {
		return 0
	}
	pp, _ := strconv.Atoi(fields[1])
	return pp
}

// serverPids are the processes running exactly `coderacer serve` (the
// sandboxes' inits run the same binary with other arguments).
func serverPids() []int {
	want := []byte(serverBin + "\x00serve\x00")
	return pidsWhere(func(pid int) bool {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		return err == nil && bytes.Equal(b, want)
	})
}

// binaryPids are the processes running the server's binary or its
// sandboxes' init, whatever their arguments.
func binaryPids() []int {
	return pidsWhere(func(pid int) bool {
		exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid))
		return err == nil && (exe == serverBin || exe == initBin)
	})
}

// pidsWhere are the processes of /proc that match.
func pidsWhere(match func(pid int) bool) []int {
	var pids []int
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		if pid, err := strconv.Atoi(e.Name()); err == nil && match(pid) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// coderacerDirs lists every cgroup directory whose name starts with
// "coderacer", relative to the root, without descending into them. The
// shipped unit's own cgroup is systemd's, not the server's: it is looked
// into, not listed.
func coderacerDirs() []string {
	var dirs []string
	unitCgroup := cgroupRoot + "/system.slice/" + shippedUnit
	_ = filepath.WalkDir(cgroupRoot, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() || path == unitCgroup {
			return nil
		}
		if strings.HasPrefix(d.Name(), "coderacer") {
			dirs = append(dirs, strings.TrimPrefix(path, cgroupRoot))
			return filepath.SkipDir
		}
		return nil
	})
	slices.Sort(dirs)
	return dirs
}

// removeCoderacerDirs removes what a failed scenario left, deepest first,
// so that the next scenario starts clean. Processes still inside keep
// their directory.
func removeCoderacerDirs() {
	for _, top := range coderacerDirs() {
		var all []string
		_ = filepath.WalkDir(cgroupRoot+top, func(path string, d fs.DirEntry, err error) error {
			if err == nil && d.IsDir() {
				all = append(all, path)
			}
			return nil
		})
		for i := len(all) - 1; i >= 0; i-- {
			if err := os.Remove(all[i]); err != nil {
				fmt.Printf("crvm-guest: cleanup: %v\n", err)
			}
		}
	}
}

var sessionNumber = regexp.MustCompile(`session-[a-z]*[0-9]+\.scope`)

// normalize makes the cgroup paths of two starts comparable: the
// server's pid and the login session's number differ between them.
func normalize(paths []string, pid int) []string {
	pidWord := regexp.MustCompile(`\b` + strconv.Itoa(pid) + `\b`)
	out := make([]string, len(paths))
	for i, p := range paths {
		p = sessionNumber.ReplaceAllString(p, "session-N.scope")
		out[i] = pidWord.ReplaceAllString(p, "PID")
	}
	return out
}

// underPath tells whether cgroup path p is base or below it.
func underPath(p, base string) bool {
	return p == base || strings.HasPrefix(p, strings.TrimSuffix(base, "/")+"/")
}

// unchanged compares the launcher's processes with their cgroups before
// the server started; it returns what moved.
func unchanged(before map[int]string) []string {
	var moved []string
	for pid, cg := range before {
		if now := cgroupOf(pid); now != cg {
			moved = append(moved, fmt.Sprintf("pid %d (%s) was in %s, now in %s", pid, comm(pid), cg, now))
		}
	}
	slices.Sort(moved)
	return moved
}

func comm(pid int) string {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
	return strings.TrimSpace(string(b))
}

// describe lists the launcher's processes and cgroups for a report.
func describe(procs map[int]string) string {
	var parts []string
	for pid, cg := range procs {
		parts = append(parts, fmt.Sprintf("%s[%d] in %s", comm(pid), pid, cg))
	}
	slices.Sort(parts)
	return strings.Join(parts, ", ")
}
