package engine

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/coderacer/coderacer/internal/judge"
)

func verdicts(res *JudgeResult) []judge.Verdict {
	var v []judge.Verdict
	for _, t := range res.Tests {
		v = append(v, t.Verdict)
	}
	return v
}

func TestJudgeCompilesOnce(t *testing.T) {
	pool := newFakePool(2)
	e := newJudgeEngine(t, pool)
	var seen []int
	job := compJudge("int main", echoTests(5))
	job.OnTest = func(r TestResult) { seen = append(seen, r.Index) }
	res, err := runJudge(t, e, t.Context(), job)
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != judge.Accepted || res.Passed != 5 || res.Total != 5 || res.Score != 5 || res.MaxScore != 5 || res.Compile == nil || res.Compile.Cached {
		t.Fatalf("result %+v", res)
	}
	if n := len(pool.runs("/w/cc")); n != 1 {
		t.Errorf("compiled %d times, want once", n)
	}
	// One box to compile, then a fresh one per test with the artifact.
	if len(pool.boxes) != 6 {
		t.Fatalf("%d boxes, want 6", len(pool.boxes))
	}
	for _, b := range pool.boxes[1:] {
		if a := b.files["a.out"]; !a.Executable || string(a.Content) != "binary of int main" || len(b.runs) != 1 {
			t.Errorf("test box files %v, runs %d", b.files, len(b.runs))
		}
	}
	if !slices.Equal(seen, []int{0, 1, 2, 3, 4}) {
		t.Errorf("OnTest saw %v", seen)
	}
	if res.MaxCPUTime != time.Millisecond || res.MaxMemory != 1<<20 || res.CPUTime != 5*time.Millisecond {
		t.Errorf("aggregates cpu %v mem %d total %v", res.MaxCPUTime, res.MaxMemory, res.CPUTime)
	}

	// Again: the cache serves the artifact, no box to compile.
	res, err = runJudge(t, e, t.Context(), compJudge("int main", echoTests(2)))
	if err != nil || res.Status != judge.Accepted || !res.Compile.Cached || len(pool.runs("/w/cc")) != 1 || len(pool.boxes) != 8 {
		t.Errorf("cached judge: %v %+v, %d boxes", err, res, len(pool.boxes))
	}
	if e.Stats().InFlight != 0 || len(pool.slots) != 2 {
		t.Errorf("left %d in flight, %d free", e.Stats().InFlight, len(pool.slots))
	}
}

// A compiler that leaves several files: each test's box gets them all.
func TestJudgeCompiledFilesWithoutArtifact(t *testing.T) {
	pool := newFakePool(1)
	e := newJudgeEngine(t, pool)
	job := JudgeJob{Job: Job{Language: "jvm", Files: []File{{Name: "Main.j"}}}, Tests: []Test{{Stdin: []byte("x"), ExpectedOutput: []byte("x")}, {Stdin: []byte("y"), ExpectedOutput: []byte("z")}}}
	res, err := runJudge(t, e, t.Context(), job)
	if err != nil {
		t.Fatal(err)
	}
	if got := verdicts(res); !slices.Equal(got, []judge.Verdict{judge.Accepted, judge.WrongAnswer}) {
		t.Errorf("verdicts %v (%+v)", got, res.Tests)
	}
	// Again: the files come from the cache, as one bundle.
	res, err = runJudge(t, e, t.Context(), job)
	if err != nil || !res.Compile.Cached || res.Tests[0].Verdict != judge.Accepted {
		t.Fatalf("cached: %v %+v", err, res)
	}
	if len(pool.runs("/w/jc")) != 1 {
		t.Errorf("compiled %d times", len(pool.runs("/w/jc")))
	}
	if f := pool.last(t).files["pkg/A.class"]; string(f.Content) != "a" {
		t.Errorf("cached files %v", pool.last(t).files)
	}
}

func TestBundle(t *testing.T) {
	files := []BoxFile{{Name: "A.class", Content: []byte("a")}, {Name: "pkg/b", Content: nil, Executable: true}, {Name: "c", Content: make([]byte, 300)}}
	blob := encodeBundle(files)
	got, err := decodeBundle(blob)
	if err != nil || len(got) != 3 || got[0].Name != "A.class" || string(got[0].Content) != "a" || !got[1].Executable || len(got[2].Content) != 300 {
		t.Fatalf("decoded %+v, %v", got, err)
	}
	for n := 1; n < len(blob); n++ {
		if _, err := decodeBundle(blob[:n]); err == nil && n != 11 && n != 19 { // the first file, and the first two, whole
			t.Errorf("a bundle cut at %d decoded", n)
		}
	}
}

