package main

// coderacer run over the WebSocket: our stdin streams to the program, its
// output back as it is written.

import (
	"context"
	"errors"
	"io"
	"unicode/utf8"

	"github.com/coderacer/coderacer/client"
)

// stdinChunk is the most of our stdin one message carries.
const stdinChunk = 32 << 10

// runSession runs the program in a WebSocket session (/api/v1/connect).
func (r *runner) runSession(ctx context.Context, req *client.ExecuteRequest) int {
	s, err := r.c.Connect(ctx, req)
	if err != nil {
		return r.failed(err)
	}
	defer s.Close()
	r.session.Store(s)
	go pumpStdin(ctx, s, r.env.stdin)
	for {
		ev, err := s.Next(ctx)
		if err == io.EOF {
			return r.env.failf("the session ended without a result")
		}
		if err != nil {
			return r.failed(err)
		}
		switch ev.Type {
		case client.EventStdout, client.EventStderr:
			r.output(ev)
		case client.EventResult:
			return r.finish(ev.Result)
		}
	}
}

// output writes a stream's data where it goes: the run's on our stdout
// and stderr, the compiler's on our stderr.
func (r *runner) output(ev *client.Event) {
	w := r.env.stderr
	if ev.Type == client.EventStdout && ev.Stage != "compile" {
		w = r.env.stdout
	}
	io.WriteString(w, ev.Data)
}

// pumpStdin sends what in holds to the program as it comes, then the
// end of input. A character cut between two reads waits for the rest:
// messages hold text, where a half character would be lost. It stops
// when the session does.
func pumpStdin(ctx context.Context, s *client.Session, in io.Reader) {
	buf := make([]byte, stdinChunk)
	var carry []byte
	for {
		n, err := in.Read(buf)
		if n > 0 {
			data := append(carry, buf[:n]...)
			complete := completeUTF8(data)
			carry = append([]byte(nil), data[complete:]...)
			if complete > 0 {
				if s.Stdin(ctx, string(data[:complete])) != nil {
					return
				}
			}
		}
		if err != nil {
			if len(carry) > 0 && s.Stdin(ctx, string(carry)) != nil {
				return
			}
			if errors.Is(err, io.EOF) {
				s.CloseStdin(ctx)
			}
			return
		}
	}
}

// completeUTF8 is the length of b without a UTF-8 sequence cut short at
// its end (an invalid one is not waited for).
func completeUTF8(b []byte) int {
	for i := 1; i < utf8.UTFMax && i <= len(b); i++ {
		c := b[len(b)-i]
		if c < utf8.RuneSelf {
			return len(b)
		}
		if utf8.RuneStart(c) {
			if utf8.FullRune(b[len(b)-i:]) {
				return len(b)
			}
			return len(b) - i
		}
	}
	return len(b)
}
