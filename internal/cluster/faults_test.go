package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/coderacer/coderacer/internal/engine"
)

// A worker killed mid-job (its connection closed, nothing acked): the
// job is redelivered to the other worker, whose answer the client gets.
func TestWorkerKilledMidJob(t *testing.T) {
	url := startNATS(t)
	fa := newFake("wa", "python")
	fa.block = make(chan struct{})
	a := startWorker(t, url, workerConfig("wa", fa, 1))
	c := newClient(t, url)
	waitWorkers(t, c, "wa")
	done := make(chan error, 1)
	var res *engine.Result
	go func() {
		var err error
		res, err = c.Execute(context.Background(), job("python", "once"))
		done <- err
	}()
	<-fa.started
	fb := newFake("wb", "python")
	startWorker(t, url, workerConfig("wb", fb, 1))
	killed := time.Now()
	a.kill()
	select {
	case err := <-done:
		if got := stdout(t, res, err); got != "wb:once" {
			t.Fatalf("stdout %q, want wb's answer", got)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no answer 10 s after the worker was killed")
	}
	t.Logf("answered by the other worker %v after the kill (AckWait 1s)", time.Since(killed))
	time.Sleep(1500 * time.Millisecond) // past another AckWait: nothing runs it again
	if fb.ran.Load() != 1 || fa.ran.Load() != 0 {
		t.Fatalf("ran %d times on wb, %d on wa; want once on wb", fb.ran.Load(), fa.ran.Load())
	}
	checkQueue(t, url, "python", 0, 0)
}

// checkQueue checks the jobs of lang waiting and unacked, within 2 s: a
// worker acks a job just after its reply.
func checkQueue(t *testing.T, url, lang string, pending uint64, ackPending int) {
	t.Helper()
	js, err := jetstream.New(connect(t, url))
	if err != nil {
		t.Fatal(err)
	}
	cons, err := js.Consumer(context.Background(), StreamName, consumerName(lang))
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(2 * time.Second)
	for {
		info, err := cons.Info(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if info.NumPending == pending && info.NumAckPending == ackPending {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %d pending and %d unacked, want %d and %d", lang, info.NumPending, info.NumAckPending, pending, ackPending)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Drain: the worker's Run ctx ends while a job runs; the job finishes,
// is answered and acked; a job queued after is not fetched.
func TestDrain(t *testing.T) {
	url := startNATS(t)
	f := newFake("w1", "python")
	f.delay = 800 * time.Millisecond
	w := startWorker(t, url, workerConfig("w1", f, 2))
	c := newClient(t, url)
	waitWorkers(t, c, "w1")
	done := make(chan error, 1)
	var res *engine.Result
	go func() {
		var err error
		res, err = c.Execute(context.Background(), job("python", "first"))
		done <- err
	}()
	<-f.started
	w.stop()
	time.Sleep(400 * time.Millisecond) // past FetchWait: no pull request left
	if ws := c.Workers(); c.Ready() || len(ws) != 1 || !ws[0].Draining {
		t.Fatalf("draining: ready %v, workers %+v", c.Ready(), ws)
	}
	wj := WireJob(job("python", "second"))
	if _, err := c.publish(context.Background(), newID(), c.nc.NewInbox(), time.Now().Add(time.Minute),
		call{kind: kindExecute, language: "python", body: request{Job: &wj}}); err != nil {
		t.Fatal(err)
	}
	if got := stdout(t, res, <-done); got != "w1:first" {
		t.Fatalf("stdout %q", got)
	}
	select {
	case <-w.done:
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return once its job ended")
	}
	if f.ran.Load() != 1 {
		t.Fatalf("ran %d jobs, want 1", f.ran.Load())
	}
	checkQueue(t, url, "python", 1, 0)
	waitWorkers(t, c) // withdrawn once its jobs are over
}

func TestJudgeOnTest(t *testing.T) {
	url := startNATS(t)
	f := newFake("w1", "python")
	f.midJudge = make(chan struct{})
	startWorker(t, url, workerConfig("w1", f, 1))
	c := newClient(t, url)
	waitWorkers(t, c, "w1")
	jj := engine.JudgeJob{Job: job("python", "")}
	for _, in := range []string{"a", "b", "c", "d", "e"} {
		jj.Tests = append(jj.Tests, engine.Test{Name: in, Stdin: []byte(in)})
	}
	var told []int
	// The worker holds the judge until the client was told of two
	// tests: OnTest is called as tests end, not from the result.
	jj.OnTest = func(tr engine.TestResult) {
		told = append(told, tr.Index)
		if tr.Index == 1 {
			close(f.midJudge)
		}
	}
	res, err := c.Judge(context.Background(), jj)
	if err != nil {
		t.Fatal(err)
	}
	if res.Passed != 5 || len(res.Tests) != 5 || string(res.Tests[4].Stdout) != "e" {
		t.Fatalf("result %+v", res)
	}
	if len(told) != 5 {
		t.Fatalf("OnTest told %v", told)
	}
	for i, idx := range told {
		if idx != i {
			t.Fatalf("OnTest order %v", told)
		}
	}
}

func TestJudgeWithoutWorker(t *testing.T) {
	url := startNATS(t)
	c := newClient(t, url)
	_, err := c.Judge(context.Background(), engine.JudgeJob{Job: job("python", "")})
	if !errors.Is(err, engine.ErrRuntimeNotFound) {
		t.Fatalf("Judge: %v", err)
	}
}

// A job cancelled while it waits in the stream (every slot busy) is
// dropped from it: the worker never runs it.
func TestCancelQueued(t *testing.T) {
	url := startNATS(t)
	f := newFake("w1", "python")
	f.block = make(chan struct{})
	startWorker(t, url, workerConfig("w1", f, 1))
	c := newClient(t, url)
	waitWorkers(t, c, "w1")
	go c.Execute(context.Background(), job("python", "first"))
	if got := <-f.started; got != "first" {
		t.Fatalf("started %q", got)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if _, err := c.Execute(ctx, job("python", "queued")); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Execute: %v", err)
	}
	time.Sleep(200 * time.Millisecond) // the abandon's delete
	f.unblock()
	res, err := c.Execute(context.Background(), job("python", "third"))
	if got := stdout(t, res, err); got != "w1:third" {
		t.Fatalf("stdout %q", got)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if fmt.Sprint(f.stdins) != "[first third]" {
		t.Fatalf("ran %q, want first and third only", f.stdins)
	}
}

// Messages no client of ours sent: the worker drops them, or answers a
// malformed body with an error, and goes on.
func TestMalformedJobs(t *testing.T) {
	url := startNATS(t)
	startWorker(t, url, workerConfig("w1", newFake("w1", "python"), 1))
	c := newClient(t, url)
	waitWorkers(t, c, "w1")
	nc := connect(t, url)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	inbox := nc.NewInbox()
	sub, err := nc.SubscribeSync(inbox)
	if err != nil {
		t.Fatal(err)
	}
	for i, h := range []map[string]string{
		{},                                      // no headers at all
		{hdrReply: inbox},                       // no id
		{hdrReply: "a b", hdrKind: kindExecute}, // a bad reply subject
		{hdrReply: inbox, hdrKind: "other"},
		{hdrReply: inbox, hdrKind: kindExecute}, // a body that is no job
	} {
		m := nats.NewMsg(jobSubject("python"))
		m.Data = []byte("{not json")
		for k, v := range h {
			m.Header.Set(k, v)
		}
		if i > 0 {
			m.Header.Set(jetstream.MsgIDHeader, newID())
		}
		if _, err := js.PublishMsg(context.Background(), m); err != nil {
			t.Fatal(err)
		}
	}
	m, err := sub.NextMsg(3 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	var rep reply
	if err := json.Unmarshal(m.Data, &rep); err != nil || rep.Error == nil || rep.Error.Message != "malformed job" {
		t.Fatalf("reply %s", m.Data)
	}
	res, err := c.Execute(context.Background(), job("python", "still"))
	if got := stdout(t, res, err); got != "w1:still" {
		t.Fatalf("stdout %q", got)
	}
	checkQueue(t, url, "python", 0, 0)
}