func TestJudgeVerdicts(t *testing.T) {
	pool := newFakePool(1)
	e := newJudgeEngine(t, pool)
	tests := []Test{
		{Stdin: []byte("echo 1"), ExpectedOutput: []byte("1"), Points: 2},
		{Stdin: []byte("echo 1"), ExpectedOutput: []byte("2"), Points: 1},
		{Stdin: []byte("tle"), Points: 1},
		{Stdin: []byte("mle")},
		{Stdin: []byte("ole")},
		{Stdin: []byte("crash")},
		{Stdin: []byte("sig")},
		{Stdin: []byte("boxfail")},
	}
	res, err := runJudge(t, e, t.Context(), compJudge("int main", tests))
	if err != nil {
		t.Fatal(err)
	}
	want := []judge.Verdict{judge.Accepted, judge.WrongAnswer, judge.TimeLimitExceeded, judge.MemoryLimitExceeded,
		judge.OutputLimitExceeded, judge.RuntimeError, judge.Signaled, judge.InternalError}
	if got := verdicts(res); !slices.Equal(got, want) {
		t.Errorf("verdicts %v, want %v", got, want)
	}
	if res.Status != judge.WrongAnswer || res.Passed != 1 || res.Score != 2 || res.MaxScore != 4 || res.MaxMemory != DefaultRunPolicy().Default.Memory {
		t.Errorf("result %+v", res)
	}
	if r := res.Tests[5]; r.ExitCode != 1 || string(r.Stderr) != "boom" || r.Index != 5 {
		t.Errorf("crash %+v", r)
	}
	if r := res.Tests[6]; r.Signal != "SIGSEGV" {
		t.Errorf("signal %+v", r)
	}
}

func TestJudgePreview(t *testing.T) {
	e := newJudgeEngine(t, newFakePool(1))
	job := compJudge("x", []Test{{Stdin: []byte("echo 0123456789"), ExpectedOutput: []byte("0123456789")}})
	job.OutputPreviewBytes = 4
	res, err := runJudge(t, e, t.Context(), job)
	if err != nil {
		t.Fatal(err)
	}
	// Judged on the whole output, shown cut.
	if r := res.Tests[0]; r.Verdict != judge.Accepted || string(r.Stdout) != "0123" || !r.StdoutTruncated || cap(r.Stdout) > 8 {
		t.Errorf("preview %+v", r)
	}
}

func TestJudgeTestLimits(t *testing.T) {
	pool := newFakePool(1)
	e := newJudgeEngine(t, pool)
	tests := echoTests(2)
	tests[1].Limits = Limits{CPUTime: 2 * time.Second, Memory: 100 << 20}
	job := compJudge("x", tests)
	job.Job.RunLimits = Limits{CPUTime: time.Second, WallTime: 5 * time.Second}
	if _, err := runJudge(t, e, t.Context(), job); err != nil {
		t.Fatal(err)
	}
	runs := pool.runs("/w/a.out")
	want0 := DefaultRunPolicy().Default
	want0.CPUTime, want0.WallTime = time.Second, 5*time.Second
	want1 := want0
	want1.CPUTime, want1.Memory = 2*time.Second, 100<<20
	if len(runs) != 2 || runs[0].Limits != want0 || runs[1].Limits != want1 {
		t.Errorf("limits %+v", runs)
	}

	// Above the maximum: the error names the test.
	tests[1].Limits.CPUTime = time.Hour
	_, err := runJudge(t, e, t.Context(), compJudge("x", tests))
	var le *LimitError
	if !errors.As(err, &le) || le.Limit != LimitCPUTime || !strings.HasPrefix(err.Error(), "tests[1]: ") {
		t.Errorf("error %v", err)
	}
	// A test file that would replace the compiled program.
	tests[1].Limits = Limits{}
	tests[1].Files = []File{{Name: "a.out"}}
	var fe *FileError
	if _, err := runJudge(t, e, t.Context(), compJudge("x", tests)); !errors.As(err, &fe) {
		t.Errorf("error %v", err)
	}
}

