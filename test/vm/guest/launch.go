package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// launch starts the server, twice (n = 1, 2), the way one scenario does:
// from one shell, or as one systemd unit.
type launch interface {
	// start starts the server for the n-th time. The first start of a
	// shell starts the shell and records its cgroup before the server
	// exists.
	start(n int) error
	// exited tells whether the n-th server has ended, and how.
	exited(n int) (bool, string)
	// stop asks for the n-th server to stop the way its launcher does
	// (SIGTERM), waits for it, and tells how it ended and whether that
	// was a clean exit (status 0).
	stop(n, pid int) (string, bool, error)
	// abort stops whatever the launcher still runs, after a failed start.
	abort(n int)
	// serverLog is the n-th server's output so far.
	serverLog(n int) string
	// watched are the launcher's processes with their cgroups before
	// the server first started; none for a service.
	watched() map[int]string
	// finish ends the launcher.
	finish()
}

// shellLaunch starts the server through crvm-shell, itself started by
// argv (systemd-run or su).
type shellLaunch struct {
	dir    string
	scope  string // the systemd scope argv makes, if any
	cmd    *exec.Cmd
	done   chan error
	before map[int]string
}

func newShellLaunch(dir, scope string, argv ...string) *shellLaunch {
	return &shellLaunch{dir: dir, scope: scope, cmd: exec.Command(argv[0], argv[1:]...), done: make(chan error, 1)}
}

func (l *shellLaunch) start(n int) error {
	if n == 1 {
		if err := l.startShell(); err != nil {
			return err
		}
	}
	return os.WriteFile(filepath.Join(l.dir, fmt.Sprintf("go-%d", n)), nil, 0o644)
}

// startShell starts the shell and records its cgroups.
func (l *shellLaunch) startShell() error {
	if err := os.MkdirAll(l.dir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", l.dir, err)
	}
	out, err := os.Create(filepath.Join(l.dir, "launcher.log"))
	if err != nil {
		return fmt.Errorf("create launcher log: %w", err)
	}
	defer out.Close()
	l.cmd.Stdout, l.cmd.Stderr = out, out
	if err := l.cmd.Start(); err != nil {
		return fmt.Errorf("start %v: %w", l.cmd.Args, err)
	}
	go func() { l.done <- l.cmd.Wait() }()
	pid, err := l.shellPid()
	if err != nil {
		return err
	}
	l.before = map[int]string{pid: cgroupOf(pid)}
	// The shell's parent is part of the session too (su), unless it is
	// this program (systemd-run execs the shell).
	if pp := parentOf(pid); pp > 1 && pp != os.Getpid() {
		l.before[pp] = cgroupOf(pp)
	}
	return nil
}

// shellPid waits for the shell to write its pid.
func (l *shellLaunch) shellPid() (int, error) {
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if b, err := os.ReadFile(filepath.Join(l.dir, "shell.pid")); err == nil && len(b) > 0 {
			return strconv.Atoi(strings.TrimSpace(string(b)))
		}
		select {
		case err := <-l.done:
			l.done <- err
			return 0, fmt.Errorf("launcher %v ended before the shell started (%v): %s", l.cmd.Args, err, readFile(filepath.Join(l.dir, "launcher.log")))
		case <-time.After(50 * time.Millisecond):
		}
	}
	return 0, fmt.Errorf("launcher %v: no shell after 60s: %s", l.cmd.Args, readFile(filepath.Join(l.dir, "launcher.log")))
}

func (l *shellLaunch) exited(n int) (bool, string) {
	b, err := os.ReadFile(filepath.Join(l.dir, fmt.Sprintf("server-%d.exit", n)))
	if err != nil || len(b) == 0 {
		return false, ""
	}
	return true, "exit status " + strings.TrimSpace(string(b))
}

func (l *shellLaunch) stop(n, pid int) (string, bool, error) {
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
		return "", false, fmt.Errorf("SIGTERM to server %d: %w", pid, err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if ok, how := l.exited(n); ok {
			return how, how == "exit status 0", nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return "", false, errors.New("server still running 60s after SIGTERM")
}

func (l *shellLaunch) abort(n int) {
	for _, pid := range serverPids() {
		_, _, _ = l.stop(n, pid)
	}
}

func (l *shellLaunch) serverLog(n int) string {
	return readFile(filepath.Join(l.dir, fmt.Sprintf("server-%d.log", n)))
}

func (l *shellLaunch) watched() map[int]string { return l.before }

func (l *shellLaunch) finish() {
	if l.cmd.Process == nil {
		return
	}
	_ = os.WriteFile(filepath.Join(l.dir, "release"), nil, 0o644)
	select {
	case <-l.done:
	case <-time.After(30 * time.Second):
		fmt.Printf("crvm-guest: launcher %v still running 30s after release: killing it\n", l.cmd.Args)
		_ = l.cmd.Process.Kill()
		<-l.done
	}
	// A later scenario may reuse the scope's name: wait until systemd
	// has let go of it.
	for i := 0; l.scope != "" && i < 100; i++ {
		if state, _ := systemctl("show", "--value", "-p", "ActiveState", l.scope); strings.TrimSpace(state) == "inactive" {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// readFile returns a file's text, or why it could not be read.
func readFile(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Sprintf("(%v)", err)
	}
	return string(b)
}
