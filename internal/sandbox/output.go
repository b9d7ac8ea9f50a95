package sandbox

import (
	"errors"
	"os"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// Stream identifies an output stream of a run.
type Stream int

// The output streams.
const (
	Stdout Stream = 1
	Stderr Stream = 2
)

// outputs gathers both output streams of a run: each stream's bytes up to
// the limit, the two interleaved in the order they were read, and an
// optional live copy for interactive clients.
type outputs struct {
	limit      int64
	onOverflow func()
	onOutput   func(Stream, []byte)

	mu       sync.Mutex // orders the interleaved copy and onOutput calls
	combined []byte
}

// collector reads one output stream of a run into memory, keeping at most
// the limit. On the first byte over the limit it calls onOverflow (which
// kills the run) and then drains the rest so the writer never blocks.
type collector struct {
	o         *outputs
	r         *os.File
	stream    Stream
	buf       []byte
	truncated bool
	done      chan struct{}
}

// collect reads r in the background, through chunk: a buffer of the
// box's own, reused run after run, as a run collects each stream once.
func (o *outputs) collect(r *os.File, stream Stream, chunk []byte) *collector {
	c := &collector{o: o, r: r, stream: stream, done: make(chan struct{})}
	go c.read(r, chunk)
	return c
}

func (c *collector) read(r *os.File, chunk []byte) {
	defer close(c.done)
	defer r.Close()
	for {
		n, err := r.Read(chunk)
		c.keep(chunk[:n])
		if errors.Is(err, os.ErrDeadlineExceeded) {
			c.drain(r, chunk)
			return
		}
		if err != nil { // io.EOF once every writer is gone
			return
		}
	}
}

func (c *collector) keep(data []byte) {
	if len(data) == 0 || c.truncated {
		return
	}
	if room := c.o.limit - int64(len(c.buf)); int64(len(data)) > room {
		data = data[:room]
		c.truncated = true
	}
	c.buf = append(c.buf, data...)
	c.o.mu.Lock()
	c.o.combined = append(c.o.combined, data...)
	if c.o.onOutput != nil && len(data) > 0 {
		c.o.onOutput(c.stream, data)
	}
	c.o.mu.Unlock()
	if c.truncated {
		c.o.onOverflow()
	}
}

// drain reads what is left in the pipe without waiting for more.
func (c *collector) drain(r *os.File, chunk []byte) {
	if r.SetReadDeadline(time.Time{}) != nil {
		return
	}
	rc, err := r.SyscallConn()
	if err != nil {
		return
	}
	_ = rc.Read(func(fd uintptr) bool {
		for {
			n, err := unix.Read(int(fd), chunk)
			if n <= 0 || err != nil { // empty (EAGAIN), or every writer gone
				return true
			}
			c.keep(chunk[:n])
		}
	})
}

// finish returns the stream once no process of the run is left to write
// to it. The container's init keeps its copy of the write end open a
// little longer, so EOF would come late: what is in the pipe is read
// without waiting for it.
func (c *collector) finish() ([]byte, bool) {
	_ = c.r.SetReadDeadline(time.Now())
	<-c.done
	return c.buf, c.truncated
}
