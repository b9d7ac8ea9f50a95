package cluster

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sync"
	"syscall"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/coderacer/coderacer/internal/engine"
)

// stdinChunk is the most of stdin one message carries.
const stdinChunk = 32 << 10

// eventSink hands a streamed job's events to its Stream, in order, once
// each, until closed.
type eventSink struct {
	sub    *nats.Subscription
	stream *engine.Stream

	mu      sync.Mutex
	last    int // the last event's number handed over
	closed  bool
	changed chan struct{}
}

func (c *Client) subscribeEvents(id string, s *engine.Stream) (*eventSink, error) {
	e := &eventSink{stream: s, changed: make(chan struct{}, 1)}
	sub, err := c.nc.Subscribe(streamSubj(id, "event"), e.receive)
	if err != nil {
		return nil, fmt.Errorf("cluster: subscribe to events: %w", err)
	}
	e.sub = sub
	return e, nil
}

func (e *eventSink) receive(m *nats.Msg) {
	var ev event
	if json.Unmarshal(m.Data, &ev) != nil || ev.Kind < engine.EventStage || ev.Kind > engine.EventExit {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed || ev.Seq <= e.last {
		return // late, or told already
	}
	e.last = ev.Seq
	if e.stream.Event != nil {
		e.stream.Event(engine.Event{Kind: ev.Kind, Stage: ev.Stage, Stream: ev.Stream, Data: ev.Data, Result: ev.Result})
	}
	select {
	case e.changed <- struct{}{}:
	default:
	}
}

// drain waits until the n-th event is handed over, at most d.
func (e *eventSink) drain(n int, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	for {
		e.mu.Lock()
		got := e.last
		e.mu.Unlock()
		if got >= n {
			return
		}
		select {
		case <-t.C:
			return
		case <-e.changed:
		}
	}
}

// close ends the subscription; no event is handed over after it.
func (e *eventSink) close() {
	_ = e.sub.Unsubscribe()
	e.mu.Lock()
	e.closed = true
	e.mu.Unlock()
}

// testSink calls a judge's OnTest once per test, until closed.
type testSink struct {
	sub    *nats.Subscription
	onTest func(engine.TestResult)

	mu     sync.Mutex
	told   map[int]bool
	closed bool
}

func (c *Client) subscribeTests(id string, onTest func(engine.TestResult)) (*testSink, error) {
	t := &testSink{onTest: onTest, told: map[int]bool{}}
	sub, err := c.nc.Subscribe(streamSubj(id, "test"), func(m *nats.Msg) {
		var tr engine.TestResult
		if json.Unmarshal(m.Data, &tr) == nil {
			t.tell(tr)
		}
	})
	if err != nil {
		return nil, fmt.Errorf("cluster: subscribe to tests: %w", err)
	}
	t.sub = sub
	return t, nil
}

// tell calls OnTest for tr unless it told of its test already (a judge
// run again on another worker tells them again).
func (t *testSink) tell(tr engine.TestResult) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed || t.told[tr.Index] || tr.Index < 0 {
		return
	}
	t.told[tr.Index] = true
	t.onTest(tr)
}

// fill tells of the tests of the result not told yet, in test order.
func (t *testSink) fill(tests []engine.TestResult) {
	for _, tr := range tests {
		t.tell(tr)
	}
}

func (t *testSink) close() {
	_ = t.sub.Unsubscribe()
	t.mu.Lock()
	t.closed = true
	t.mu.Unlock()
}

// forward sends a started streamed job's stdin and signals to its worker
// until ctx ends.
func (c *Client) forward(ctx context.Context, id string, s *engine.Stream) {
	if s.Stdin != nil {
		go c.forwardStdin(ctx, id, s.Stdin)
	}
	if s.Signals != nil {
		go c.forwardSignals(ctx, id, s.Signals)
	}
}

// forwardStdin sends stdin in chunks, each once the worker took the one
// before (its answer is its flow control), then its end. The Stream's
// owner ends a Read that waits once the job is over.
func (c *Client) forwardStdin(ctx context.Context, id string, r io.Reader) {
	subj := streamSubj(id, "stdin")
	buf := make([]byte, stdinChunk)
	for ctx.Err() == nil {
		n, err := r.Read(buf)
		if n > 0 {
			m := nats.NewMsg(subj)
			m.Data = append([]byte(nil), buf[:n]...)
			if _, rerr := c.nc.RequestMsgWithContext(ctx, m); rerr != nil {
				return
			}
		}
		if err != nil {
			m := nats.NewMsg(subj)
			m.Header.Set(hdrEOF, "1")
			_ = c.nc.PublishMsg(m)
			return
		}
	}
}

func (c *Client) forwardSignals(ctx context.Context, id string, signals <-chan syscall.Signal) {
	subj := streamSubj(id, "signal")
	for {
		select {
		case <-ctx.Done():
			return
		case sig, ok := <-signals:
			if !ok {
				return
			}
			if data, err := json.Marshal(signal{Signal: int(sig)}); err == nil {
				_ = c.nc.Publish(subj, data)
			}
		}
	}
}
