package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/coderacer/coderacer/internal/langs"
)

// probeScript is a fake machine whose version probes the test holds:
// runtime NAME's version command is /w/v-NAME; a probe of a name in hold
// blocks until its channel is closed, one in fail fails.
type probeScript struct {
	mu     sync.Mutex
	order  []string // the probes, as they started
	hold   map[string]chan struct{}
	fail   map[string]bool
	starts chan string // every probe's name as it starts
}

func newProbeScript(hold ...string) *probeScript {
	s := &probeScript{hold: map[string]chan struct{}{}, fail: map[string]bool{}, starts: make(chan string, 100)}
	for _, n := range hold {
		s.hold[n] = make(chan struct{})
	}
	return s
}

func (s *probeScript) hook(ctx context.Context, b *fakeBox, spec RunSpec) (*RunResult, error) {
	name, ok := strings.CutPrefix(spec.Args[0], "/w/v-")
	if !ok {
		return nil, nil
	}
	s.mu.Lock()
	s.order = append(s.order, name)
	hold, fail := s.hold[name], s.fail[name]
	s.mu.Unlock()
	s.starts <- name
	if hold != nil {
		select {
		case <-hold:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if fail {
		return &RunResult{ExitCode: 1}, nil
	}
	return &RunResult{Stdout: []byte("fake 1." + name + "\n")}, nil
}

func (s *probeScript) started() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.order)
}

