package cluster

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"

	"github.com/coderacer/coderacer/internal/engine"
)

// startNATS runs a nats-server with JetStream in a temp dir, on a
// loopback port of its choice, for the test.
func startNATS(t testing.TB) string {
	t.Helper()
	srv, err := server.NewServer(&server.Options{
		Host: "127.0.0.1", Port: server.RANDOM_PORT, JetStream: true, StoreDir: t.TempDir(),
		NoLog: true, NoSigs: true, JetStreamMaxMemory: 64 << 20,
	})
	if err != nil {
		t.Fatal(err)
	}
	srv.Start()
	if !srv.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats-server not ready")
	}
	t.Cleanup(func() {
		srv.Shutdown()
		srv.WaitForShutdown()
	})
	return srv.ClientURL()
}

func connect(t testing.TB, url string) *nats.Conn {
	t.Helper()
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	return nc
}

func quiet() *slog.Logger { return slog.New(slog.DiscardHandler) }

// testWorker is a worker on a connection of its own, running until
// stopped (or the test's end).
type testWorker struct {
	w    *Worker
	nc   *nats.Conn
	stop context.CancelFunc
	done chan struct{}
	exec *fakeExec
}

func workerConfig(id string, exec *fakeExec, slots int) WorkerConfig {
	return WorkerConfig{
		ID: id, Executor: exec, Slots: slots, Logger: quiet(),
		AckWait: time.Second, FetchWait: 300 * time.Millisecond, StopGrace: 2 * time.Second,
		AdvertiseEvery: 200 * time.Millisecond,
	}
}

