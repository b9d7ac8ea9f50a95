package cluster

import (
	"context"
	"testing"
	"time"
)

// BenchmarkExecute: one client, one worker of 8 slots whose executor
// answers at once, 8 jobs in flight: the cluster's own cost per job.
func BenchmarkExecute(b *testing.B) {
	url := startNATS(b)
	startWorker(b, url, workerConfig("w1", newFake("w1", "python"), 8))
	c, err := NewClient(context.Background(), connect(b, url), ClientConfig{Logger: quiet()})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	for !c.Ready() {
		time.Sleep(10 * time.Millisecond)
	}
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := c.Execute(context.Background(), job("python", "x")); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
