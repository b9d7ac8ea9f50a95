package cluster

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/coderacer/coderacer/internal/engine"
)

// events collects a streamed job's events as the client hands them over.
type events struct {
	mu   sync.Mutex
	list []string
	more chan struct{}
}

func newEvents() *events { return &events{more: make(chan struct{}, 1)} }

func (e *events) event(ev engine.Event) {
	e.mu.Lock()
	defer e.mu.Unlock()
	switch ev.Kind {
	case engine.EventStage:
		e.list = append(e.list, "stage "+ev.Stage)
	case engine.EventOutput:
		e.list = append(e.list, ev.Stream+" "+string(ev.Data))
	case engine.EventExit:
		e.list = append(e.list, fmt.Sprintf("exit %s %q", ev.Stage, ev.Result.Stdout))
	}
	select { // never wait: a Stream's Event must not
	case e.more <- struct{}{}:
	default:
	}
}

// waitFor waits until an event is s.
func (e *events) waitFor(t *testing.T, s string) {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		e.mu.Lock()
		found := strings.Contains(strings.Join(e.list, "\n"), s)
		e.mu.Unlock()
		if found {
			return
		}
		select {
		case <-e.more:
		case <-deadline:
			t.Fatalf("no event %q in %q", s, e.list)
		}
	}
}

func TestStream(t *testing.T) {
	url := startNATS(t)
	cfg := workerConfig("w1", newFake("w1", "python"), 1)
	cfg.StdinBuffer = 1000 // the program reads 64 bytes at a time: chunks wait
	startWorker(t, url, cfg)
	c := newClient(t, url)
	waitWorkers(t, c, "w1")
	stdinR, stdinW := io.Pipe()
	signals := make(chan syscall.Signal, 1)
	ev := newEvents()
	j := job("python", "")
	j.Stream = &engine.Stream{Stdin: stdinR, Event: ev.event, Signals: signals}
	done := make(chan error, 1)
	var res *engine.Result
	go func() {
		var err error
		res, err = c.Execute(context.Background(), j)
		stdinR.Close() // as the API ends a Read that waits
		done <- err
	}()
	stdinW.Write([]byte("hello "))
	ev.waitFor(t, "stdout hello ")
	signals <- syscall.SIGINT
	ev.waitFor(t, "stderr signal 2")
	big := strings.Repeat("x", 3*stdinChunk)
	stdinW.Write([]byte(big))
	stdinW.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got, want := string(res.Run.Stdout), "hello "+big; got != want {
		t.Fatalf("stdout of %d bytes, want %d", len(got), len(want))
	}
	ev.mu.Lock()
	defer ev.mu.Unlock()
	var out strings.Builder
	for _, e := range ev.list[3 : len(ev.list)-1] {
		out.WriteString(strings.TrimPrefix(e, "stdout "))
	}
	if ev.list[0] != "stage run" || ev.list[1] != "stdout hello " || ev.list[2] != "stderr signal 2" ||
		out.String() != big || !strings.HasPrefix(ev.list[len(ev.list)-1], "exit run") {
		t.Fatalf("events out of order: %q", ev.list)
	}
}

// A streamed job whose worker dies is not run again: the client gets
// ErrWorkerLost, from the worker it is redelivered to (after AckWait)
// or, with no other worker, when the heartbeats stop (lostAfter).
func TestStreamWorkerLost(t *testing.T) {
	for _, other := range []bool{true, false} {
		t.Run(fmt.Sprint("other worker ", other), func(t *testing.T) { streamWorkerLost(t, other) })
	}
}

func streamWorkerLost(t *testing.T, other bool) {
	url := startNATS(t)
	a := startWorker(t, url, workerConfig("wa", newFake("wa", "python"), 1))
	c := newClient(t, url)
	waitWorkers(t, c, "wa")
	stdinR, stdinW := io.Pipe()
	defer stdinW.Close()
	ev := newEvents()
	j := job("python", "")
	j.Stream = &engine.Stream{Stdin: stdinR, Event: ev.event}
	done := make(chan error, 1)
	go func() {
		_, err := c.Execute(context.Background(), j)
		stdinR.Close()
		done <- err
	}()
	stdinW.Write([]byte("hi"))
	ev.waitFor(t, "stdout hi")
	fb := newFake("wb", "python")
	if other {
		startWorker(t, url, workerConfig("wb", fb, 1))
	}
	time.Sleep(1500 * time.Millisecond) // a heartbeat or two
	killed := time.Now()
	a.kill()
	select {
	case err := <-done:
		if !errors.Is(err, ErrWorkerLost) {
			t.Fatalf("Execute: %v, want ErrWorkerLost", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no answer 10 s after the worker was killed")
	}
	took := time.Since(killed)
	t.Logf("session ended %v after its worker was killed (AckWait 1s, lostAfter %v)", took, lostAfter)
	if took > lostAfter+time.Second {
		t.Fatalf("took %v", took)
	}
	if n := len(fb.started); n != 0 {
		t.Fatalf("the other worker ran the session again")
	}
	if other {
		checkQueue(t, url, "python", 0, 0)
	}
}
