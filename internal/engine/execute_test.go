package engine

import (
	"context"
	"errors"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

func interpJob() Job {
	return Job{Language: "i", Files: []File{{Name: "main.i", Content: []byte("print")}, {Name: "lib/x.i"}},
		Stdin: []byte("in "), Args: []string{"a", "b"}}
}

func TestNewLocalDetectsRuntimes(t *testing.T) {
	e := newFakeEngine(t, newFakePool(2), 0)
	var got []string
	for _, rt := range e.Runtimes() {
		got = append(got, rt.Language+" "+rt.Version)
	}
	if want := []string{"comp 1.2.3", "interp 1.2.3"}; !slices.Equal(got, want) {
		t.Errorf("runtimes %q, want %q (broken's version command fails)", got, want)
	}
	_, err := execute(t, e, Job{Language: "broken", Files: []File{{Name: "main.b"}}})
	var nf *RuntimeNotFoundError
	if !errors.As(err, &nf) || nf.Language != "broken" {
		t.Errorf("a runtime that is not available: %v", err)
	}
}

func TestExecuteInterpreted(t *testing.T) {
	pool := newFakePool(1)
	e := newFakeEngine(t, pool, 0)
	res, err := execute(t, e, interpJob())
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != StatusOK || res.Compile != nil || string(res.Run.Stdout) != "in main.i a b" || res.Language != "interp" || res.Version != "1.2.3" {
		t.Fatalf("result %+v, run %+v", res, res.Run)
	}
	box := pool.last(t)
	if len(box.files) != 2 || box.files["lib/x.i"].Name != "lib/x.i" || box.files["main.i"].Executable {
		t.Errorf("files written %+v", box.files)
	}
	run := box.runs[0]
	if !slices.Equal(run.Args, []string{"/w/interp", "main.i", "a", "b"}) || !slices.Contains(run.Env, "PATH=/usr/bin:/bin") {
		t.Errorf("run spec %+v", run)
	}
	// The runtime's override of memory is used; its processes, above
	// the maximum, are capped.
	want := DefaultRunPolicy().Default
	want.Memory, want.Processes = 1<<30, DefaultRunPolicy().Max.Processes
	if run.Limits != want {
		t.Errorf("run limits %+v, want %+v", run.Limits, want)
	}
	e.Wait()
	if pool.released != 1 || len(pool.slots) != 1 || e.Stats().InFlight != 0 {
		t.Errorf("after Wait: %d released, %d free, %d in flight", pool.released, len(pool.slots), e.Stats().InFlight)
	}
}

func compJob(src string) Job {
	return Job{Language: "comp", Files: []File{{Name: "main.c", Content: []byte(src)}}}
}

func TestExecuteCompiledAndCached(t *testing.T) {
	pool := newFakePool(1)
	e := newFakeEngine(t, pool, 0)
	res, err := execute(t, e, compJob("int main"))
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != StatusOK || res.Compile == nil || res.Compile.Cached || string(res.Run.Stdout) != "ran binary of int main" {
		t.Fatalf("first job: %+v, compile %+v, run %+v", res, res.Compile, res.Run)
	}
	if cc := pool.runs("/w/cc"); len(cc) != 1 || !slices.Equal(cc[0].Args, []string{"/w/cc", "main.c"}) || cc[0].Limits != DefaultCompilePolicy().Default {
		t.Errorf("compile runs %+v", cc)
	}

	// The same job again: the artifact comes from the cache, executable,
	// and the compiler does not run.
	res, err = execute(t, e, compJob("int main"))
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != StatusOK || !res.Compile.Cached || res.Compile.Status != StatusOK || string(res.Run.Stdout) != "ran binary of int main" {
		t.Fatalf("cached job: %+v, compile %+v, run %+v", res, res.Compile, res.Run)
	}
	if n := len(pool.runs("/w/cc")); n != 1 {
		t.Errorf("the compiler ran %d times, want once", n)
	}
	if hits, misses, size := e.cfg.Cache.Stats(); hits != 1 || misses != 1 || size != int64(len("binary of int main")) {
		t.Errorf("cache stats %d %d %d", hits, misses, size)
	}

	// Other limits, other key.
	job := compJob("int main")
	job.CompileLimits.Memory = 100 << 20
	if _, err := execute(t, e, job); err != nil {
		t.Fatal(err)
	}
	if n := len(pool.runs("/w/cc")); n != 2 {
		t.Errorf("a compile with other limits was served from the cache (%d compiles)", n)
	}
}

// A job with network neither takes from the cache nor adds to it.
func TestExecuteNetworkBypassesCache(t *testing.T) {
	pool := newFakePool(1)
	pool.network = true
	e := newFakeEngine(t, pool, 0)
	for _, network := range []bool{false, true, true} {
		job := compJob("int main")
		job.Network = network
		res, err := execute(t, e, job)
		if err != nil || res.Status != StatusOK || res.Compile.Cached {
			t.Fatalf("network %v: %v %+v", network, err, res)
		}
		if box := pool.last(t); box.network != network {
			t.Errorf("network %v: got a box with network %v", network, box.network)
		}
	}
	if hits, _, _ := e.cfg.Cache.Stats(); hits != 0 || len(pool.runs("/w/cc")) != 3 {
		t.Errorf("%d hits, %d compiles", hits, len(pool.runs("/w/cc")))
	}
}

func TestExecuteCompileFails(t *testing.T) {
	pool := newFakePool(1)
	e := newFakeEngine(t, pool, 0)
	res, err := execute(t, e, compJob("bad"))
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != StatusCompileError || res.Compile.Status != StatusCompileError || res.Run != nil || string(res.Compile.Stderr) != "main.c: error\n" {
		t.Fatalf("result %+v, compile %+v", res, res.Compile)
	}

	// A limit that ends the compiler keeps its verdict; the job is CE.
	pool.hook = func(_ context.Context, _ *fakeBox, spec RunSpec) (*RunResult, error) {
		return &RunResult{Limit: LimitCPUTime, Signal: syscall.SIGKILL, ExitCode: 137}, nil
	}
	res, err = execute(t, e, compJob("slow"))
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != StatusCompileError || res.Compile.Status != StatusTimeLimitExceeded || res.Run != nil {
		t.Fatalf("result %+v, compile %+v", res, res.Compile)
	}
	if _, _, size := e.cfg.Cache.Stats(); size != 0 {
		t.Error("a failed compile was cached")
	}
}

func TestExecuteInternalErrors(t *testing.T) {
	pool := newFakePool(1)
	e := newFakeEngine(t, pool, 0)
	pool.hook = func(_ context.Context, _ *fakeBox, spec RunSpec) (*RunResult, error) {
		return nil, errors.New("cgroup read failed")
	}
	for _, job := range []Job{interpJob(), compJob("x")} {
		res, err := execute(t, e, job)
		if err != nil {
			t.Fatal(err)
		}
		st := res.Run
		if job.Language == "comp" {
			st = res.Compile
		}
		if res.Status != StatusInternalError || st.Status != StatusInternalError || st.Message != "the sandbox failed to run the program" {
			t.Errorf("%s: %+v, stage %+v", job.Language, res, st)
		}
	}
	pool.hook = nil
	pool.writeErr = errors.New("disk full")
	res, err := execute(t, e, interpJob())
	if err != nil || res.Status != StatusInternalError || res.Run.Message != "the engine could not write the files into the sandbox" {
		t.Errorf("write failure: %v %+v", err, res)
	}
	e.Wait()
	if pool.released != 3 {
		t.Errorf("%d boxes released, want 3", pool.released)
	}
}

func TestExecuteRefusals(t *testing.T) {
	pool := newFakePool(1)
	e := newFakeEngine(t, pool, 0)
	over := interpJob()
	over.RunLimits.Memory = 3 << 30
	var le *LimitError
	if _, err := execute(t, e, over); !errors.As(err, &le) || le.Stage != StageRun || le.Limit != LimitMemory || le.Max != 2<<30 {
		t.Errorf("memory over the maximum: %v", err)
	}
	over = compJob("x")
	over.CompileLimits.CPUTime = -time.Second
	if _, err := execute(t, e, over); !errors.As(err, &le) || le.Stage != StageCompile || le.Limit != LimitCPUTime {
		t.Errorf("negative CPU time: %v", err)
	}
	var fe *FileError
	if _, err := execute(t, e, Job{Language: "i", Files: []File{{Name: "../x"}}}); !errors.As(err, &fe) {
		t.Errorf("bad file name: %v", err)
	}
	net := interpJob()
	net.Network = true
	if _, err := execute(t, e, net); !errors.Is(err, ErrNetworkDisabled) {
		t.Errorf("network on a pool without it: %v", err)
	}
	pool.mu.Lock()
	pool.closed = true
	pool.mu.Unlock()
	if _, err := execute(t, e, interpJob()); !errors.Is(err, ErrQueueFull) {
		t.Errorf("closed pool: %v", err)
	}
	if len(pool.boxes) != 0 || e.Stats().InFlight != 0 {
		t.Errorf("refused jobs took boxes (%d) or slots (%d)", len(pool.boxes), e.Stats().InFlight)
	}
}

// One slot and a queue of one: a third job is refused while the first
// runs and the second waits; a waiting job leaves when its context ends.
func TestExecuteQueue(t *testing.T) {
	pool := newFakePool(1)
	e := newFakeEngine(t, pool, 1)
	running, proceed := make(chan struct{}), make(chan struct{})
	pool.hook = func(ctx context.Context, _ *fakeBox, spec RunSpec) (*RunResult, error) {
		if spec.Args[1] == "main.i" && string(spec.Stdin) == "hold" {
			close(running)
			<-proceed
		}
		return nil, nil
	}
	first := interpJob()
	first.Stdin = []byte("hold")
	done := make(chan error)
	go func() {
		_, err := e.Execute(context.Background(), first)
		done <- err
	}()
	<-running
	ctx, cancel := context.WithCancel(t.Context())
	waiting := make(chan error)
	go func() {
		_, err := e.Execute(ctx, interpJob())
		waiting <- err
	}()
	for e.Stats().InFlight != 2 {
		time.Sleep(time.Millisecond)
	}
	if _, err := e.Execute(t.Context(), interpJob()); !errors.Is(err, ErrQueueFull) {
		t.Errorf("third job: %v, want ErrQueueFull", err)
	}
	cancel()
	if err := <-waiting; !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled waiting job: %v", err)
	}
	close(proceed)
	if err := <-done; err != nil {
		t.Error(err)
	}
	e.Wait()
	if n := e.Stats().InFlight; n != 0 {
		t.Errorf("%d in flight after every job", n)
	}
}

