package submissions

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/coderacer/coderacer/test/testserver"
)

// proc is a process as /proc shows it: its pid and start time (which
// tells it from a later process given the same pid).
type proc struct {
	pid   int
	start string
}

// statFields returns a process's ppid and start time from /proc/PID/stat.
func statFields(pid int) (ppid int, start string, ok bool) {
	data, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return 0, "", false
	}
	// pid (comm) state ppid ...: comm may hold spaces and parentheses.
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return 0, "", false
	}
	f := strings.Fields(string(data[i+1:]))
	if len(f) < 20 {
		return 0, "", false
	}
	ppid, _ = strconv.Atoi(f[1])
	return ppid, f[19], true // field 22 of stat: starttime
}

func pids() []int {
	entries, _ := os.ReadDir("/proc")
	var out []int
	for _, e := range entries {
		if pid, err := strconv.Atoi(e.Name()); err == nil {
			out = append(out, pid)
		}
	}
	return out
}

// processTree is root and every process below it.
func processTree(root int) []proc {
	children := map[int][]int{}
	for _, pid := range pids() {
		if ppid, _, ok := statFields(pid); ok {
			children[ppid] = append(children[ppid], pid)
		}
	}
	var out []proc
	queue := []int{root}
	for len(queue) > 0 {
		pid := queue[0]
		queue = queue[1:]
		if _, start, ok := statFields(pid); ok {
			out = append(out, proc{pid, start})
		}
		queue = append(queue, children[pid]...)
	}
	return out
}

// survivors lists the processes of ps still alive (the same pid and
// start time), waiting up to grace for them to go.
func survivors(ps []proc, grace time.Duration) []string {
	deadline := time.Now().Add(grace)
	for {
		var alive []string
		for _, p := range ps {
			if _, start, ok := statFields(p.pid); ok && start == p.start {
				cmd, _ := os.ReadFile(filepath.Join("/proc", strconv.Itoa(p.pid), "cmdline"))
				alive = append(alive, fmt.Sprintf("%d (%q)", p.pid, bytes.ReplaceAll(cmd, []byte{0}, []byte{' '})))
			}
		}
		if len(alive) == 0 || time.Now().After(deadline) {
			return alive
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// uidRangeProcesses lists the processes any of whose uids lies in
// [base, base+n): the sandboxes of the server given that range. A process
// of a server still running (another test's, which may have taken the
// range since) is not counted.
func uidRangeProcesses(base, n int) []string {
	others := map[int]bool{}
	for _, s := range testserver.Started() {
		if !s.HasExited() {
			for _, p := range processTree(s.PID) {
				others[p.pid] = true
			}
		}
	}
	var found []string
	for _, pid := range pids() {
		if others[pid] {
			continue
		}
		data, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "status"))
		if err != nil {
			continue
		}
		for line := range strings.Lines(string(data)) {
			rest, ok := strings.CutPrefix(line, "Uid:")
			if !ok {
				continue
			}
			for _, f := range strings.Fields(rest) {
				if uid, err := strconv.Atoi(f); err == nil && uid >= base && uid < base+n {
					found = append(found, fmt.Sprintf("%d (uid %d)", pid, uid))
					break
				}
			}
		}
	}
	return found
}
