package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// unitLaunch starts the server as a systemd service: the shipped unit file
// (source) or a unit of the given content. A restart is another
// `systemctl start`.
type unitLaunch struct {
	dir     string
	unit    string
	source  string
	content string
	cursors map[int]string // the journal's position before each start
}

func (l *unitLaunch) start(n int) error {
	if err := os.MkdirAll(l.dir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", l.dir, err)
	}
	if err := l.install(n); err != nil {
		return err
	}
	_, _ = systemctl("reset-failed", l.unit)
	if l.cursors == nil {
		l.cursors = map[int]string{}
	}
	l.cursors[n] = journalCursor()
	// A unit whose process fails at once still counts as started for
	// Type=simple; exited tells the rest.
	if _, err := systemctl("start", l.unit); err != nil {
		if ok, _ := l.exited(n); !ok {
			return err
		}
	}
	return nil
}

// install writes the unit file as it is, and a drop-in that records how
// the main process ended: once stopped, the unit is unloaded and
// `systemctl show` forgets it.
func (l *unitLaunch) install(n int) error {
	text := l.content
	if l.source != "" {
		b, err := os.ReadFile(l.source)
		if err != nil {
			return fmt.Errorf("read unit file: %w", err)
		}
		text = string(b)
	}
	path := filepath.Join("/etc/systemd/system", l.unit)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		return fmt.Errorf("install %s: %w", path, err)
	}
	dropIns := filepath.Join("/run/systemd/system", l.unit+".d")
	if err := os.MkdirAll(dropIns, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", dropIns, err)
	}
	probe := fmt.Sprintf("[Service]\nExecStopPost=/bin/sh -c 'echo \"$${SERVICE_RESULT} $${EXIT_CODE} $${EXIT_STATUS}\" >%s'\n",
		l.exitFile(n))
	if err := os.WriteFile(filepath.Join(dropIns, "crvm-exit.conf"), []byte(probe), 0o644); err != nil {
		return fmt.Errorf("write the exit probe: %w", err)
	}
	_, err := systemctl("daemon-reload")
	return err
}

func (l *unitLaunch) exitFile(n int) string {
	return filepath.Join(l.dir, fmt.Sprintf("unit-%d.exit", n))
}

// property is one property of the unit as systemctl shows it.
func (l *unitLaunch) property(name string) string {
	out, _ := systemctl("show", "--value", "-p", name, l.unit)
	return strings.TrimSpace(out)
}

func (l *unitLaunch) exited(int) (bool, string) {
	active, sub := l.property("ActiveState"), l.property("SubState")
	restarts := l.property("NRestarts")
	how := fmt.Sprintf("unit %s/%s, NRestarts=%s, main process %s", active, sub, restarts, l.mainExit())
	gone := active == "failed" || active == "inactive" || sub == "auto-restart" || (restarts != "" && restarts != "0")
	return gone, how
}

// mainExit describes how the unit's main process ended.
func (l *unitLaunch) mainExit() string {
	code, status := l.property("ExecMainCode"), l.property("ExecMainStatus")
	switch code {
	case "1":
		return "exit status " + status
	case "2", "3":
		return "killed by signal " + status
	case "0", "":
		return "not ended"
	}
	return fmt.Sprintf("code %s status %s", code, status)
}

func (l *unitLaunch) stop(n, _ int) (string, bool, error) {
	if _, err := systemctl("stop", l.unit); err != nil {
		return "", false, err
	}
	// SERVICE_RESULT EXIT_CODE EXIT_STATUS, as ExecStopPost saw them.
	probe := strings.Fields(readFile(l.exitFile(n)))
	if len(probe) != 3 {
		return "", false, fmt.Errorf("no exit status recorded by the ExecStopPost probe: %q", probe)
	}
	how := fmt.Sprintf("main process %s %s, unit result %s", probe[1], probe[2], probe[0])
	return how, probe[1] == "exited" && probe[2] == "0", nil
}

// abort stops the unit, which may be waiting to restart the server.
func (l *unitLaunch) abort(int) {
	_, _ = systemctl("stop", l.unit)
}

func (l *unitLaunch) serverLog(n int) string {
	// journald may lag behind the process a little.
	time.Sleep(300 * time.Millisecond)
	// -u shows systemd's own messages about the unit too (an OOM kill,
	// a stop, a restart).
	args := []string{"--no-pager", "-o", "cat", "-u", l.unit}
	if c := l.cursors[n]; c != "" {
		args = append(args, "--after-cursor="+c)
	}
	out, err := exec.Command("journalctl", args...).CombinedOutput()
	if err != nil {
		return fmt.Sprintf("(journalctl: %v) %s", err, out)
	}
	return string(out)
}

func (l *unitLaunch) watched() map[int]string { return nil }

func (l *unitLaunch) finish() {
	_, _ = systemctl("stop", l.unit)
	_, _ = systemctl("reset-failed", l.unit)
}

// journalCursor is the journal's current position, or "" if unknown.
func journalCursor() string {
	out, err := exec.Command("journalctl", "--no-pager", "-n", "0", "--show-cursor").Output()
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(out), "\n") {
		if c, ok := strings.CutPrefix(line, "-- cursor: "); ok {
			return strings.TrimSpace(c)
		}
	}
	return ""
}
