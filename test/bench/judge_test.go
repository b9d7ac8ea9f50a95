package bench

import (
	"fmt"
	"testing"
	"time"
)

// judgeSamples are one judge benchmark's measurements, one of each per
// iteration.
type judgeSamples struct {
	cold        []time.Duration // a new submission, default parallelism: the target's engine side
	coldCompile []time.Duration // its compile.wallTime
	cachedPar   []time.Duration // the same submission every time (a compile cache hit), default parallelism
	cachedSeq   []time.Duration // the same, stopOnFirstFailure: one test at a time
	seqWall     []time.Duration // the sum of the tests' wallTime in cachedSeq
	bare        []time.Duration // compile + every test (+ the checker on each)
	bareCompile []time.Duration
	bareTests   []time.Duration // every test, one at a time (+ the checker on each)
	bareCheck   []time.Duration // the checker's part of bareTests
}

// judgeEngine posts the three engine requests of iteration i: a new
// submission (its compile not cached), then the fixed one (cached) with
// the default parallelism and one test at a time.
func (s *judgeSamples) judgeEngine(b *testing.B, i int, key string, checker *judgeProgram, tests []abTest, fixed string) {
	cold := judgeBody(tagged("//", key+" engine", i, abSrc), tests, checker, false)
	a, d := mustJudge(b, cold)
	if a.Compile == nil || a.Compile.Cached {
		b.Fatalf("a new submission's compile was not run: %+v", a.Compile)
	}
	s.cold = append(s.cold, d)
	s.coldCompile = append(s.coldCompile, parseDur(a.Compile.WallTime))
	_, d = mustJudge(b, judgeBody(fixed, tests, checker, false))
	s.cachedPar = append(s.cachedPar, d)
	a, d = mustJudge(b, judgeBody(fixed, tests, checker, true))
	s.cachedSeq = append(s.cachedSeq, d)
	s.seqWall = append(s.seqWall, a.testsWall())
}

// judgeBare compiles a new submission and runs every test bare.
func (s *judgeSamples) judgeBare(b *testing.B, i int, key string, bj *bareJudge) {
	c, err := bj.compile(tagged("//", key+" bare", i, abSrc))
	if err != nil {
		b.Fatal(err)
	}
	t, check, err := bj.runAll()
	if err != nil {
		b.Fatal(err)
	}
	s.bare = append(s.bare, c+t)
	s.bareCompile = append(s.bareCompile, c)
	s.bareTests = append(s.bareTests, t)
	s.bareCheck = append(s.bareCheck, check)
}

func mustJudge(b *testing.B, body []byte) (*judgeAnswer, time.Duration) {
	b.Helper()
	a, d, err := postJudge(body)
	if err != nil {
		b.Fatalf("POST /api/v1/judge: %v", err)
	}
	return a, d
}

// judgeBench compares judging a new C++ a+b submission on 200 tiny tests
// (the lines rule, or checker) with compiling it once and running it on
// each test bare, one at a time (and the precompiled checker on each
// output). Before measuring, both sides compile and judge once (which
// caches the fixed submission and the checker on the server).
func judgeBench(b *testing.B, key string, checker *judgeProgram) {
	tests := abTests(judgeTests)
	bj, err := newBareJudge(b.TempDir(), tests, checker)
	if err != nil {
		b.Fatal(err)
	}
	fixed := tagged("//", key+" fixed", 0, abSrc)
	mustJudge(b, judgeBody(fixed, tests, checker, false)) // warm-up: caches fixed and the checker
	if _, err := bj.compile(fixed); err != nil {
		b.Fatal(err)
	}
	if _, _, err := bj.runAll(); err != nil {
		b.Fatal(err)
	}
	var s judgeSamples
	i := 0
	for b.Loop() {
		interleave(i, func() { s.judgeEngine(b, i, key, checker, tests, fixed) }, func() { s.judgeBare(b, i, key, bj) })
		i++
	}
	s.report(b, key)
}

// coldRest is each new submission's round trip less its compiler's wall
// time: its tests, and what the engine does around the compile.
func (s *judgeSamples) coldRest() []time.Duration {
	out := make([]time.Duration, len(s.cold))
	for i, d := range s.cold {
		out[i] = d - s.coldCompile[i]
	}
	return out
}

// report reports the medians and records the row: the target's ratio is
// the new submission's round trip over the bare compile + tests; the
// cached rounds trips, over the bare tests alone, show the tests' part.
func (s *judgeSamples) report(b *testing.B, key string) {
	ma, mb := reportMedians(b, s.cold, s.bare)
	ratio := float64(ma) / float64(mb)
	bt, par, seq := median(s.bareTests), median(s.cachedPar), median(s.cachedSeq)
	perTest := (seq - bt) / judgeTests
	b.ReportMetric(ratio, "ratio")
	b.ReportMetric(ms(median(s.coldCompile)), "compile-wall-ms")
	b.ReportMetric(ms(median(s.coldRest())), "cold-rest-ms")
	b.ReportMetric(ms(median(s.bareCompile)), "bare-compile-ms")
	b.ReportMetric(ms(bt), "bare-tests-ms")
	b.ReportMetric(ms(median(s.bareCheck)), "bare-checker-ms")
	b.ReportMetric(ms(par), "cached-par-ms")
	b.ReportMetric(ms(seq), "cached-seq-ms")
	b.ReportMetric(float64(par)/float64(bt), "tests-par-ratio")
	b.ReportMetric(float64(seq)/float64(bt), "tests-seq-ratio")
	b.ReportMetric(ms(median(s.seqWall)/judgeTests), "seq-run-wall-ms")
	b.ReportMetric(ms(perTest), "seq-cost-per-test-ms")
	after := rssNow(b)
	b.ReportMetric(0, "ns/op")
	record(key, row{
		engine: fmt.Sprintf("%.1f ms", ms(ma)), bare: fmt.Sprintf("%.1f ms", ms(mb)),
		value: fmt.Sprintf("%.2f", ratio), met: ratio <= 1.3,
		detail: fmt.Sprintf("compile.wallTime %.1f ms (round trip less it %.1f ms), bare compile %.1f ms; tests only (submission cached) %.1f ms in parallel, %.1f ms one at a time, "+
			"bare tests %.1f ms (checker %.1f): %.2f and %.2f; one at a time, %.2f ms per test over bare (programs' wallTime %.2f ms each)",
			ms(median(s.coldCompile)), ms(median(s.coldRest())), ms(median(s.bareCompile)), ms(par), ms(seq), ms(bt), ms(median(s.bareCheck)),
			float64(par)/float64(bt), float64(seq)/float64(bt), ms(perTest), ms(median(s.seqWall)/judgeTests)) + afterNote(after),
	})
}

// BenchmarkJudgeLines: a C++ a+b judged on 200 tests with the lines rule
// vs g++ (runtimes/c++.json's command) + 200 bare runs, one at a time.
func BenchmarkJudgeLines(b *testing.B) {
	judgeBench(b, "judge", nil)
}

// BenchmarkJudgeChecker: the same judged by test/judge's testlib-style
// wcmp checker vs g++ + 200 bare runs + 200 bare runs of the precompiled
// checker on input.txt, output.txt and answer.txt.
func BenchmarkJudgeChecker(b *testing.B) {
	c, err := wcmpChecker()
	if err != nil {
		b.Fatal(err)
	}
	judgeBench(b, "judgechecker", c)
}