func TestJudgeTestFilesAndArgs(t *testing.T) {
	pool := newFakePool(1)
	e := newJudgeEngine(t, pool)
	job := JudgeJob{Job: interpJob(), Compare: judge.DefaultCompare(), Tests: []Test{
		{Stdin: []byte("1 "), ExpectedOutput: []byte("1 main.i a b")},
		{Stdin: []byte("2 "), Args: []string{"c"}, Files: []File{{Name: "data.txt", Content: []byte("d")}}, ExpectedOutput: []byte("2 main.i c")},
	}}
	res, err := runJudge(t, e, t.Context(), job)
	if err != nil || res.Status != judge.Accepted || res.Compile != nil {
		t.Fatalf("%v %+v", err, res)
	}
	if f := pool.boxes[1].files["data.txt"]; string(f.Content) != "d" || pool.boxes[0].files["data.txt"].Name != "" {
		t.Errorf("test files went astray")
	}
}

func TestJudgeCompileError(t *testing.T) {
	pool := newFakePool(1)
	e := newJudgeEngine(t, pool)
	var calls int
	job := compJudge("bad", echoTests(3))
	job.OnTest = func(TestResult) { calls++ }
	res, err := runJudge(t, e, t.Context(), job)
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != judge.CompileError || res.Compile.Status != StatusCompileError || len(res.Tests) != 0 || res.Total != 3 || calls != 0 || len(pool.boxes) != 1 {
		t.Errorf("result %+v, %d boxes", res, len(pool.boxes))
	}
}

func checkerJob(tests []Test) JudgeJob {
	job := compJudge("int main", tests)
	job.Checker = &Program{Language: "comp", Files: []File{{Name: "main.c", Content: []byte("checker")}}, Protocol: judge.Testlib}
	return job
}

func TestJudgeChecker(t *testing.T) {
	pool := newFakePool(1)
	e := newJudgeEngine(t, pool)
	tests := []Test{
		{Stdin: []byte("echo ok"), ExpectedOutput: []byte("ok"), Points: 1},
		{Stdin: []byte("echo x"), ExpectedOutput: []byte("y"), Points: 1},
		{Stdin: []byte("echo x"), ExpectedOutput: []byte("pe"), Points: 1},
		{Stdin: []byte("echo x"), ExpectedOutput: []byte("partial"), Points: 1},
		{Stdin: []byte("echo x"), ExpectedOutput: []byte("crash"), Points: 1},
		{Stdin: []byte("echo x"), ExpectedOutput: []byte("tle"), Points: 1},
		{Stdin: []byte("crash"), ExpectedOutput: []byte("ok"), Points: 1},
	}
	res, err := runJudge(t, e, t.Context(), checkerJob(tests))
	if err != nil {
		t.Fatal(err)
	}
	// Partial points are WA, with the points.
	want := []judge.Verdict{judge.Accepted, judge.WrongAnswer, judge.PresentationError, judge.WrongAnswer,
		judge.InternalError, judge.InternalError, judge.RuntimeError}
	if got := verdicts(res); !slices.Equal(got, want) {
		t.Errorf("verdicts %v, want %v (%+v)", got, want, res.Tests)
	}
	if res.Score != 1.5 || res.Tests[3].Points != 0.5 || res.Tests[1].CheckerMessage != "wrong" || !strings.Contains(res.Tests[4].Message, "checker") {
		t.Errorf("score %v, tests %+v", res.Score, res.Tests)
	}
	// Each program compiled once; the checker saw the three files as
	// arguments; the crashed submission was not checked.
	if n := len(pool.runs("/w/cc")); n != 2 {
		t.Errorf("%d compiles, want 2", n)
	}
	checks := 0
	for _, b := range pool.boxes {
		if string(b.files["a.out"].Content) == "binary of checker" && b.runs[0].Args[0] == "/w/a.out" {
			checks++
			if !slices.Equal(b.runs[0].Args, []string{"/w/a.out", "input.txt", "output.txt", "answer.txt"}) {
				t.Errorf("checker args %q", b.runs[0].Args)
			}
		}
	}
	if checks != 6 {
		t.Errorf("%d checker runs, want 6", checks)
	}
	if res.CPUTime != 13*time.Millisecond { // 7 submission runs, 6 checker runs
		t.Errorf("CPU %v", res.CPUTime)
	}
}

