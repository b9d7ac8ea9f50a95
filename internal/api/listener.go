package api

import (
	"io"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// LimitListener bounds the connections open at once, WebSocket sessions
// included (a hijacked connection counts until it is closed). Beyond max,
// a connection is accepted, answered 503 with a JSON body that says why
// in both dialects' shapes ("error" for v1, "message" for Piston), and
// closed: a client learns the server is busy instead of waiting in the
// kernel's backlog. At most 2*max such answers are in progress at once;
// past that a connection is closed at once.
func LimitListener(ln net.Listener, max int, log *slog.Logger) net.Listener {
	if max <= 0 {
		max = DefaultMaxConnections
	}
	if log == nil {
		log = slog.Default()
	}
	msg := "server busy: too many connections (the limit is " + strconv.Itoa(max) + "), retry later"
	body := `{"error":"` + msg + `","message":"` + msg + `"}` + "\n"
	busy := "HTTP/1.1 503 Service Unavailable\r\n" +
		"Content-Type: application/json\r\n" +
		"X-Content-Type-Options: nosniff\r\n" +
		"Retry-After: 1\r\n" +
		"Connection: close\r\n" +
		"Content-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body
	return &limitListener{Listener: ln, max: int64(max), busy: []byte(busy), log: log}
}

type limitListener struct {
	net.Listener
	max       int64
	open      atomic.Int64
	refusing  atomic.Int64
	busy      []byte
	log       *slog.Logger
	warnAfter atomic.Int64 // unix seconds: one warning a minute at most
}

func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if l.open.Add(1) <= l.max {
			return &limitConn{Conn: c, release: func() { l.open.Add(-1) }}, nil
		}
		l.open.Add(-1)
		l.warn()
		if l.refusing.Add(1) > 2*l.max {
			l.refusing.Add(-1)
			c.Close()
			continue
		}
		go func() {
			defer l.refusing.Add(-1)
			l.refuse(c)
		}()
	}
}

// refuse answers 503 and closes. The request is read (and dropped) after
// the answer until the client closes, for a moment at most: closing with
// unread data would reset the connection, and the client might lose the
// answer.
func (l *limitListener) refuse(c net.Conn) {
	defer c.Close()
	_ = c.SetWriteDeadline(time.Now().Add(time.Second))
	if _, err := c.Write(l.busy); err != nil {
		return
	}
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.CloseWrite()
	}
	_ = c.SetReadDeadline(time.Now().Add(250 * time.Millisecond))
	_, _ = io.Copy(io.Discard, io.LimitReader(c, 64<<10))
}

func (l *limitListener) warn() {
	now := time.Now().Unix()
	last := l.warnAfter.Load()
	if now >= last && l.warnAfter.CompareAndSwap(last, now+60) {
		l.log.Warn("connection limit reached: refusing connections with 503", "limit", l.max)
	}
}

// limitConn gives its place back once, when closed.
type limitConn struct {
	net.Conn
	once    sync.Once
	release func()
}

// CloseWrite lets net/http half-close after an early answer (a 413, a
// 503) and read what the client still sends, so the client gets the
// answer instead of a reset.
func (c *limitConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

func (c *limitConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}
