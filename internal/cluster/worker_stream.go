package cluster

import (
	"context"
	"encoding/json"
	"fmt"
	"syscall"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/coderacer/coderacer/internal/engine"
)

const (
	// startWait bounds the client's answer to a streamed job's start.
	startWait = 5 * time.Second
	// signalQueue is how many signals may wait for the program.
	signalQueue = 16
	// maxEventBytes: a stage's exit event larger than this goes without
	// the stage's output, already sent in output events.
	maxEventBytes = 256 << 10
)

// stream runs a streamed job: its stdin and signals come from the client
// on the job's subjects, its events go back on another, in order.
func (w *Worker) stream(ctx context.Context, d delivery, job engine.Job) (reply, error) {
	pipe := newStdinPipe(w.nc, w.cfg.StdinBuffer)
	defer pipe.close()
	stdinSub, err := w.nc.Subscribe(streamSubj(d.id, "stdin"), pipe.receive)
	if err != nil {
		return reply{}, fmt.Errorf("subscribe to stdin: %w", err)
	}
	defer stdinSub.Unsubscribe()
	signals := make(chan syscall.Signal, signalQueue)
	sigSub, err := w.nc.Subscribe(streamSubj(d.id, "signal"), func(m *nats.Msg) {
		var s signal
		if json.Unmarshal(m.Data, &s) == nil && s.Signal > 0 && s.Signal < 65 {
			select {
			case signals <- syscall.Signal(s.Signal):
			default: // too many waiting: dropped, as the API does
			}
		}
	})
	if err != nil {
		return reply{}, fmt.Errorf("subscribe to signals: %w", err)
	}
	defer sigSub.Unsubscribe()
	if !w.askStart(d) {
		return reply{}, errNotStarted
	}
	stop := w.heartbeat(d.reply)
	defer stop()
	pub := &eventPublisher{nc: w.nc, subject: streamSubj(d.id, "event")}
	job.Stream = &engine.Stream{Event: pub.publish, Signals: signals}
	if d.stdin {
		job.Stream.Stdin = pipe
	}
	res, err := w.cfg.Executor.Execute(ctx, job)
	return reply{Result: res, Events: pub.seq}, err
}

// askStart asks the client whether the job may start: it listens (its
// stdin flows only from now on) and has not seen it start elsewhere.
func (w *Worker) askStart(d delivery) bool {
	m := nats.NewMsg(d.reply)
	m.Header.Set(hdrType, typeStart)
	resp, err := w.nc.RequestMsg(m, startWait)
	return err == nil && string(resp.Data) == "ok"
}

// heartbeat tells the client of a streamed job, every heartbeatEvery,
// that its worker is alive, until stop is called.
func (w *Worker) heartbeat(subject string) (stop func()) {
	done := make(chan struct{})
	exited := make(chan struct{})
	go func() {
		defer close(exited)
		t := time.NewTicker(heartbeatEvery)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				m := nats.NewMsg(subject)
				m.Header.Set(hdrType, typeAlive)
				_ = w.nc.PublishMsg(m)
			}
		}
	}()
	return func() {
		close(done)
		<-exited
	}
}

// eventPublisher publishes a streamed job's events, numbered. The engine
// calls publish one event at a time.
type eventPublisher struct {
	nc      *nats.Conn
	subject string
	seq     int
}

func (p *eventPublisher) publish(ev engine.Event) {
	p.seq++
	e := event{Seq: p.seq, Kind: ev.Kind, Stage: ev.Stage, Stream: ev.Stream, Data: ev.Data, Result: ev.Result}
	data, err := json.Marshal(e)
	if err == nil && len(data) > maxEventBytes && e.Result != nil {
		r := *e.Result
		r.Stdout, r.Stderr, r.Output = nil, nil, nil
		e.Result = &r
		data, err = json.Marshal(e)
	}
	if err != nil {
		return // the client, missing one, gives up waiting for it
	}
	_ = p.nc.Publish(p.subject, data)
}