// A job whose context ends while it runs gets the context's error.
func TestExecuteCancelled(t *testing.T) {
	pool := newFakePool(1)
	e := newFakeEngine(t, pool, 0)
	ctx, cancel := context.WithCancel(t.Context())
	pool.hook = func(context.Context, *fakeBox, RunSpec) (*RunResult, error) {
		cancel()
		return nil, context.Canceled
	}
	if res, err := e.Execute(ctx, interpJob()); !errors.Is(err, context.Canceled) || res != nil {
		t.Errorf("got %+v, %v", res, err)
	}
	e.Wait()
	if pool.released != 1 {
		t.Error("the box of a cancelled job was not released")
	}
}

// A streamed job: every stage start, output chunk and exit, in order;
// stdin comes from the stream, and signals reach the run stage only.
func TestExecuteStreaming(t *testing.T) {
	pool := newFakePool(1)
	e := newFakeEngine(t, pool, 0)
	signals := make(chan syscall.Signal)
	var events []string
	stream := &Stream{
		Stdin:   strings.NewReader("typed "),
		Signals: signals,
		Event: func(ev Event) {
			s := ev.Stage
			switch ev.Kind {
			case EventStage:
				s += " start"
			case EventOutput:
				s += " " + ev.Stream + " " + string(ev.Data)
			case EventExit:
				s += " exit " + string(ev.Result.Status)
			}
			events = append(events, s)
		},
	}
	job := interpJob()
	job.Stdin, job.Stream = nil, stream
	if _, err := execute(t, e, job); err != nil {
		t.Fatal(err)
	}
	want := []string{"run start", "run stdout typed main.i a b", "run exit OK"}
	if !slices.Equal(events, want) {
		t.Errorf("events %q, want %q", events, want)
	}

	// Compiled: the compile stage's events come first, its output too;
	// a cached compile has a start and an exit.
	for _, cached := range []bool{false, true} {
		events = nil
		job := compJob("int main")
		job.Stream = stream
		res, err := execute(t, e, job)
		if err != nil || res.Compile.Cached != cached {
			t.Fatalf("cached %v: %v %+v", cached, err, res)
		}
		want := []string{"compile start", "compile exit OK", "run start", "run stdout ran binary of int main", "run exit OK"}
		if !slices.Equal(events, want) {
			t.Errorf("cached %v: events %q, want %q", cached, events, want)
		}
	}
	cc := pool.runs("/w/cc")
	if len(cc) != 1 || cc[0].Signals != nil || cc[0].StdinReader != nil {
		t.Errorf("the compile stage got the stream's stdin or signals: %+v", cc)
	}
	if run := pool.runs("/w/a.out"); run[0].Signals == nil {
		t.Error("the run stage did not get the signals")
	}
}