func TestJudgeCheckerCompileError(t *testing.T) {
	e := newJudgeEngine(t, newFakePool(1))
	job := checkerJob(echoTests(2))
	job.Checker.Files[0].Content = []byte("bad checker")
	res, err := runJudge(t, e, t.Context(), job)
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != judge.InternalError || !slices.Equal(verdicts(res), []judge.Verdict{judge.InternalError, judge.InternalError}) ||
		!strings.Contains(res.Tests[0].Message, "checker did not compile") {
		t.Errorf("result %+v", res)
	}
}

func TestJudgeHelperRefusals(t *testing.T) {
	e := newJudgeEngine(t, newFakePool(1))
	job := checkerJob(echoTests(1))
	job.Checker.Language = "cobol"
	var nf *RuntimeNotFoundError
	if _, err := runJudge(t, e, t.Context(), job); !errors.As(err, &nf) || !strings.HasPrefix(err.Error(), "checker: ") {
		t.Errorf("error %v", err)
	}
	job = checkerJob(echoTests(1))
	job.Checker.Files = []File{{Name: "main.c"}, {Name: "answer.txt"}}
	var fe *FileError
	if _, err := runJudge(t, e, t.Context(), job); !errors.As(err, &fe) {
		t.Errorf("error %v", err)
	}
	job = interactiveJob("x", nil)
	if _, err := runJudge(t, e, t.Context(), job); !errors.Is(err, ErrInteractiveUnavailable) {
		t.Errorf("interactive on one box: %v", err)
	}
}

func interactiveJob(src string, tests []Test) JudgeJob {
	job := compJudge(src, tests)
	job.Interactor = &Program{Language: "interp", Entrypoint: "inter.i", Files: []File{{Name: "inter.i"}}, Protocol: judge.Testlib}
	return job
}

func TestJudgeInteractor(t *testing.T) {
	pool := newFakePool(2)
	e := newJudgeEngine(t, pool)
	tests := []Test{
		{Stdin: []byte("42"), ExpectedOutput: []byte("42"), Points: 1},
		{Stdin: []byte("41"), ExpectedOutput: []byte("42"), Points: 1},
	}
	res, err := runJudge(t, e, t.Context(), interactiveJob("int main", tests))
	if err != nil {
		t.Fatal(err)
	}
	if got := verdicts(res); !slices.Equal(got, []judge.Verdict{judge.Accepted, judge.WrongAnswer}) || res.Score != 1 {
		t.Errorf("verdicts %v, %+v", got, res.Tests)
	}
	inter := pool.runs("/w/interp")
	if len(inter) != 2 || !slices.Equal(inter[0].Args, []string{"/w/interp", "inter.i", "input.txt", "tout.txt", "answer.txt"}) || inter[0].StdinFile == nil || inter[0].StdoutFile == nil {
		t.Errorf("interactor runs %+v", inter)
	}

	// A submission that exits without a word: the interactor reads EOF
	// at once (PE), rather than waiting for a wall limit.
	start := time.Now()
	res, err = runJudge(t, e, t.Context(), interactiveJob("mute", tests[:1]))
	if err != nil || res.Tests[0].Verdict != judge.PresentationError || time.Since(start) > time.Second {
		t.Errorf("mute: %v %+v after %v", err, res, time.Since(start))
	}

	// Accepted by the interactor, but the submission then failed.
	res, err = runJudge(t, e, t.Context(), interactiveJob("crashy", tests[:1]))
	if err != nil || res.Tests[0].Verdict != judge.RuntimeError || res.Tests[0].Points != 0 {
		t.Errorf("crashy: %v %+v", err, res)
	}

	// With a checker, which judges tout.txt.
	job := interactiveJob("int main", []Test{{Stdin: []byte("7"), ExpectedOutput: []byte("7"), Points: 1}})
	job.Checker = &Program{Language: "comp", Files: []File{{Name: "main.c", Content: []byte("checker")}}, Protocol: judge.Testlib}
	res, err = runJudge(t, e, t.Context(), job)
	// The fake checker compares output.txt ("7\n") with answer.txt ("7"): WA proves it read tout.txt.
	if err != nil || res.Tests[0].Verdict != judge.WrongAnswer || res.Tests[0].CheckerMessage != "wrong" {
		t.Errorf("with checker: %v %+v", err, res)
	}
}

