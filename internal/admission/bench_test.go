package admission

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/coderacer/coderacer/internal/engine"
)

// instantExec answers at once: what a benchmark measures is the gate.
type instantExec struct{ runtimes []engine.RuntimeInfo }

func (e instantExec) Runtimes() []engine.RuntimeInfo { return e.runtimes }
func (instantExec) Ready() bool                      { return true }
func (instantExec) Execute(context.Context, engine.Job) (*engine.Result, error) {
	return &engine.Result{Status: engine.StatusOK, Run: &engine.StageResult{}}, nil
}

// BenchmarkExecute: one client, a free slot, quota and a language list.
func BenchmarkExecute(b *testing.B) {
	g := New(instantExec{newFake().runtimes}, Options{Slots: 4, QueueSize: 64, MaxJobsPerClient: 2, CPU: CPUQuota{Rate: 1e9}})
	ctx := WithClient(context.Background(), Client{Name: "k", Languages: []string{"py", "java"}})
	job := engine.Job{Language: "python"}
	for b.Loop() {
		if _, err := g.Execute(ctx, job); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkExecuteContended: 8 goroutines per CPU, 16 clients, 2 slots:
// most jobs wait in the queue for a slot.
func BenchmarkExecuteContended(b *testing.B) {
	g := New(instantExec{}, Options{Slots: 2, QueueSize: 1 << 16, MaxJobsPerClient: 1})
	var n atomic.Int64
	b.SetParallelism(8)
	b.RunParallel(func(pb *testing.PB) {
		ctx := WithClient(context.Background(), Client{Name: fmt.Sprint(n.Add(1) % 16)})
		for pb.Next() {
			if _, err := g.Execute(ctx, engine.Job{}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
