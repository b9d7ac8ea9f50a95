package engine

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"maps"
	"strings"
	"sync"
	"syscall"
	"testing"
	"testing/fstest"
	"time"

	"github.com/coderacer/coderacer/internal/judge"
	"github.com/coderacer/coderacer/internal/langs"
)

// The judge's fake programs, on top of fake_test.go's script. A compiled
// submission (language comp) does what its stdin says:
//
//	echo X    prints X
//	tle, mle, ole, crash, sig, boxfail: ends by that limit, exit 1, SIGSEGV, or the sandbox fails
//
// A compiled checker (comp; source "checker") reads output.txt and
// answer.txt: equal is AC; an answer "pe" is PE, "partial" exits 7 with
// "points 0.5 half", "crash" is killed by SIGSEGV, "tle" hits its CPU
// limit; anything else is WA.
//
// Interactively, the submission reads a line from the interactor and
// writes it back, unless its source is "mute" (it exits 0 at once); then
// it exits 1 if its source is "crashy", else 0. The
// interactor ("inter.i", interpreted) writes input.txt, reads a line,
// writes tout.txt, and exits 0 when the line equals answer.txt, else 1.
func judgeHook(ctx context.Context, b *fakeBox, spec RunSpec) (*RunResult, error) {
	switch {
	case spec.Args[0] == "/w/a.out" && string(b.files["a.out"].Content) == "binary of checker":
		return fakeChecker(b), nil
	case spec.Args[0] == "/w/a.out" && spec.StdinFile != nil:
		return fakeInteractiveSubmission(b, spec), nil
	case spec.Args[0] == "/w/a.out":
		return fakeSubmission(b, spec)
	case spec.Args[0] == "/w/interp" && spec.Args[1] == "inter.i":
		return fakeInteractor(b, spec), nil
	case spec.Args[0] == "/w/jc": // a compiler that leaves two files
		b.files["Main.class"] = BoxFile{Name: "Main.class", Content: []byte("main")}
		b.files["pkg/A.class"] = BoxFile{Name: "pkg/A.class", Content: []byte("a")}
		return &RunResult{}, nil
	case spec.Args[0] == "/w/jrun":
		if b.files["Main.class"].Name == "" || b.files["pkg/A.class"].Name == "" {
			return &RunResult{ExitCode: 1, Stderr: []byte("no class")}, nil
		}
		return &RunResult{Stdout: spec.Stdin}, nil
	}
	return nil, nil
}

func fakeSubmission(b *fakeBox, spec RunSpec) (*RunResult, error) {
	in := string(spec.Stdin)
	r := &RunResult{WallTime: time.Millisecond, CPUTime: time.Millisecond, Memory: 1 << 20}
	switch {
	case strings.HasPrefix(in, "echo "):
		r.Stdout = []byte(strings.TrimPrefix(in, "echo "))
	case in == "tle":
		r.Limit, r.Signal, r.CPUTime = LimitCPUTime, syscall.SIGKILL, spec.Limits.CPUTime
	case in == "mle":
		r.Limit, r.Signal, r.Memory = LimitMemory, syscall.SIGKILL, spec.Limits.Memory
	case in == "ole":
		r.Limit, r.StdoutTruncated = LimitOutput, true
	case in == "crash":
		r.ExitCode, r.Stderr = 1, []byte("boom")
	case in == "sig":
		r.Signal = syscall.SIGSEGV
	case in == "boxfail":
		return nil, io.ErrUnexpectedEOF
	}
	return r, nil
}

func fakeChecker(b *fakeBox) *RunResult {
	out, ans := string(b.files["output.txt"].Content), string(b.files["answer.txt"].Content)
	r := &RunResult{CPUTime: time.Millisecond}
	switch {
	case ans == "crash":
		r.Signal = syscall.SIGSEGV
	case ans == "tle":
		r.Limit, r.Signal = LimitCPUTime, syscall.SIGKILL
	case out == ans:
	case ans == "pe":
		r.ExitCode, r.Stderr = 2, []byte("spaces")
	case ans == "partial":
		r.ExitCode, r.Stderr = 7, []byte("points 0.5 half")
	default:
		r.ExitCode, r.Stderr = 1, []byte("wrong")
	}
	return r
}

