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

// stdinFile makes the program's standard input: a copy of the caller's
// StdinFile, devNull, a memfd holding the whole input, or a pipe fed
// from cmd.StdinReader. done releases it (never the caller's file, nor
// devNull).
func stdinFile(cmd Cmd, devNull *os.File) (f *os.File, done func(), err error) {
	if cmd.StdinFile != nil {
		f, err := ownCopy(cmd.StdinFile, "stdin")
		if err != nil {
			return nil, nil, err
		}
		return f, func() { f.Close() }, nil
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
		return devNull, func() {}, nil
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

// openDevNull opens /dev/null for reading. Not os.Open: it would try
// (and fail) to put /dev/null in the runtime's poller, and set its mode
// twice on the way.
func openDevNull() (*os.File, error) {
	fd, err := unix.Open(os.DevNull, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: os.DevNull, Err: err}
	}
	return os.NewFile(uintptr(fd), os.DevNull), nil
}

// collectedPipe makes a pipe whose read end the run collects:
// non-blocking and in the runtime's poller, so that collector.finish can
// end a read with a deadline. The write end goes to the program and is
// closed after the run, nothing else: it is blocking, as a program
// expects its stdio, and stays out of the poller. os.Pipe would put both
// ends in the poller, and handing the write end over (Fd) would take it
// out of non-blocking mode again: five system calls more per pipe.
func collectedPipe() (r, w *os.File, err error) {
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC|unix.O_NONBLOCK); err != nil {
		return nil, nil, fmt.Errorf("pipe: %w", err)
	}
	// O_NONBLOCK belongs to each end's open file: the write end's goes.
	if _, err := unix.FcntlInt(uintptr(p[1]), unix.F_SETFL, 0); err != nil {
		unix.Close(p[0])
		unix.Close(p[1])
		return nil, nil, fmt.Errorf("pipe: %w", err)
	}
	return os.NewFile(uintptr(p[0]), "|0"), os.NewFile(uintptr(p[1]), "|1"), nil
}

// ownCopy is a run's own copy of a caller's stdio file, in blocking mode
// as a program expects its stdio (the mode belongs to the open file,
// shared with the caller's copy and the program). The copy, not the
// caller's number, goes to the box: a file the caller closes, early or
// not, can never send the box another file that took its number.
//
// The box's init installs the copy as the program's fd 0 or 1 and closes
// its own once the run is over; the run closes this one before Run
// returns. Each pipe end is then held by the program (and whatever it
// forked) until the run ends, and by the caller until it closes its
// copy: two runs in two boxes joined by kernel pipes talk with nothing in
// between, and once one has ended and the caller closed its files, the
// other reads EOF, or writes into EPIPE (SIGPIPE).
func ownCopy(f *os.File, name string) (*os.File, error) {
	rc, err := f.SyscallConn()
	if err != nil {
		return nil, fmt.Errorf("the caller's %s file: %w", name, err)
	}
	fd := -1
	var dupErr error
	err = rc.Control(func(raw uintptr) {
		if fd, dupErr = unix.FcntlInt(raw, unix.F_DUPFD_CLOEXEC, 0); dupErr == nil {
			dupErr = unix.SetNonblock(fd, false)
		}
	})
	if err == nil {
		err = dupErr
	}
	if err != nil {
		if fd >= 0 {
			unix.Close(fd)
		}
		return nil, fmt.Errorf("the caller's %s file: %w", name, err)
	}
	return os.NewFile(uintptr(fd), name), nil
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
