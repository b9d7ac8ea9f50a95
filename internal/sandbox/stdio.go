package sandbox

import (
	"context"
	"fmt"
	"io"
	"os"
	"syscall"

	"github.com/criyle/go-sandbox/pkg/memfd"
	"golang.org/x/sys/unix"
)

// stdinFile makes the program's standard input: the caller's StdinFile,
// /dev/null, a memfd holding the whole input, or a pipe fed from
// cmd.StdinReader. done releases it (never the caller's file).
func stdinFile(cmd Cmd) (f *os.File, done func(), err error) {
	if cmd.StdinFile != nil {
		return cmd.StdinFile, func() {}, nil
	}
	if cmd.StdinReader != nil {
		r, w, err := os.Pipe()
		if err != nil {
			return nil, nil, err
		}
		go func() {
			// Ends at the reader's EOF, or when the run is over and w is
			// closed under it.
			_, _ = io.Copy(w, cmd.StdinReader)
			w.Close()
		}()
		return r, func() { r.Close(); w.Close() }, nil
	}
	if len(cmd.Stdin) == 0 {
		f, err := os.Open(os.DevNull)
		if err != nil {
			return nil, nil, err
		}
		return f, func() { f.Close() }, nil
	}
	f, err = memfd.New("stdin")
	if err != nil {
		return nil, nil, err
	}
	if _, err := f.Write(cmd.Stdin); err != nil {
		f.Close()
		return nil, nil, err
	}
	if _, err := f.Seek(0, 0); err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, func() { f.Close() }, nil
}

// programFiles are the program's fds 0, 1 and 2, sent to the box's init,
// which installs them in the program and closes its own copies once the
// run is over (every process of the box killed). A caller's StdinFile or
// StdoutFile goes in as it is: two runs in two boxes joined by kernel
// pipes talk with nothing in between. Each pipe end is then held by the
// program (and whatever it forked), the box's init, and the caller: once
// the run has returned, its processes are dead, the init closes its copy
// as it finishes the run, and the caller's Close leaves the other side
// EOF to read or EPIPE (SIGPIPE) to write.
func (r *boxRun) programFiles() []uintptr {
	out := r.cmd.StdoutFile
	if out == nil {
		out = r.outW
	}
	// Fd puts the file in blocking mode, as a program expects its stdio:
	// the mode belongs to the open file, shared with the program.
	return []uintptr{r.stdin.Fd(), out.Fd(), r.errW.Fd()}
}

// callerFilesOpen checks that the caller's stdin and stdout files are
// open, to fail such a run with a clear error: a closed file has no
// number left to send to the box.
func callerFilesOpen(cmd Cmd) error {
	for _, f := range []*os.File{cmd.StdinFile, cmd.StdoutFile} {
		if f == nil {
			continue
		}
		if _, err := f.Stat(); err != nil {
			return fmt.Errorf("the run's stdio file: %w", err)
		}
	}
	return nil
}

// signaller forwards signals to a running program through a pidfd, so a
// signal can never hit another process that reused the pid.
type signaller struct {
	pidfd int
	done  chan struct{}
}

func (s *signaller) start(ctx context.Context, pid int, signals <-chan syscall.Signal) error {
	fd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		return fmt.Errorf("pidfd_open: %w", err)
	}
	s.pidfd, s.done = fd, make(chan struct{})
	go func() {
		defer close(s.done)
		for {
			select {
			case <-ctx.Done():
				return
			case sig, ok := <-signals:
				if !ok {
					return
				}
				_ = unix.PidfdSendSignal(fd, sig, nil, 0)
			}
		}
	}()
	return nil
}

// stop ends forwarding; the program has ended and ctx is done by then.
func (s *signaller) stop() {
	if s.done == nil {
		return
	}
	<-s.done
	unix.Close(s.pidfd)
}