func TestJudgeStopOnFirstFailure(t *testing.T) {
	pool := newFakePool(1)
	e := newJudgeEngine(t, pool)
	tests := echoTests(5)
	tests[2].Stdin = []byte("crash")
	job := compJudge("x", tests)
	job.StopOnFirstFailure = true
	var seen []int
	job.OnTest = func(r TestResult) { seen = append(seen, r.Index) }
	res, err := runJudge(t, e, t.Context(), job)
	if err != nil {
		t.Fatal(err)
	}
	want := []judge.Verdict{judge.Accepted, judge.Accepted, judge.RuntimeError, judge.Skipped, judge.Skipped}
	if got := verdicts(res); !slices.Equal(got, want) || res.Status != judge.RuntimeError || res.Passed != 2 {
		t.Errorf("verdicts %v, %+v", got, res)
	}
	if len(pool.runs("/w/a.out")) != 3 || !slices.Equal(seen, []int{0, 1, 2, 3, 4}) {
		t.Errorf("%d runs, OnTest %v", len(pool.runs("/w/a.out")), seen)
	}
}

// With slots lent, tests run at once, and the results stay in test order.
func TestJudgeParallel(t *testing.T) {
	pool := newFakePool(4)
	e := newJudgeEngine(t, pool)
	var mu sync.Mutex
	running, most := 0, 0
	pool.hook = func(ctx context.Context, b *fakeBox, spec RunSpec) (*RunResult, error) {
		if spec.Args[0] == "/w/a.out" {
			mu.Lock()
			running++
			most = max(most, running)
			mu.Unlock()
			// Later tests end sooner.
			time.Sleep(time.Duration(20-len(spec.Stdin)) * time.Millisecond)
			mu.Lock()
			running--
			mu.Unlock()
		}
		return judgeHook(ctx, b, spec)
	}
	lender := &fakeLender{n: 3}
	var seen []int
	job := compJudge("x", echoTests(12))
	job.OnTest = func(r TestResult) { seen = append(seen, r.Index) }
	res, err := runJudge(t, e, WithLender(t.Context(), lender), job)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range res.Tests {
		if r.Index != i || r.Verdict != judge.Accepted {
			t.Errorf("test %d: %+v", i, r)
		}
	}
	if most < 2 || most > 4 || lender.out != 0 || len(seen) != 12 {
		t.Errorf("%d ran at once, %d still lent, OnTest %v", most, lender.out, seen)
	}
}

// Many interactive judges on a pool of two boxes, with slots lent: each
// test needs two boxes at once, and all end.
func TestJudgeInteractiveNoDeadlock(t *testing.T) {
	pool := newFakePool(2)
	e := newJudgeEngine(t, pool)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	errs := make(chan error, 6)
	lenders := make([]*fakeLender, 6)
	for k := range 6 {
		lenders[k] = &fakeLender{n: 2}
		wg.Go(func() {
			tests := make([]Test, 5)
			for i := range tests {
				tests[i] = Test{Stdin: []byte("9"), ExpectedOutput: []byte("9"), Points: 1}
			}
			res, err := e.Judge(WithLender(ctx, lenders[k]), interactiveJob("int main", tests))
			if err == nil && res.Status != judge.Accepted {
				err = errors.New("not accepted: " + string(res.Status))
			}
			errs <- err
		})
	}
	wg.Wait()
	e.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	for _, l := range lenders {
		if l.out != 0 {
			t.Errorf("%d slots not given back", l.out)
		}
	}
}

func TestJudgeCancelled(t *testing.T) {
	pool := newFakePool(1)
	e := newJudgeEngine(t, pool)
	ctx, cancel := context.WithCancel(t.Context())
	pool.hook = func(ctx context.Context, b *fakeBox, spec RunSpec) (*RunResult, error) {
		if spec.Args[0] == "/w/a.out" {
			cancel()
			return &RunResult{}, ctx.Err()
		}
		return judgeHook(ctx, b, spec)
	}
	if _, err := runJudge(t, e, ctx, compJudge("x", echoTests(3))); !errors.Is(err, context.Canceled) {
		t.Errorf("error %v", err)
	}
	if len(pool.slots) != 1 || e.Stats().InFlight != 0 {
		t.Errorf("left %d free, %d in flight", len(pool.slots), e.Stats().InFlight)
	}
}

