package engine

import (
	"context"
	"testing"
)

// BenchmarkJudge200 judges 200 tiny tests on a fake pool, whose runs cost
// nothing: what it measures is the engine's own cost per test (box
// taken, files written, run, output compared, result kept, box given
// back), to set against one real run's fixed cost (~1 ms).
func BenchmarkJudge200(b *testing.B) {
	pool := newFakePool(2)
	e := newJudgeEngine(b, pool)
	job := compJudge("int main", echoTests(200))
	b.ReportAllocs()
	for b.Loop() {
		pool.mu.Lock()
		pool.boxes = nil // the fake keeps every box; forget them
		pool.mu.Unlock()
		if res, err := e.Judge(context.Background(), job); err != nil || res.Passed != 200 {
			b.Fatal(err, res)
		}
		e.Wait()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*200), "ns/test")
}

// BenchmarkExecute200 is the baseline: the same program run 200 times
// through Execute (its artifact cached).
func BenchmarkExecute200(b *testing.B) {
	pool := newFakePool(2)
	e := newJudgeEngine(b, pool)
	job := compJob("int main")
	job.Stdin = []byte("echo a")
	b.ReportAllocs()
	for b.Loop() {
		pool.mu.Lock()
		pool.boxes = nil
		pool.mu.Unlock()
		for range 200 {
			if _, err := e.Execute(context.Background(), job); err != nil {
				b.Fatal(err)
			}
		}
		e.Wait()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*200), "ns/run")
}
