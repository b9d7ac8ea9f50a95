package cluster

import (
	"io"
	"sync"

	"github.com/nats-io/nats.go"
)

// stdinPipe is a streamed job's stdin on its worker: chunks the client
// sends (each a request) are held until the program reads them. Past max
// bytes held, a chunk's request is answered only once the program read
// below it, so a client sends no faster than the program reads; the NATS
// callback never waits.
type stdinPipe struct {
	nc  *nats.Conn
	max int

	mu     sync.Mutex
	cond   *sync.Cond
	buf    []byte
	eof    bool
	closed bool
	held   []string // reply subjects of chunks not yet answered
}

func newStdinPipe(nc *nats.Conn, max int) *stdinPipe {
	p := &stdinPipe{nc: nc, max: max}
	p.cond = sync.NewCond(&p.mu)
	return p
}

// receive takes a message of the client: a chunk, or the end of stdin.
func (p *stdinPipe) receive(m *nats.Msg) {
	p.mu.Lock()
	answer := true
	switch {
	case p.closed || p.eof:
	case m.Header.Get(hdrEOF) != "":
		p.eof = true
	case len(p.buf) > p.max:
		// A chunk sent before the one held here was answered: a client
		// that ignores the flow control. It is dropped and left
		// unanswered, which stops the client.
		answer = false
	default:
		p.buf = append(p.buf, m.Data...)
		if len(p.buf) > p.max && m.Reply != "" {
			p.held = append(p.held, m.Reply)
			answer = false
		}
	}
	p.cond.Broadcast()
	p.mu.Unlock()
	if answer && m.Reply != "" {
		_ = p.nc.Publish(m.Reply, nil)
	}
}

// Read waits for stdin, its end, or the pipe's close.
func (p *stdinPipe) Read(b []byte) (int, error) {
	p.mu.Lock()
	for len(p.buf) == 0 && !p.eof && !p.closed {
		p.cond.Wait()
	}
	if len(p.buf) == 0 {
		p.mu.Unlock()
		return 0, io.EOF
	}
	n := copy(b, p.buf)
	p.buf = p.buf[n:]
	if len(p.buf) == 0 {
		p.buf = nil
	}
	var release []string
	if len(p.buf) <= p.max {
		release, p.held = p.held, nil
	}
	p.mu.Unlock()
	p.answer(release)
	return n, nil
}

// close ends Read (EOF) and answers the chunks held.
func (p *stdinPipe) close() {
	p.mu.Lock()
	p.closed = true
	release := p.held
	p.held, p.buf = nil, nil
	p.cond.Broadcast()
	p.mu.Unlock()
	p.answer(release)
}

func (p *stdinPipe) answer(subjects []string) {
	for _, s := range subjects {
		_ = p.nc.Publish(s, nil)
	}
}
