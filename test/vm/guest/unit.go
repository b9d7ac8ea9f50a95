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
// (source) or a unit of the given content.
type unitLaunch struct {
	dir     string
	unit    string
	source  string
	content string
	cursor  string // the journal's position before the start
}

func (l *unitLaunch) start() error {
	if err := os.MkdirAll(l.dir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", l.dir, err)
	}
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
	if err := l.installProbe(); err != nil {
		return err
	}
	if _, err := systemctl("daemon-reload"); err != nil {
		return err
	}
	_, _ = systemctl("reset-failed", l.unit)
	l.cursor = journalCursor()
	// A unit whose process fails at once still counts as started for
	// Type=simple; exited tells the rest.
	_, startErr := systemctl("start", l.unit)
	if startErr != nil {
		if ok, _ := l.exited(); !ok {
			return startErr
		}
	}
	return nil
}

// installProbe adds a drop-in that records how the main process ended:
// once stopped, the unit is unloaded and `systemctl show` forgets it. The
// unit's file itself stays as it is.
func (l *unitLaunch) installProbe() error {
	dir := filepath.Join("/run/systemd/system", l.unit+".d")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	probe := fmt.Sprintf("[Service]\nExecStopPost=/bin/sh -c 'echo \"$${SERVICE_RESULT} $${EXIT_CODE} $${EXIT_STATUS}\" >%s'\n",
		filepath.Join(l.dir, "unit.exit"))
	return os.WriteFile(filepath.Join(dir, "crvm-exit.conf"), []byte(probe), 0o644)
}

// property is one property of the unit as systemctl shows it.
func (l *unitLaunch) property(name string) string {
	out, _ := systemctl("show", "--value", "-p", name, l.unit)
	return strings.TrimSpace(out)
}

func (l *unitLaunch) exited() (bool, string) {
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

func (l *unitLaunch) stop(int) (string, bool, error) {
	if _, err := systemctl("stop", l.unit); err != nil {
		return "", false, err
	}
	// SERVICE_RESULT EXIT_CODE EXIT_STATUS, as ExecStopPost saw them.
	probe := strings.Fields(readFile(filepath.Join(l.dir, "unit.exit")))
	if len(probe) != 3 {
		return "", false, fmt.Errorf("no exit status recorded by the ExecStopPost probe: %q", probe)
	}
	how := fmt.Sprintf("main process %s %s, unit result %s", probe[1], probe[2], probe[0])
	return how, probe[1] == "exited" && probe[2] == "0", nil
}

// abort stops the unit, which may be waiting to restart the server.
func (l *unitLaunch) abort() {
	_, _ = systemctl("stop", l.unit)
}

func (l *unitLaunch) serverLog() string {
	// journald may lag behind the process a little.
	time.Sleep(300 * time.Millisecond)
	// -u shows systemd's own messages about the unit too (an OOM kill,
	// a stop, a restart).
	args := []string{"--no-pager", "-o", "cat", "-u", l.unit}
	if l.cursor != "" {
		args = append(args, "--after-cursor="+l.cursor)
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
