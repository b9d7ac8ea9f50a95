package cluster

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/coderacer/coderacer/internal/engine"
)

func job(lang, stdin string) engine.Job {
	return engine.Job{Language: lang, Files: []engine.File{{Name: "main", Content: []byte("x")}}, Stdin: []byte(stdin)}
}

func stdout(t *testing.T, res *engine.Result, err error) string {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	return string(res.Run.Stdout)
}

func TestExecuteOneWorker(t *testing.T) {
	url := startNATS(t)
	startWorker(t, url, workerConfig("w1", newFake("w1", "python"), 2))
	c := newClient(t, url)
	waitWorkers(t, c, "w1")
	if !c.Ready() {
		t.Fatal("not ready with a live worker")
	}
	start := time.Now()
	res, err := c.Execute(context.Background(), job("PYTHON", "hello"))
	if got := stdout(t, res, err); got != "w1:hello" {
		t.Fatalf("stdout %q", got)
	}
	t.Logf("one job through the cluster: %v", time.Since(start))
	start = time.Now()
	for i := range 20 {
		if _, err := c.Execute(context.Background(), job("python-alias", fmt.Sprint(i))); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("20 jobs one after another: %v each", time.Since(start)/20)
}

func TestRoutingByRuntime(t *testing.T) {
	url := startNATS(t)
	a := startWorker(t, url, workerConfig("wa", newFake("wa", "python"), 2))
	b := startWorker(t, url, workerConfig("wb", newFake("wb", "c++", "go"), 2))
	c := newClient(t, url)
	waitWorkers(t, c, "wa", "wb")
	var langs []string
	for _, rt := range c.Runtimes() {
		langs = append(langs, rt.Language)
	}
	if fmt.Sprint(langs) != "[c++ go python]" {
		t.Fatalf("runtimes %v", langs)
	}
	for i := range 6 {
		for lang, who := range map[string]string{"python": "wa", "C++": "wb", "go-alias": "wb"} {
			res, err := c.Execute(context.Background(), job(lang, fmt.Sprint(i)))
			if got, want := stdout(t, res, err), who+":"+fmt.Sprint(i); got != want {
				t.Fatalf("%s: stdout %q, want %q", lang, got, want)
			}
		}
	}
	if a.exec.ran.Load() != 6 || b.exec.ran.Load() != 12 {
		t.Fatalf("ran %d and %d jobs, want 6 and 12", a.exec.ran.Load(), b.exec.ran.Load())
	}
}

func TestNoWorker(t *testing.T) {
	url := startNATS(t)
	c := newClient(t, url)
	var nf *engine.RuntimeNotFoundError
	if _, err := c.Execute(context.Background(), job("python", "")); !errors.As(err, &nf) || nf.Language != "python" {
		t.Fatalf("no worker: %v", err)
	}
	if c.Ready() {
		t.Fatal("ready without a worker")
	}
	startWorker(t, url, workerConfig("w1", newFake("w1", "python"), 1))
	waitWorkers(t, c, "w1")
	if _, err := c.Execute(context.Background(), job("ruby", "")); !errors.As(err, &nf) || nf.Language != "ruby" {
		t.Fatalf("unknown runtime: %v", err)
	}
}

func TestLoadSpreads(t *testing.T) {
	url := startNATS(t)
	const slots, jobs, delay = 3, 12, 300 * time.Millisecond
	fa, fb := newFake("wa", "python"), newFake("wb", "python")
	fa.delay, fb.delay = delay, delay
	startWorker(t, url, workerConfig("wa", fa, slots))
	startWorker(t, url, workerConfig("wb", fb, slots))
	c := newClient(t, url)
	waitWorkers(t, c, "wa", "wb")
	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, jobs)
	for i := range jobs {
		wg.Go(func() {
			_, err := c.Execute(context.Background(), job("python", fmt.Sprint(i)))
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	took := time.Since(start)
	t.Logf("%d jobs of %v on 2 workers of %d slots: %v; ran %d and %d, peaks %d and %d",
		jobs, delay, slots, took, fa.ran.Load(), fb.ran.Load(), fa.peak.Load(), fb.peak.Load())
	if fa.peak.Load() != slots || fb.peak.Load() != slots {
		t.Fatalf("peaks %d and %d, want both %d (slots)", fa.peak.Load(), fb.peak.Load(), slots)
	}
	if fa.ran.Load()+fb.ran.Load() != jobs {
		t.Fatalf("ran %d jobs, want %d", fa.ran.Load()+fb.ran.Load(), jobs)
	}
	// 12 jobs on 6 slots: two rounds, not three (a worker that took
	// more jobs than it has slots) or four (one worker).
	if took >= 3*delay {
		t.Fatalf("took %v, want about %v", took, 2*delay)
	}
}

func TestTypedErrors(t *testing.T) {
	url := startNATS(t)
	f := newFake("w1", "python")
	startWorker(t, url, workerConfig("w1", f, 1))
	c := newClient(t, url)
	waitWorkers(t, c, "w1")
	for _, want := range sampleErrors() {
		f.err = want
		_, err := c.Execute(context.Background(), job("python", ""))
		checkSameError(t, err, want)
	}
}

func TestCancel(t *testing.T) {
	url := startNATS(t)
	f := newFake("w1", "python")
	f.block = make(chan struct{})
	startWorker(t, url, workerConfig("w1", f, 1))
	c := newClient(t, url)
	waitWorkers(t, c, "w1")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := c.Execute(ctx, job("python", "slow"))
		done <- err
	}()
	<-f.started
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Execute: %v, want context.Canceled", err)
	}
	select {
	case err := <-f.ctxErr:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("the job's ctx: %v", err)
		}
	case <-time.After(10 * time.Second): // generous: a loaded 2-core machine
		t.Fatal("the worker's job was not cancelled")
	}
	// The worker is free again, and takes the next job.
	f.unblock()
	res, err := c.Execute(context.Background(), job("python", "next"))
	if got := stdout(t, res, err); got != "w1:next" {
		t.Fatalf("stdout %q", got)
	}
}

