package testserver

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Process is one process of the host, as seen from /proc.
type Process struct {
	PID     int
	Exe     string // target of /proc/PID/exe; empty when unreadable
	Cmdline string // arguments joined by spaces
}

// Runs reports whether p's executable is bin (possibly deleted since).
func (p Process) Runs(bin string) bool {
	return p.Exe == bin || p.Exe == bin+" (deleted)"
}

// HostProcesses lists the host's processes (as seen from this process),
// not counting this process.
func HostProcesses() []Process {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	self := os.Getpid()
	var procs []Process
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == self {
			continue
		}
		raw, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil {
			continue
		}
		exe, _ := os.Readlink(filepath.Join("/proc", e.Name(), "exe"))
		procs = append(procs, Process{
			PID:     pid,
			Exe:     exe,
			Cmdline: strings.TrimSpace(strings.ReplaceAll(string(raw), "\x00", " ")),
		})
	}
	return procs
}

// ProcessesMatching returns "pid: cmdline" of the host processes whose
// command line contains substr, waiting up to grace for them to disappear.
func ProcessesMatching(substr string, grace time.Duration) []string {
	deadline := time.Now().Add(grace)
	for {
		var found []string
		for _, p := range HostProcesses() {
			if strings.Contains(p.Cmdline, substr) {
				found = append(found, fmt.Sprintf("%d: %s", p.PID, p.Cmdline))
			}
		}
		if len(found) == 0 || time.Now().After(deadline) {
			return found
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Cgroups finds the directories under /sys/fs/cgroup (three levels deep at
// most) whose name contains "coderacer" and the number pid: the cgroups of
// the server with that pid.
func Cgroups(pid int) []string {
	var found []string
	want := strconv.Itoa(pid)
	const root = "/sys/fs/cgroup"
	filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(root, path)
		depth := len(strings.Split(rel, string(filepath.Separator)))
		if rel == "." {
			return nil
		}
		name := d.Name()
		if strings.Contains(name, "coderacer") {
			for _, tok := range strings.FieldsFunc(name, func(r rune) bool { return r < '0' || r > '9' }) {
				if tok == want {
					found = append(found, path)
					return filepath.SkipDir
				}
			}
		}
		if depth >= 3 {
			return filepath.SkipDir
		}
		return nil
	})
	return found
}
