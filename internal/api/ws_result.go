package api

// A message too large to build whole: v1's result repeats the run's
// output, and its JSON is up to 6 times as large (an invalid UTF-8 byte is
// \ufffd), 192 MiB at the largest output limits. It is written into the
// WebSocket message as its strings are escaped, through a small buffer.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"
	"unsafe"

	"github.com/coder/websocket"
)

// streamedMessage is a JSON message whose large strings are streamed:
// head, encoded, holds placeholder i where strs[i] goes.
type streamedMessage struct {
	head any
	strs []string
}

// streamedPlaceholder is the string that stands for strs[i] in head; its
// NUL makes it one no other field holds.
func streamedPlaceholder(i int) string { return fmt.Sprintf("\x00ws-streamed-%d", i) }

// newV1ResultStream is the v1 result message with its output streamed.
func newV1ResultStream(resp executeResponse) streamedMessage {
	var strs []string
	hold := func(s *string) {
		strs = append(strs, *s)
		*s = streamedPlaceholder(len(strs) - 1)
	}
	hold(&resp.Stdout)
	hold(&resp.Stderr)
	if resp.Compile != nil {
		c := *resp.Compile
		hold(&c.Stdout)
		hold(&c.Stderr)
		resp.Compile = &c
	}
	return streamedMessage{head: v1ResultMessage{Type: "result", executeResponse: resp}, strs: strs}
}

// writeStreamed writes m as one message. The client must keep taking it:
// WriteTimeout without progress, or the drain deadline, cuts it off.
func (ss *wsSession) writeStreamed(m streamedMessage) error {
	head, err := encodeJSON(m.head)
	if err != nil {
		return err // a programming error
	}
	ctx, cancel := context.WithCancel(ss.drained)
	defer cancel()
	stall := time.AfterFunc(ss.opts.WriteTimeout, cancel)
	defer stall.Stop()
	mw, err := ss.conn.Writer(ctx, websocket.MessageText)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(progressWriter{w: mw, stall: stall, timeout: ss.opts.WriteTimeout}, 32<<10)
	for i, s := range m.strs {
		ph, _ := json.Marshal(streamedPlaceholder(i))
		at := bytes.Index(head, ph)
		if at < 0 {
			mw.Close()
			return fmt.Errorf("streamed message: placeholder %d missing", i) // a programming error
		}
		w.Write(head[:at])
		writeJSONString(w, s)
		head = head[at+len(ph):]
	}
	w.Write(head)
	if err := w.Flush(); err != nil {
		return err
	}
	return mw.Close()
}

// progressWriter pushes the stall deadline back after every write the
// client took.
type progressWriter struct {
	w       io.Writer
	stall   *time.Timer
	timeout time.Duration
}

func (p progressWriter) Write(b []byte) (int, error) {
	n, err := p.w.Write(b)
	if err == nil {
		p.stall.Reset(p.timeout)
	}
	return n, err
}

// writeJSONString writes s as a JSON string exactly as encoding/json
// does without HTML escaping (see stringEncoder). Errors stay in w (bufio
// reports them on Flush).
func writeJSONString(w *bufio.Writer, s string) {
	w.WriteByte('"')
	// The encoder only reads its input: no copy of a large output.
	e := stringEncoder{w: w}
	e.write(unsafe.Slice(unsafe.StringData(s), len(s)))
	e.close()
	w.WriteByte('"')
}