func TestNoAnswer(t *testing.T) {
	url := startNATS(t)
	f := newFake("w1", "python")
	f.block = make(chan struct{})
	startWorker(t, url, workerConfig("w1", f, 1))
	c, err := NewClient(context.Background(), connect(t, url), ClientConfig{Logger: quiet(), Margin: 500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	waitWorkers(t, c, "w1")
	j := job("python", "")
	j.RunLimits.WallTime = 200 * time.Millisecond
	j.CompileLimits.WallTime = 100 * time.Millisecond
	start := time.Now()
	_, err = c.Execute(context.Background(), j)
	if !errors.Is(err, ErrNoAnswer) {
		t.Fatalf("Execute: %v, want ErrNoAnswer", err)
	}
	if took := time.Since(start); took < 800*time.Millisecond || took > 2*time.Second {
		t.Fatalf("gave up after %v, want 800ms", took)
	}
	select {
	case <-f.ctxErr:
	case <-time.After(10 * time.Second): // generous: a loaded 2-core machine
		t.Fatal("the worker's job was not cancelled")
	}
}

// Bodies over NATS's max_payload (1 MiB here) go through the blob bucket
// both ways, and are deleted once read.
func TestLargeBodies(t *testing.T) {
	url := startNATS(t)
	startWorker(t, url, workerConfig("w1", newFake("w1", "python"), 1))
	c := newClient(t, url)
	waitWorkers(t, c, "w1")
	big := strings.Repeat("0123456789abcdef", 3<<16) // 3 MiB
	start := time.Now()
	res, err := c.Execute(context.Background(), job("python", big))
	if got := stdout(t, res, err); got != "w1:"+big {
		t.Fatalf("stdout of %d bytes, want %d", len(got), len(big)+3)
	}
	t.Logf("a job of 3 MiB in and out: %v", time.Since(start))
	deadline := time.Now().Add(5 * time.Second)
	for {
		infos, err := c.blobs.store.List(context.Background())
		if errors.Is(err, jetstream.ErrNoObjectsFound) {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d blobs left", len(infos))
		}
		time.Sleep(50 * time.Millisecond)
	}
}
