package sandbox

import "os"

// collector reads one output stream of a run into memory, keeping at most
// limit bytes. On the first byte over the limit it calls onOverflow (which
// kills the run) and then drains the rest so the writer never blocks.
type collector struct {
	limit      int64
	buf        []byte
	truncated  bool
	onOverflow func()
	done       chan struct{}
}

func newCollector(r *os.File, limit int64, onOverflow func()) *collector {
	c := &collector{limit: limit, onOverflow: onOverflow, done: make(chan struct{})}
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
			room := c.limit - int64(len(c.buf))
			if int64(n) > room {
				c.buf = append(c.buf, chunk[:room]...)
				c.truncated = true
				c.onOverflow()
			} else {
				c.buf = append(c.buf, chunk[:n]...)
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
