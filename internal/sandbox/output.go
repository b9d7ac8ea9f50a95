package sandbox

import (
	"os"
	"sync"
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
	stream    Stream
	buf       []byte
	truncated bool
	done      chan struct{}
}

func (o *outputs) collect(r *os.File, stream Stream) *collector {
	c := &collector{o: o, stream: stream, done: make(chan struct{})}
	go c.read(r)
	return c
}

func (c *collector) read(r *os.File) {
	defer close(c.done)
	defer r.Close()
	chunk := make([]byte, 32<<10)
	for {
		n, err := r.Read(chunk)
		if n > 0 && !c.truncated {
			kept := chunk[:n]
			if room := c.o.limit - int64(len(c.buf)); int64(n) > room {
				kept = chunk[:room]
				c.truncated = true
			}
			c.buf = append(c.buf, kept...)
			c.o.mu.Lock()
			c.o.combined = append(c.o.combined, kept...)
			if c.o.onOutput != nil && len(kept) > 0 {
				c.o.onOutput(c.stream, kept)
			}
			c.o.mu.Unlock()
			if c.truncated {
				c.o.onOverflow()
			}
		}
		if err != nil { // io.EOF once every writer is gone
			return
		}
	}
}

// wait blocks until the stream is closed by every writer.
func (c *collector) wait() ([]byte, bool) {
	<-c.done
	return c.buf, c.truncated
}
