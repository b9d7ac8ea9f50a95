package api

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"math/rand/v2"
	"runtime"
	"runtime/metrics"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/coderacer/coderacer/internal/engine"
)

// writeJSONString spells every string as encoding/json does.
func TestWriteJSONStringMatchesEncodingJSON(t *testing.T) {
	cases := []string{"", "plain", "\"\\/<>&", "\b\f\n\r\t\x00\x01\x1f\x7f", "é€😀", "\u2028\u2029",
		"\xff", "a\xc3", "\xe2\x82", "\xed\xa0\x80", "\xf4\x90\x80\x80", strings.Repeat("\x01\xff", 1000)}
	for c := range 256 {
		cases = append(cases, string([]byte{byte(c)}), "x"+string([]byte{byte(c)})+"y")
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		b := make([]byte, rng.IntN(40))
		for i := range b {
			b[i] = byte(rng.IntN(256))
		}
		cases = append(cases, string(b))
	}
	for _, s := range cases {
		want, err := encodeJSON(s)
		if err != nil {
			t.Fatal(err)
		}
		var got bytes.Buffer
		w := bufio.NewWriter(&got)
		writeJSONString(w, s)
		w.Flush()
		if !bytes.Equal(got.Bytes(), want) {
			t.Fatalf("%q: got %s, want %s", s, got.Bytes(), want)
		}
	}
}

// bigResultExec answers every job with out as the run's stdout and the
// compile stage's stderr.
func bigResultExec(out []byte) *fakeExec {
	return &fakeExec{runtimes: pistonRuntimes, fn: func(ctx context.Context, job engine.Job) (*engine.Result, error) {
		return &engine.Result{Language: "python3", Version: "3.11.2", Status: engine.StatusOK,
			Compile: &engine.StageResult{Status: engine.StatusOK, Stderr: out},
			Run:     &engine.StageResult{Status: engine.StatusOK, Stdout: out, Stderr: []byte("e\xff\n")}}, nil
	}}
}

// The streamed v1 result is byte for byte the message encoding/json
// makes of it.
func TestV1WSResultStreamedExactly(t *testing.T) {
	out := []byte("ok \"quoted\" \x01 é \xff\xfe \u2028 <&>\n")
	exec := bigResultExec(out)
	c := dialWS(t, newTestHandler(exec), "/api/v1/connect")
	c.send(v1Execute)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		_, data, err := c.conn.Read(ctx)
		if err != nil {
			t.Fatalf("no result message: %v", err)
		}
		if !bytes.HasPrefix(data, []byte(`{"type":"result"`)) {
			continue
		}
		res, _ := exec.fn(ctx, engine.Job{})
		want, _ := encodeJSON(v1ResultMessage{Type: "result", executeResponse: newExecuteResponse(res)})
		if !bytes.Equal(data, want) {
			t.Fatalf("result\n got %s\nwant %s", data, want)
		}
		return
	}
}

// A result repeating 16 MiB of invalid UTF-8 twice (192 MiB of JSON) is
// never built whole: the heap grows by about the two strings the result
// holds, not by the JSON.
func TestV1WSResultNotBuiltWhole(t *testing.T) {
	out := bytes.Repeat([]byte{0xff}, 16<<20)
	big := bigResultExec(out)
	exec := &fakeExec{runtimes: pistonRuntimes, fn: func(ctx context.Context, job engine.Job) (*engine.Result, error) {
		// Stream the stages' ends, so only the result carries the output.
		res, _ := big.fn(ctx, job)
		for _, st := range []struct {
			name string
			r    *engine.StageResult
		}{{engine.StageCompile, res.Compile}, {engine.StageRun, res.Run}} {
			job.Stream.Event(engine.Event{Kind: engine.EventStage, Stage: st.name})
			job.Stream.Event(engine.Event{Kind: engine.EventOutput, Stage: st.name, Stream: engine.StreamStdout, Data: []byte("x")})
			job.Stream.Event(engine.Event{Kind: engine.EventExit, Stage: st.name, Result: st.r})
		}
		return res, nil
	}}
	c := dialWS(t, newTestHandler(exec), "/api/v1/connect")
	c.conn.SetReadLimit(1 << 30)
	runtime.GC()
	base := heapBytes()
	peak := base
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				peak = max(peak, heapBytes())
			}
		}
	}()
	c.send(v1Execute)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	total := 0
	for {
		_, r, err := c.conn.Reader(ctx)
		if err != nil {
			if websocket.CloseStatus(err) != v1CloseDone {
				t.Fatalf("session ended with %v", err)
			}
			break
		}
		n, err := io.Copy(io.Discard, r)
		if err != nil {
			t.Fatal(err)
		}
		total += int(n)
	}
	close(stop)
	<-sampled
	grew := int64(peak) - int64(base)
	t.Logf("%d MiB of messages; the heap grew by %d MiB at most", total>>20, grew>>20)
	if total < 192<<20 {
		t.Fatalf("only %d bytes of messages", total)
	}
	if grew > 100<<20 {
		t.Errorf("the heap grew by %d MiB for a %d MiB result: it was built whole", grew>>20, total>>20)
	}
}

func heapBytes() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// The streamed result must keep moving, not be done within WriteTimeout:
// a client that takes it steadily gets it whole even when that takes
// longer; one that stalls mid-way for longer is cut off.
func TestV1WSResultProgressDeadline(t *testing.T) {
	// Most of its time is spent waiting out timeouts: beside the others.
	t.Parallel()
	out := bytes.Repeat([]byte{0xff}, 4<<20) // 24 MiB as JSON, twice
	for _, stall := range []time.Duration{0, time.Second} {
		h := wsHandler(bigResultExec(out), WSOptions{OutputBuffer: 64 << 20, WriteTimeout: 300 * time.Millisecond})
		c := dialWS(t, h, "/api/v1/connect")
		c.conn.SetReadLimit(1 << 30)
		c.send(v1Execute)
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		start := time.Now()
		var end error
		for end == nil {
			var typ websocket.MessageType
			var r io.Reader
			typ, r, end = c.conn.Reader(ctx)
			if end != nil || typ != websocket.MessageText {
				break
			}
			head := make([]byte, 16)
			n, _ := io.ReadFull(r, head)
			if string(head[:n]) != `{"type":"result"` {
				_, end = io.Copy(io.Discard, r)
				continue
			}
			for i := 0; ; i++ {
				if i == 4 {
					time.Sleep(stall)
				}
				if _, err := io.CopyN(io.Discard, r, 1<<20); err != nil {
					if err != io.EOF {
						end = err
					}
					break
				}
				time.Sleep(50 * time.Millisecond)
			}
		}
		took := time.Since(start)
		code := websocket.CloseStatus(end)
		t.Logf("stall %v: ended after %v with %v", stall, took, end)
		if stall == 0 && (code != v1CloseDone || took < 300*time.Millisecond) {
			t.Errorf("a steady client: ended after %v with %v, want the close 1000 after more than the write timeout", took, end)
		}
		if stall > 0 && code != -1 {
			t.Errorf("a client stalled for %v: ended with %v, want cut off", stall, end)
		}
	}
}