// probeCatalog has one interpreted runtime per name, in that order.
func probeCatalog(t *testing.T, names ...string) *langs.Catalog {
	t.Helper()
	files := fstest.MapFS{}
	for _, n := range names {
		files[n+".json"] = &fstest.MapFile{Data: fmt.Appendf(nil, `{"language": %q, "extension": "i", "entrypoint": "main.i",
			"version": {"command": ["/w/v-%s"], "pattern": "fake ([0-9a-z.]+)"}, "run": ["/w/interp", "{entrypoint}"]}`, n, n)}
	}
	c, err := langs.Load(files)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// startProbing is NewLocal over pool and the runtimes names, which it
// returns at once, its probes running.
func startProbing(t *testing.T, ctx context.Context, pool *fakePool, s *probeScript, names ...string) *Local {
	t.Helper()
	pool.hook = s.hook
	e, err := NewLocal(ctx, Config{
		Pool: pool, Catalog: probeCatalog(t, names...), Run: DefaultRunPolicy(), Compile: DefaultCompilePolicy(),
		QueueSize: 10, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func job(lang string) Job {
	return Job{Language: lang, Files: []File{{Name: "main.i", Content: []byte("x")}}}
}

// TestProbesAfterStart: NewLocal returns while the probes run; a job
// waits for its own runtime's probe only, which goes before the others;
// Runtimes waits for them all and lists each with its probe's version.
func TestProbesAfterStart(t *testing.T) {
	s := newProbeScript("a")
	e := startProbing(t, t.Context(), newFakePool(1), s, "a", "b", "c", "d", "e")
	if got := <-s.starts; got != "a" {
		t.Fatalf("first probe %q, want a", got)
	}
	if !e.Ready() {
		t.Error("not ready while probing: health would not answer 200")
	}
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	if err := e.WaitRuntimes(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("WaitRuntimes while a probe is held: %v", err)
	}

	type answer struct {
		res *Result
		err error
	}
	done := make(chan answer, 1)
	go func() {
		res, err := e.Execute(t.Context(), job("e"))
		done <- answer{res, err}
	}()
	// The job marks e's probe wanted; wait for that before releasing a.
	waitFor(t, "e's probe wanted", func() bool {
		e.det.mu.Lock()
		defer e.det.mu.Unlock()
		return e.det.pending[e.cfg.Catalog.All()[4]].wanted
	})
	close(s.hold["a"])
	a := <-done
	if a.err != nil || a.res.Version != "1.e" || string(a.res.Run.Stdout) != "main.i" {
		t.Fatalf("job of e: %+v, %v", a.res, a.err)
	}
	var listed []string
	for _, rt := range e.Runtimes() {
		listed = append(listed, rt.Language+" "+rt.Version)
	}
	expect(t, "listed", listed, "a 1.a", "b 1.b", "c 1.c", "d 1.d", "e 1.e")
	expect(t, "probe order", s.started(), "a", "e", "b", "c", "d")
	if err := e.WaitRuntimes(t.Context()); err != nil {
		t.Error(err)
	}
	e.Wait()
}

// TestProbeFailureHidesRuntime: a runtime whose probe fails is not
// listed, and its job, which waited for the probe, is not found.
func TestProbeFailureHidesRuntime(t *testing.T) {
	s := newProbeScript("b")
	s.fail["b"] = true
	e := startProbing(t, t.Context(), newFakePool(1), s, "a", "b")
	done := make(chan error, 1)
	go func() {
		_, err := e.Execute(t.Context(), job("b"))
		done <- err
	}()
	waitFor(t, "b's probe started", func() bool { return slices.Contains(s.started(), "b") })
	close(s.hold["b"])
	var nf *RuntimeNotFoundError
	if err := <-done; !errors.As(err, &nf) {
		t.Fatalf("job of a runtime whose probe failed: %v", err)
	}
	var listed []string
	for _, rt := range e.Runtimes() {
		listed = append(listed, rt.Language)
	}
	expect(t, "listed", listed, "a")
	if _, err := e.Execute(t.Context(), job("nosuch")); !errors.As(err, &nf) {
		t.Errorf("unknown language: %v", err)
	}
	e.Wait()
}

// TestProbesEndWithContext: the server stopping while probes run ends
// them; the list then has the runtimes known, and Wait returns.
func TestProbesEndWithContext(t *testing.T) {
	s := newProbeScript("b")
	ctx, cancel := context.WithCancel(t.Context())
	e := startProbing(t, ctx, newFakePool(1), s, "a", "b", "c")
	waitFor(t, "b's probe started", func() bool { return slices.Contains(s.started(), "b") })
	cancel()
	var listed []string
	for _, rt := range e.Runtimes() {
		listed = append(listed, rt.Language)
	}
	expect(t, "listed", listed, "a")
	e.Wait()
}

// TestBoxShareJobsFirst: while a job waits, no second probe takes a box;
// the job gets the first box a probe frees; the probes go on one at a
// time while jobs wait.
func TestBoxShareJobsFirst(t *testing.T) {
	pool := newFakePool(2)
	share := newBoxShare(pool)
	ctx := t.Context()
	p1, err := share.acquireProbe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	p2, err := share.acquireProbe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	jobBox := make(chan Box, 1)
	go func() {
		b, err := share.Acquire(ctx)
		if err != nil {
			t.Error(err)
		}
		jobBox <- b
	}()
	waitFor(t, "the job waiting", func() bool { share.mu.Lock(); defer share.mu.Unlock(); return share.jobs == 1 })
	probe3 := make(chan Box, 1)
	go func() {
		b, err := share.acquireProbe(ctx)
		if err != nil {
			t.Error(err)
		}
		probe3 <- b
	}()
	// A third probe may not even queue for a box while the job waits and
	// two probes hold theirs.
	time.Sleep(20 * time.Millisecond)
	share.mu.Lock()
	probes := share.probes
	share.mu.Unlock()
	if probes != 2 {
		t.Fatalf("%d probes hold or wait for a box, want 2", probes)
	}
	share.releaseProbe(p1)
	j := <-jobBox // the box p1 freed
	// One probe (p2) still holds a box: probe 3 waits, the job's turn
	// came; once p2 ends, probe 3 goes, though a job may wait again.
	share.releaseProbe(p2)
	p3 := <-probe3
	share.releaseProbe(p3)
	j.Release()
	share.stop()
	b, err := share.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	b.Release()
	if share.jobs != 0 || share.probes != 0 || len(pool.slots) != 2 {
		t.Errorf("after: %d jobs, %d probes counted, %d boxes free", share.jobs, share.probes, len(pool.slots))
	}
}

// TestBoxShareProbeGoesWhileJobsWait: with one box, jobs waiting and no
// probe running, a probe still takes its turn.
func TestBoxShareProbeGoesWhileJobsWait(t *testing.T) {
	pool := newFakePool(1)
	share := newBoxShare(pool)
	ctx := t.Context()
	held, err := share.Acquire(ctx) // a job runs
	if err != nil {
		t.Fatal(err)
	}
	waiting := make(chan Box, 1)
	go func() {
		b, _ := share.Acquire(ctx) // another job waits
		waiting <- b
	}()
	waitFor(t, "the job waiting", func() bool { share.mu.Lock(); defer share.mu.Unlock(); return share.jobs == 1 })
	probe := make(chan Box, 1)
	go func() {
		b, _ := share.acquireProbe(ctx)
		probe <- b
	}()
	waitFor(t, "the probe queued for a box", func() bool { share.mu.Lock(); defer share.mu.Unlock(); return share.probes == 1 })
	held.Release()
	(<-waiting).Release() // the job that waited first goes first
	share.releaseProbe(<-probe)
}

// waitFor polls cond for up to 5 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}