// The interactor's failure is IE; its rejection outranks the
// submission's crash that followed it (a SIGPIPE, say).
func TestJudgeInteractorOutcomes(t *testing.T) {
	pool := newFakePool(2)
	e := newJudgeEngine(t, pool)
	var inter, sub RunResult
	pool.hook = func(ctx context.Context, b *fakeBox, spec RunSpec) (*RunResult, error) {
		switch spec.Args[0] {
		case "/w/interp":
			r := inter
			return &r, nil
		case "/w/a.out":
			r := sub
			return &r, nil
		}
		return judgeHook(ctx, b, spec)
	}
	for _, c := range []struct {
		inter, sub RunResult
		want       judge.Verdict
	}{
		{RunResult{Limit: LimitWallTime, Signal: syscall.SIGKILL}, RunResult{}, judge.InternalError},
		{RunResult{Signal: syscall.SIGSEGV}, RunResult{}, judge.InternalError},
		{RunResult{ExitCode: 3}, RunResult{}, judge.InternalError},
		{RunResult{ExitCode: 1}, RunResult{Signal: syscall.SIGPIPE}, judge.WrongAnswer},
		{RunResult{}, RunResult{Signal: syscall.SIGSEGV}, judge.Signaled},
		{RunResult{ExitCode: 1}, RunResult{Limit: LimitCPUTime, Signal: syscall.SIGKILL}, judge.TimeLimitExceeded},
		{RunResult{}, RunResult{}, judge.Accepted},
	} {
		inter, sub = c.inter, c.sub
		res, err := runJudge(t, e, t.Context(), interactiveJob("x", []Test{{Points: 1}}))
		if err != nil || res.Tests[0].Verdict != c.want {
			t.Errorf("interactor %+v, submission %+v: %v %+v, want %s", c.inter, c.sub, err, res.Tests, c.want)
		}
	}
}

// Stop on the first failure with slots lent: the status is the first
// failure in test order, and the tests not started by then are skipped.
func TestJudgeStopOnFirstFailureParallel(t *testing.T) {
	pool := newFakePool(3)
	e := newJudgeEngine(t, pool)
	pool.hook = func(ctx context.Context, b *fakeBox, spec RunSpec) (*RunResult, error) {
		if spec.Args[0] == "/w/a.out" && string(spec.Stdin) != "crash" {
			time.Sleep(5 * time.Millisecond)
		}
		return judgeHook(ctx, b, spec)
	}
	tests := echoTests(10)
	tests[3].Stdin = []byte("crash")
	tests[4].Stdin = []byte("sig")
	job := compJudge("x", tests)
	job.StopOnFirstFailure = true
	res, err := runJudge(t, e, WithLender(t.Context(), &fakeLender{n: 2}), job)
	if err != nil {
		t.Fatal(err)
	}
	v := verdicts(res)
	if res.Status != judge.RuntimeError || v[3] != judge.RuntimeError || v[9] != judge.Skipped || !slices.Equal(v[:3], []judge.Verdict{judge.Accepted, judge.Accepted, judge.Accepted}) {
		t.Errorf("status %s, verdicts %v", res.Status, v)
	}
}

// An interactive test on lent slots takes two of them: with three to
// lend, one more test runs beside the judge's own.
func TestJudgeInteractiveBorrowsTwo(t *testing.T) {
	pool := newFakePool(8)
	e := newJudgeEngine(t, pool)
	var mu sync.Mutex
	running, most := 0, 0
	pool.hook = func(ctx context.Context, b *fakeBox, spec RunSpec) (*RunResult, error) {
		if spec.Args[0] == "/w/a.out" {
			mu.Lock()
			running++
			most = max(most, running)
			mu.Unlock()
			defer func() {
				mu.Lock()
				running--
				mu.Unlock()
			}()
			time.Sleep(5 * time.Millisecond)
		}
		return judgeHook(ctx, b, spec)
	}
	tests := make([]Test, 8)
	for i := range tests {
		tests[i] = Test{Stdin: []byte("5"), ExpectedOutput: []byte("5")}
	}
	lender := &fakeLender{n: 3}
	res, err := runJudge(t, e, WithLender(t.Context(), lender), interactiveJob("x", tests))
	if err != nil || res.Status != judge.Accepted {
		t.Fatalf("%v %+v", err, res)
	}
	if most != 2 || lender.out != 0 {
		t.Errorf("%d tests at once, %d slots out; want 2, 0", most, lender.out)
	}
}