func startWorker(t testing.TB, url string, cfg WorkerConfig) *testWorker {
	t.Helper()
	nc := connect(t, url)
	w, err := NewWorker(context.Background(), nc, cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	tw := &testWorker{w: w, nc: nc, stop: cancel, done: make(chan struct{}), exec: cfg.Executor.(*fakeExec)}
	go func() {
		defer close(tw.done)
		_ = w.Run(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		tw.exec.unblock()
		<-tw.done
	})
	return tw
}

// kill closes the worker's connection abruptly: nothing it holds is
// acked, its advertisement stays until it expires.
func (tw *testWorker) kill() { tw.nc.Close() }

func newClient(t *testing.T, url string) *Client {
	t.Helper()
	c, err := NewClient(context.Background(), connect(t, url), ClientConfig{Logger: quiet(), Margin: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// waitWorkers waits until the client sees exactly ids live.
func waitWorkers(t *testing.T, c *Client, ids ...string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		var live []string
		for _, w := range c.Workers() {
			live = append(live, w.ID)
		}
		if slices.Equal(live, ids) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("live workers %v, want %v", live, ids)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// fakeExec is an executor of a few runtimes: a job's stdout names the
// executor and echoes its stdin; it takes delay, or until unblocked.
type fakeExec struct {
	name     string
	runtimes []engine.RuntimeInfo
	delay    time.Duration
	block    chan struct{} // when not nil, jobs wait for it (or ctx)
	// midJudge, when not nil, holds a judge after its second test until
	// it is closed: its client must have been told of two tests by then.
	midJudge chan struct{}
	err      error // returned by every job when set
	once     sync.Once

	ran     atomic.Int64
	running atomic.Int64
	peak    atomic.Int64
	started chan string // each job's stdin as it starts, when not nil
	ctxErr  chan error  // a job's ctx error, when ctx ended it
	mu      sync.Mutex
	stdins  []string
}

func newFake(name string, langs ...string) *fakeExec {
	f := &fakeExec{name: name, started: make(chan string, 100), ctxErr: make(chan error, 100)}
	for _, l := range langs {
		f.runtimes = append(f.runtimes, engine.RuntimeInfo{Language: l, Version: "1.0", Aliases: []string{l + "-alias"}})
	}
	return f
}

func (f *fakeExec) unblock() {
	if f.block != nil {
		f.once.Do(func() { close(f.block) })
	}
}

func (f *fakeExec) Runtimes() []engine.RuntimeInfo { return f.runtimes }
func (f *fakeExec) Ready() bool                    { return true }

func (f *fakeExec) Execute(ctx context.Context, job engine.Job) (*engine.Result, error) {
	if f.err != nil {
		return nil, f.err
	}
	n := f.running.Add(1)
	defer f.running.Add(-1)
	for {
		p := f.peak.Load()
		if n <= p || f.peak.CompareAndSwap(p, n) {
			break
		}
	}
	select {
	case f.started <- string(job.Stdin):
	default:
	}
	if err := f.wait(ctx); err != nil {
		select {
		case f.ctxErr <- err:
		default:
		}
		return nil, err
	}
	if job.Stream != nil {
		return f.stream(ctx, job)
	}
	f.ran.Add(1)
	f.mu.Lock()
	f.stdins = append(f.stdins, string(job.Stdin))
	f.mu.Unlock()
	out := []byte(f.name + ":" + string(job.Stdin))
	return &engine.Result{Language: job.Language, Version: "1.0", Status: engine.StatusOK,
		Run: &engine.StageResult{Stdout: out, Status: engine.StatusOK}}, nil
}

func (f *fakeExec) wait(ctx context.Context) error {
	var timer <-chan time.Time
	if f.delay > 0 {
		t := time.NewTimer(f.delay)
		defer t.Stop()
		timer = t.C
	}
	if f.block == nil && timer == nil {
		return nil
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-f.block:
		return nil
	case <-timer:
		return nil
	}
}

// stream echoes each chunk of stdin as an output event, and each signal
// as one on stderr, until stdin ends.
func (f *fakeExec) stream(ctx context.Context, job engine.Job) (*engine.Result, error) {
	s := job.Stream
	s.Event(engine.Event{Kind: engine.EventStage, Stage: engine.StageRun})
	chunks := make(chan []byte)
	go func() {
		defer close(chunks)
		buf := make([]byte, 64)
		for {
			n, err := s.Stdin.Read(buf)
			if n > 0 {
				chunks <- append([]byte(nil), buf[:n]...)
			}
			if err != nil {
				return
			}
		}
	}()
	var all []byte
	for {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case sig := <-s.Signals:
			s.Event(engine.Event{Kind: engine.EventOutput, Stage: engine.StageRun, Stream: engine.StreamStderr, Data: []byte(fmt.Sprint("signal ", int(sig)))})
		case c, ok := <-chunks:
			if !ok {
				st := &engine.StageResult{Stdout: all, Status: engine.StatusOK}
				s.Event(engine.Event{Kind: engine.EventExit, Stage: engine.StageRun, Result: st})
				f.ran.Add(1)
				return &engine.Result{Language: job.Language, Status: engine.StatusOK, Run: st}, nil
			}
			all = append(all, c...)
			s.Event(engine.Event{Kind: engine.EventOutput, Stage: engine.StageRun, Stream: engine.StreamStdout, Data: c})
		}
	}
}

func (f *fakeExec) Judge(ctx context.Context, job engine.JudgeJob) (*engine.JudgeResult, error) {
	if err := f.wait(ctx); err != nil {
		return nil, err
	}
	res := &engine.JudgeResult{Language: job.Job.Language, Status: "AC", Total: len(job.Tests)}
	for i, tc := range job.Tests {
		tr := engine.TestResult{Index: i, Name: tc.Name, Verdict: "AC", Stdout: tc.Stdin}
		if job.OnTest != nil {
			job.OnTest(tr)
		}
		res.Tests = append(res.Tests, tr)
		res.Passed++
		if i == 1 && f.midJudge != nil {
			select {
			case <-f.midJudge:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
	}
	f.ran.Add(1)
	return res, nil
}

var _ io.Reader = (*stdinPipe)(nil)
