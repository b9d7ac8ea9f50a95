package api

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"time"
	"unicode/utf8"
)

// An execute response can carry 16 MiB of output per stream, and each
// invalid UTF-8 byte of it becomes six bytes of JSON (\ufffd). Building
// such an answer in memory costs hundreds of MiB per request, held as
// long as the client takes to read it. So the big string fields (program
// and compiler output) are encoded straight to the connection, through a
// small buffer, from the engine's result; only the small fields go
// through encoding/json. The bytes are exactly what json.Encoder with
// SetEscapeHTML(false) wrote before.

// streamBufferSize is what one response buffers before writing to the
// connection, and the most any single write may take.
const streamBufferSize = 32 << 10

// jsonOut writes one JSON document to a writer. The first error sticks:
// every later call does nothing, so a writer to a client that went away
// stops costing CPU at once.
type jsonOut struct {
	bw  *bufio.Writer
	err error
}

// newJSONOut writes to w through a buffer sized for a document of about
// size bytes: a hello world does not allocate the 32 KiB a big answer
// streams through.
func newJSONOut(w io.Writer, size int64) *jsonOut {
	n := min(streamBufferSize, max(4096, 2*size+1024))
	return &jsonOut{bw: bufio.NewWriterSize(w, int(n))}
}

// raw writes JSON text as is.
func (o *jsonOut) raw(s string) {
	if o.err == nil {
		_, o.err = o.bw.WriteString(s)
	}
}

// encodeJSON encodes v as the API does: no HTML escaping, no newline.
func encodeJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// value writes a small value as encoding/json does, without HTML escaping.
func (o *jsonOut) value(v any) {
	if o.err != nil {
		return
	}
	var b []byte
	if b, o.err = encodeJSON(v); o.err == nil {
		_, o.err = o.bw.Write(b)
	}
}

// members writes the members of a small struct's JSON object, without its
// braces, followed by a comma when there are any and more follow. It is
// how an embedded struct's fields are spliced into an object written by
// hand.
func (o *jsonOut) members(v any, more bool) {
	if o.err != nil {
		return
	}
	var b []byte
	if b, o.err = encodeJSON(v); o.err != nil {
		return
	}
	inner := bytes.TrimSuffix(b, []byte("}"))[1:]
	if len(inner) == 0 {
		return
	}
	_, o.err = o.bw.Write(inner)
	if more {
		o.raw(",")
	}
}

// str writes the concatenation of parts as one JSON string, streamed.
func (o *jsonOut) str(parts ...[]byte) {
	if o.err != nil {
		return
	}
	e := stringEncoder{w: o.bw}
	o.raw(`"`)
	for _, p := range parts {
		e.write(p)
	}
	e.close()
	if o.err == nil {
		o.err = e.err
	}
	o.raw(`"`)
}

// flush writes what is buffered; the error is the first of the document.
func (o *jsonOut) flush() error {
	if o.err == nil {
		o.err = o.bw.Flush()
	}
	return o.err
}

// stringEncoder escapes bytes for the inside of a JSON string exactly as
// encoding/json does for a Go string: invalid UTF-8 bytes become \ufffd
// one by one, U+2028 and U+2029 are escaped, HTML characters are not.
// Input comes in pieces; a UTF-8 sequence cut between two pieces is held
// (at most three bytes) until the next one completes it.
type stringEncoder struct {
	w    *bufio.Writer
	held [2 * utf8.UTFMax]byte
	n    int // bytes in held
	err  error
}

const hexDigits = "0123456789abcdef"

// write encodes p, after what is held.
func (e *stringEncoder) write(p []byte) {
	if e.n > 0 {
		// Join the held bytes with the first few of p: enough to finish
		// (or refute) the sequence they start.
		k := min(len(p), utf8.UTFMax-1)
		buf := e.held[:e.n+k]
		copy(buf[e.n:], p[:k])
		done := e.encode(buf, false)
		if done < e.n {
			// Still incomplete: all of p is in buf.
			e.n = copy(e.held[:], buf[done:])
			return
		}
		p = p[done-e.n:]
		e.n = 0
	}
	done := e.encode(p, false)
	e.n = copy(e.held[:], p[done:])
}

// close encodes what is held: the end of the string.
func (e *stringEncoder) close() {
	e.encode(e.held[:e.n], true)
	e.n = 0
}

// encode writes src up to an incomplete UTF-8 sequence at its end (all of
// it when final) and returns how many bytes it consumed. It follows
// encoding/json's appendString.
func (e *stringEncoder) encode(src []byte, final bool) int {
	start := 0
	i := 0
	for i < len(src) && e.err == nil {
		b := src[i]
		if b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' {
				i++
				continue
			}
			e.put(src[start:i])
			switch b {
			case '\\', '"':
				e.puts(`\` + string(b))
			case '\b':
				e.puts(`\b`)
			case '\f':
				e.puts(`\f`)
			case '\n':
				e.puts(`\n`)
			case '\r':
				e.puts(`\r`)
			case '\t':
				e.puts(`\t`)
			default:
				esc := [6]byte{'\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xF]}
				e.put(esc[:])
			}
			i++
			start = i
			continue
		}
		if !final && !utf8.FullRune(src[i:]) {
			break // the sequence may go on in the next piece
		}
		c, size := utf8.DecodeRune(src[i:])
		if c == utf8.RuneError && size == 1 {
			e.put(src[start:i])
			e.puts(`\ufffd`)
			i++
			start = i
			continue
		}
		if c == '\u2028' || c == '\u2029' {
			e.put(src[start:i])
			e.puts(`\u202` + string(hexDigits[c&0xF]))
			i += size
			start = i
			continue
		}
		i += size
	}
	e.put(src[start:i])
	return i
}

func (e *stringEncoder) put(b []byte) {
	if e.err == nil && len(b) > 0 {
		_, e.err = e.w.Write(b)
	}
}

func (e *stringEncoder) puts(s string) {
	if e.err == nil {
		_, e.err = e.w.WriteString(s)
	}
}

// deadlineWriter bounds every write of a response: each piece of at most
// streamBufferSize bytes must be taken by the client within timeout. A
// reader that stopped is cut off, so the result it pinned is freed; a slow
// one that keeps reading is served.
type deadlineWriter struct {
	http.ResponseWriter
	rc      *http.ResponseController
	timeout time.Duration
}

func (w *deadlineWriter) Write(p []byte) (int, error) {
	written := 0
	for len(p) > 0 {
		piece := p[:min(len(p), streamBufferSize)]
		// ErrNotSupported only from a test's recorder: it has no client.
		_ = w.rc.SetWriteDeadline(time.Now().Add(w.timeout))
		n, err := w.ResponseWriter.Write(piece)
		written += n
		if err != nil {
			return written, err
		}
		p = p[n:]
	}
	return written, nil
}

// Unwrap lets http.ResponseController and the WebSocket upgrade reach the
// real writer.
func (w *deadlineWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// writeDeadlines puts every response of next under the write timeout. It
// first clears the deadline the previous response on a kept-alive
// connection left, which would otherwise cut this one (or a WebSocket
// session hijacking the connection) before it starts.
func (s *server) writeDeadlines(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		_ = rc.SetWriteDeadline(time.Time{})
		next.ServeHTTP(&deadlineWriter{ResponseWriter: w, rc: rc, timeout: s.opts.WriteTimeout}, r)
	})
}
