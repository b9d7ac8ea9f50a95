package cli

// coderacer run with a terminal on its stdin: a pseudo-terminal whose
// master side the test types into, Ctrl+C included (the terminal turns it
// into SIGINT for the command's process group).

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// terminal is a command running on a pseudo-terminal.
type terminal struct {
	t      *testing.T
	master *os.File
	cmd    *exec.Cmd
	mu     sync.Mutex
	seen   bytes.Buffer // everything the terminal showed
	done   chan struct{}
}

// openPTY opens a pseudo-terminal pair.
func openPTY() (master, slave *os.File, err error) {
	master, err = os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		return nil, nil, err
	}
	fd := int(master.Fd())
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		master.Close()
		return nil, nil, fmt.Errorf("unlocking the pty: %w", err)
	}
	n, err := unix.IoctlGetInt(fd, unix.TIOCGPTN)
	if err != nil {
		master.Close()
		return nil, nil, err
	}
	slave, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		master.Close()
		return nil, nil, err
	}
	return master, slave, nil
}

// startOnTerminal starts `coderacer args...` in dir as the session
// leader of a new terminal, all three streams on it.
func startOnTerminal(t *testing.T, dir string, args ...string) *terminal {
	t.Helper()
	master, slave, err := openPTY()
	if err != nil {
		t.Fatalf("a pseudo-terminal: %v", err)
	}
	cmd := exec.Command(srv.Bin, args...)
	cmd.Dir, cmd.Env = dir, cliEnv()
	cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	slave.Close()
	term := &terminal{t: t, master: master, cmd: cmd, done: make(chan struct{})}
	go term.read()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-term.done
		master.Close()
	})
	return term
}

// read keeps what the terminal shows until the command's side closes.
func (term *terminal) read() {
	defer close(term.done)
	buf := make([]byte, 4096)
	for {
		n, err := term.master.Read(buf)
		term.mu.Lock()
		term.seen.Write(buf[:n])
		term.mu.Unlock()
		if err != nil {
			return
		}
	}
}

func (term *terminal) shown() string {
	term.mu.Lock()
	defer term.mu.Unlock()
	return term.seen.String()
}

// waitFor waits until the terminal has shown want n times in all.
func (term *terminal) waitFor(want string, n int) {
	term.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for strings.Count(term.shown(), want) < n {
		if time.Now().After(deadline) {
			term.t.Fatalf("the terminal never showed %q (%d times); it shows:\n%s", want, n, term.shown())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (term *terminal) typeIn(s string) {
	if _, err := term.master.WriteString(s); err != nil {
		term.t.Fatal(err)
	}
}

// exit waits for the command's end and returns its exit code.
func (term *terminal) exit() int {
	term.t.Helper()
	waited := make(chan error, 1)
	go func() { waited <- term.cmd.Wait() }()
	select {
	case <-waited:
	case <-time.After(20 * time.Second):
		term.t.Fatalf("the command did not end; the terminal shows:\n%s", term.shown())
	}
	<-term.done
	return term.cmd.ProcessState.ExitCode()
}

const echoLoop = `import sys
print("ready", flush=True)
for line in sys.stdin:
    print("echo:", line.strip().upper(), flush=True)
`

func TestInteractiveTerminal(t *testing.T) {
	dir := files(t, map[string]string{"echo.py": echoLoop, "ignore.py": "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\n" + echoLoop})
	t.Run("lines, then Ctrl+C", func(t *testing.T) {
		term := startOnTerminal(t, dir, "run", "echo.py", "--wall-time", "20s")
		term.waitFor("ready", 1)
		term.typeIn("first\n")
		term.waitFor("echo: FIRST", 1)
		term.typeIn("second é\n")
		term.waitFor("echo: SECOND É", 1)
		term.typeIn("\x03") // Ctrl+C: SIGINT to the program
		if code := term.exit(); code != 130 {
			t.Errorf("exit %d, want 130; the terminal shows:\n%s", code, term.shown())
		}
		if shown := term.shown(); !strings.Contains(shown, "KeyboardInterrupt") || !strings.Contains(shown, "coderacer: killed by SIGINT (SG)") {
			t.Errorf("the terminal shows:\n%s", shown)
		}
	})
	t.Run("Ctrl+D ends the input", func(t *testing.T) {
		term := startOnTerminal(t, dir, "run", "echo.py", "--wall-time", "20s")
		term.waitFor("ready", 1)
		term.typeIn("only\n")
		term.waitFor("echo: ONLY", 1)
		term.typeIn("\x04")
		if code := term.exit(); code != 0 {
			t.Errorf("exit %d, want 0; the terminal shows:\n%s", code, term.shown())
		}
	})
	t.Run("a second Ctrl+C quits", func(t *testing.T) {
		term := startOnTerminal(t, dir, "run", "ignore.py", "--wall-time", "20s")
		term.waitFor("ready", 1)
		term.typeIn("\x03")
		term.waitFor("Ctrl+C again to quit", 1)
		term.typeIn("still here\n") // the program ignored SIGINT and goes on
		term.waitFor("echo: STILL HERE", 1)
		start := time.Now()
		term.typeIn("\x03")
		if code := term.exit(); code != 130 {
			t.Errorf("exit %d, want 130; the terminal shows:\n%s", code, term.shown())
		}
		if !strings.Contains(term.shown(), "coderacer: interrupted") {
			t.Errorf("the terminal shows:\n%s", term.shown())
		}
		t.Logf("quit %v after the second Ctrl+C", time.Since(start))
	})
}
