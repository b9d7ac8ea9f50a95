package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/coderacer/coderacer/internal/engine"
)

// call is one job on its way to a worker.
type call struct {
	kind     string
	language string // the runtime's, resolved
	body     request
	budget   time.Duration
	stream   *engine.Stream
	onTest   func(engine.TestResult)
}

// call publishes the job and waits for its answer. Everything it
// subscribed to is gone when it returns, and no callback of the job's
// runs after.
func (c *Client) call(ctx context.Context, p call) (reply, error) {
	id := newID()
	inbox := c.nc.NewInbox()
	sub, err := c.nc.SubscribeSync(inbox)
	if err != nil {
		return reply{}, fmt.Errorf("cluster: subscribe to the reply: %w", err)
	}
	defer sub.Unsubscribe()
	var events *eventSink
	if p.stream != nil {
		if events, err = c.subscribeEvents(id, p.stream); err != nil {
			return reply{}, err
		}
		defer events.close()
	}
	var tests *testSink
	if p.onTest != nil {
		if tests, err = c.subscribeTests(id, p.onTest); err != nil {
			return reply{}, err
		}
		defer tests.close()
	}
	deadline := time.Now().Add(p.budget)
	seq, err := c.publish(ctx, id, inbox, deadline, p)
	if err != nil {
		return reply{}, err
	}
	rep, err := c.wait(ctx, sub, id, deadline, p)
	if err != nil {
		c.abandon(id, seq)
		return reply{}, err
	}
	if events != nil {
		events.drain(rep.Events, drainWait)
	}
	if tests != nil && rep.Judge != nil {
		tests.fill(rep.Judge.Tests)
	}
	if rep.Error != nil {
		return reply{}, rep.Error.Err()
	}
	return rep, nil
}

// publishWait bounds queuing a job, its client's ctx aside.
const publishWait = 10 * time.Second

// drainWait bounds the wait for a streamed job's events the reply says
// were published but did not arrive yet.
const drainWait = 2 * time.Second

// publish queues the job for a worker of its runtime; the sequence is
// the job's in the stream.
func (c *Client) publish(ctx context.Context, id, inbox string, deadline time.Time, p call) (uint64, error) {
	data, err := json.Marshal(p.body)
	if err != nil {
		return 0, fmt.Errorf("cluster: encode the job: %w", err)
	}
	m := nats.NewMsg(jobSubject(p.language))
	m.Data = data
	m.Header.Set(hdrReply, inbox)
	m.Header.Set(hdrKind, p.kind)
	m.Header.Set(hdrDeadline, strconv.FormatInt(deadline.UnixMilli(), 10))
	if rid := engine.RequestID(ctx); rid != "" {
		m.Header.Set(hdrRequestID, rid)
	}
	if p.stream != nil {
		m.Header.Set(hdrStream, streamMode(p.stream))
	}
	if err := c.blobs.attach(ctx, m, id+"-job"); err != nil {
		return 0, err
	}
	// The publish is not cut short by ctx: a job stored but not known to
	// be (its ack lost to ctx's end) could not be cancelled, and would
	// run with nobody waiting.
	pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), publishWait)
	defer cancel()
	ack, err := c.js.PublishMsg(pctx, m, jetstream.WithMsgID(id))
	switch {
	case err == nil && ctx.Err() != nil:
		c.abandon(id, ack.Sequence)
		return 0, ctx.Err()
	case err == nil:
		return ack.Sequence, nil
	case ctx.Err() != nil:
		return 0, ctx.Err()
	case strings.Contains(err.Error(), "maximum messages exceeded"):
		return 0, engine.ErrQueueFull
	}
	return 0, fmt.Errorf("%w: queue the job: %v", ErrNoWorker, err)
}

// streamMode tells the worker whether the job's stdin comes from the
// client (else it is the job's Stdin).
func streamMode(s *engine.Stream) string {
	if s.Stdin != nil {
		return "stdin"
	}
	return "events"
}

// wait waits for the first reply on sub, answering a streamed job's
// start on the way. Its error is ctx's, ErrNoAnswer at the deadline, or
// ErrWorkerLost when a started streamed job's worker falls silent.
func (c *Client) wait(ctx context.Context, sub *nats.Subscription, id string, deadline time.Time, p call) (reply, error) {
	wctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	var lastSeen time.Time // of a started streamed job's worker
	for {
		m, err := nextMsg(wctx, sub, lastSeen)
		switch {
		case ctx.Err() != nil:
			return reply{}, ctx.Err()
		case wctx.Err() != nil:
			return reply{}, ErrNoAnswer
		case err != nil:
			return reply{}, ErrWorkerLost
		}
		switch m.Header.Get(hdrType) {
		case typeStart:
			ok := p.stream != nil && lastSeen.IsZero()
			c.answerStart(m, ok)
			if ok {
				lastSeen = time.Now()
				c.forward(wctx, id, p.stream)
			}
			continue
		case typeAlive:
			if !lastSeen.IsZero() {
				lastSeen = time.Now()
			}
			continue
		}
		if rep, ok := c.readReply(wctx, m, id); ok {
			return rep, nil
		}
	}
}

// nextMsg waits for sub's next message, and when lastSeen is set, at
// most lostAfter past it.
func nextMsg(ctx context.Context, sub *nats.Subscription, lastSeen time.Time) (*nats.Msg, error) {
	if !lastSeen.IsZero() {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, lastSeen.Add(lostAfter))
		defer cancel()
	}
	return sub.NextMsgWithContext(ctx)
}

// readReply reads a worker's reply; false for a malformed one, ignored.
func (c *Client) readReply(ctx context.Context, m *nats.Msg, id string) (reply, bool) {
	data, err := c.blobs.body(ctx, m.Header, m.Data)
	if err != nil {
		return reply{Error: WireError(err)}, true
	}
	c.blobs.drop(m.Header)
	var rep reply
	if err := json.Unmarshal(data, &rep); err != nil {
		c.cfg.Logger.Warn("cluster: a malformed reply", "id", id, "err", err)
		return reply{}, false
	}
	return rep, true
}

func (c *Client) answerStart(m *nats.Msg, ok bool) {
	answer := "no"
	if ok {
		answer = "ok"
	}
	if err := m.Respond([]byte(answer)); err != nil && !errors.Is(err, nats.ErrMsgNoReply) {
		c.cfg.Logger.Info("cluster: answer a start", "err", err)
	}
}

// abandon tells the worker running the job to stop it and drops it from
// the stream if no worker took it yet; in the background, briefly.
func (c *Client) abandon(id string, seq uint64) {
	_ = c.nc.Publish(cancelSubj(id), nil)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if s, err := c.js.Stream(ctx, StreamName); err == nil {
			_ = s.DeleteMsg(ctx, seq)
		}
	}()
}
