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
	"github.com/coderacer/coderacer/internal/jsjob"
)

// delivery is one delivery of a job, its headers checked.
type delivery struct {
	msg       jetstream.Msg
	id        string
	reply     string
	kind      string
	stream    bool
	stdin     bool      // a streamed job's stdin comes from its client
	deadline  time.Time // zero: none
	requestID string
	delivered uint64
}

// parseDelivery reads msg's headers; an error means a message no client
// of ours sent.
func parseDelivery(msg jetstream.Msg) (delivery, error) {
	h := msg.Headers()
	d := delivery{msg: msg, id: h.Get(jetstream.MsgIDHeader), reply: h.Get(hdrReply), kind: h.Get(hdrKind),
		stream: h.Get(hdrStream) != "", stdin: h.Get(hdrStream) == "stdin", requestID: h.Get(hdrRequestID)}
	if !validID(d.id) {
		return d, errors.New("no valid job id")
	}
	if d.reply == "" || strings.ContainsAny(d.reply, " \t\r\n*>") {
		return d, errors.New("no valid reply subject")
	}
	if d.kind != kindExecute && d.kind != kindJudge {
		return d, fmt.Errorf("unknown kind %q", d.kind)
	}
	if ms, err := strconv.ParseInt(h.Get(hdrDeadline), 10, 64); err == nil {
		d.deadline = time.UnixMilli(ms)
	}
	md, err := msg.Metadata()
	if err != nil {
		return d, fmt.Errorf("metadata: %w", err)
	}
	d.delivered = md.NumDelivered
	return d, nil
}

// handle takes one delivery of a job to its end: a slot (unless taken
// already), the run, the reply, then the ack. It keeps the job from
// redelivery all along.
func (w *Worker) handle(jobs context.Context, msg jetstream.Msg, taken bool) {
	if taken {
		defer w.slots.release()
	}
	d, err := parseDelivery(msg)
	if err != nil {
		w.cfg.Logger.Warn("cluster: dropped a job message", "worker", w.cfg.ID, "err", err)
		_ = msg.Term()
		return
	}
	done := make(chan struct{})
	defer close(done)
	go jsjob.KeepInProgress(msg, w.cfg.AckWait, done)
	switch {
	case !d.deadline.IsZero() && time.Now().After(d.deadline):
		_ = msg.Ack() // its client gave up
		return
	case d.stream && d.delivered > 1:
		// Its first worker died with its stdin: it cannot run again.
		w.answer(d, reply{Error: WireError(ErrWorkerLost)})
		return
	}
	if !taken {
		if !w.slots.acquire(jobs) {
			_ = msg.Nak() // stopping before it started: another worker runs it
			return
		}
		defer w.slots.release()
	}
	rep, ok := w.run(jobs, d)
	if ok {
		w.answer(d, rep)
	}
}

// answer publishes rep to the job's client, then acks the job: a worker
// that dies in between has its job run again, never unanswered.
func (w *Worker) answer(d delivery, rep reply) {
	rep.Worker = w.cfg.ID
	data, err := json.Marshal(rep)
	if err != nil {
		data, _ = json.Marshal(reply{Error: WireError(fmt.Errorf("encode the reply: %w", err)), Worker: w.cfg.ID})
	}
	m := nats.NewMsg(d.reply)
	m.Header.Set(hdrType, typeReply)
	m.Data = data
	ctx, cancel := context.WithTimeout(context.Background(), blobWait)
	defer cancel()
	if err := w.blobs.attach(ctx, m, d.id+"-reply"); err != nil {
		m.Data, _ = json.Marshal(reply{Error: WireError(err), Worker: w.cfg.ID})
	}
	if err := w.nc.PublishMsg(m); err != nil {
		w.cfg.Logger.Warn("cluster: reply not published; the job is left for redelivery", "id", d.id, "err", err)
		return
	}
	// Acked for sure before Run may return: a drained worker leaves
	// nothing to redeliver. The reply is on its way already.
	if err := d.msg.DoubleAck(ctx); err != nil {
		w.cfg.Logger.Info("cluster: ack", "id", d.id, "err", err)
		return
	}
	w.blobs.drop(d.msg.Headers())
}

// run runs the job under a ctx its client's cancel ends. ok false: no
// reply is due (its client cancelled it, or it was not even started, or
// it goes to another worker: it is acked or nak'ed here).
func (w *Worker) run(jobs context.Context, d delivery) (rep reply, ok bool) {
	req, err := w.decode(jobs, d)
	if err != nil {
		return reply{Error: WireError(err)}, true
	}
	ctx, cancel := context.WithCancel(jobs)
	defer cancel()
	if !d.deadline.IsZero() {
		// Past it nobody waits, even if the client's cancel was lost.
		ctx, cancel = context.WithDeadline(ctx, d.deadline)
		defer cancel()
	}
	if d.requestID != "" {
		ctx = engine.WithRequestID(ctx, d.requestID)
	}
	w.running.add(d.id, cancel)
	rep, err = w.execute(ctx, d, req)
	cancelled := w.running.remove(d.id)
	switch {
	case err == nil:
		return rep, true
	case cancelled, jobs.Err() == nil && errors.Is(ctx.Err(), context.DeadlineExceeded):
		_ = d.msg.Ack() // its client is gone
		return reply{}, false
	case ctx.Err() != nil && d.stream:
		return reply{Error: WireError(ErrWorkerLost)}, true
	case ctx.Err() != nil:
		_ = d.msg.Nak() // stopping: another worker runs it
		return reply{}, false
	case errors.Is(err, errNotStarted):
		_ = d.msg.Ack()
		return reply{}, false
	}
	return reply{Error: WireError(err)}, true
}

// decode reads the job's body, from its blob if it has one.
func (w *Worker) decode(ctx context.Context, d delivery) (request, error) {
	data, err := w.blobs.body(ctx, d.msg.Headers(), d.msg.Data())
	if err != nil {
		return request{}, err
	}
	var req request
	if err := json.Unmarshal(data, &req); err != nil || (req.Job == nil) == (req.Judge == nil) ||
		(d.kind == kindJudge) != (req.Judge != nil) {
		return request{}, errors.New("malformed job")
	}
	return req, nil
}

// errNotStarted: the client of a streamed job did not want it started.
var errNotStarted = errors.New("not started")

// execute runs the job on the executor; a panic in it is an error.
func (w *Worker) execute(ctx context.Context, d delivery, req request) (rep reply, err error) {
	defer func() {
		if r := recover(); r != nil {
			w.cfg.Logger.Error("cluster: executor panicked", "id", d.id, "panic", r)
			rep, err = reply{}, fmt.Errorf("executor panicked: %v", r)
		}
	}()
	if req.Judge != nil {
		return w.judge(ctx, d, req.Judge.Engine())
	}
	job := req.Job.Engine()
	if !d.stream {
		res, err := w.cfg.Executor.Execute(ctx, job)
		return reply{Result: res}, err
	}
	return w.stream(ctx, d, job)
}

// judge runs a judge job, telling the client of each test as it ends.
func (w *Worker) judge(ctx context.Context, d delivery, job engine.JudgeJob) (reply, error) {
	j, ok := w.cfg.Executor.(engine.Judger)
	if !ok {
		return reply{}, errors.New("this worker cannot judge")
	}
	subj := streamSubj(d.id, "test")
	job.OnTest = func(t engine.TestResult) {
		if data, err := json.Marshal(t); err == nil {
			_ = w.nc.Publish(subj, data)
		}
	}
	res, err := j.Judge(ctx, job)
	return reply{Judge: res}, err
}