func fakeInteractiveSubmission(b *fakeBox, spec RunSpec) *RunResult {
	if strings.Contains(string(b.files["a.out"].Content), "mute") {
		return &RunResult{} // ends at once, and well: the interactor decides
	}
	line, _ := bufio.NewReader(spec.StdinFile).ReadString('\n')
	spec.StdoutFile.Write([]byte(line))
	if strings.Contains(string(b.files["a.out"].Content), "crashy") {
		return &RunResult{ExitCode: 1, CPUTime: time.Millisecond}
	}
	return &RunResult{CPUTime: time.Millisecond}
}

func fakeInteractor(b *fakeBox, spec RunSpec) *RunResult {
	spec.StdoutFile.Write(append(b.files["input.txt"].Content, '\n'))
	line, err := bufio.NewReader(spec.StdinFile).ReadString('\n')
	b.files["tout.txt"] = BoxFile{Name: "tout.txt", Content: []byte(line)}
	if err != nil {
		return &RunResult{ExitCode: 2, Stderr: []byte("unexpected EOF")}
	}
	if strings.TrimSpace(line) != string(b.files["answer.txt"].Content) {
		return &RunResult{ExitCode: 1, Stderr: []byte("guessed wrong")}
	}
	return &RunResult{CPUTime: time.Millisecond}
}

// newJudgeEngine is newFakeEngine with the judge's hook and one more
// runtime, "jvm", whose compiler leaves several files and no artifact.
func newJudgeEngine(t testing.TB, pool *fakePool) *Local {
	t.Helper()
	fsys := fstest.MapFS{}
	maps.Copy(fsys, fakeRuntimes)
	fsys["jvm.json"] = &fstest.MapFile{Data: []byte(`{"language": "jvm", "extension": "j", "entrypoint": "Main.j",
		"version": {"command": ["/w/version"], "pattern": "fake ([0-9.]+)"},
		"compile": ["/w/jc", "{sources}"], "run": ["/w/jrun"]}`)}
	catalog, err := langs.Load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	e, err := NewLocal(context.Background(), Config{
		Pool: pool, Catalog: catalog, Run: DefaultRunPolicy(), Compile: DefaultCompilePolicy(),
		QueueSize: 100, Cache: NewCompileCache(1 << 20),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	e.Runtimes() // the probes have ended
	pool.mu.Lock()
	pool.boxes, pool.released = nil, 0
	pool.mu.Unlock()
	pool.hook = judgeHook
	return e
}

// echoTests are n tests that each print their number and expect it.
func echoTests(n int) []Test {
	tests := make([]Test, n)
	for i := range tests {
		s := string(rune('a' + i%26))
		tests[i] = Test{Name: s, Stdin: []byte("echo " + s), ExpectedOutput: []byte(s + "\n"), Points: 1}
	}
	return tests
}

func compJudge(src string, tests []Test) JudgeJob {
	return JudgeJob{Job: compJob(src), Tests: tests, Compare: judge.DefaultCompare(), OutputPreviewBytes: 4096}
}

// runJudge judges job and waits until every box is back.
func runJudge(t *testing.T, e *Local, ctx context.Context, job JudgeJob) (*JudgeResult, error) {
	t.Helper()
	defer e.Wait()
	return e.Judge(ctx, job)
}

// fakeLender lends up to n slots at once and counts the most lent.
type fakeLender struct {
	mu         sync.Mutex
	n, out     int
	most, lent int
}

func (l *fakeLender) TryBorrow() (func(), bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.out >= l.n {
		return nil, false
	}
	l.out++
	l.lent++
	l.most = max(l.most, l.out)
	var once sync.Once
	return func() {
		once.Do(func() {
			l.mu.Lock()
			l.out--
			l.mu.Unlock()
		})
	}, true
}
