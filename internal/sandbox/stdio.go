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

// stdinFile makes the program's standard input: /dev/null, a memfd holding
// the whole input, or a pipe fed from cmd.StdinReader. done releases it.
func stdinFile(cmd Cmd) (f *os.File, done func(), err error) {
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
