package api

import (
	"errors"
	"io"
	"sync"
)

var (
	errStdinClosed = errors.New("stdin is closed")
	errStdinFull   = errors.New("too much stdin the program has not read")
)

// stdinBuffer is a streamed job's standard input: the client's writes
// are buffered (up to max bytes not yet read by the program), so a
// program that does not read never blocks the connection's reader.
type stdinBuffer struct {
	mu   sync.Mutex
	cond *sync.Cond
	buf  []byte
	eof  bool // the client closed stdin: EOF after buf
	done bool // the job is over: EOF now
	max  int
}

func newStdinBuffer(max int) *stdinBuffer {
	b := &stdinBuffer{max: max}
	b.cond = sync.NewCond(&b.mu)
	return b
}

func (b *stdinBuffer) Read(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for len(b.buf) == 0 && !b.eof && !b.done {
		b.cond.Wait()
	}
	if len(b.buf) > 0 && !b.done {
		n := copy(p, b.buf)
		b.buf = b.buf[n:]
		if len(b.buf) == 0 {
			b.buf = nil
		}
		return n, nil
	}
	return 0, io.EOF
}

func (b *stdinBuffer) write(p []byte) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case b.eof:
		return errStdinClosed
	case b.done:
		return nil // the program is gone; its input is moot
	case len(b.buf)+len(p) > b.max:
		return errStdinFull
	}
	b.buf = append(b.buf, p...)
	b.cond.Broadcast()
	return nil
}

// closeWrite ends the input after what is buffered.
func (b *stdinBuffer) closeWrite() {
	b.mu.Lock()
	b.eof = true
	b.cond.Broadcast()
	b.mu.Unlock()
}

// stop ends the input now: the job is over.
func (b *stdinBuffer) stop() {
	b.mu.Lock()
	b.done = true
	b.buf = nil
	b.cond.Broadcast()
	b.mu.Unlock()
}
