package sandbox

import (
	"context"
	"testing"
)

// BenchmarkRunAccounting is the cgroup work of one run on a box cgroup
// (v1): counters reset and limits set, then what the end of the run reads.
func BenchmarkRunAccounting(b *testing.B) {
	box := newTestBox(b)
	if box.cg == nil {
		b.Skip("cgroup v2: no box cgroup")
	}
	for b.Loop() {
		if err := box.cg.startRun(64<<20, 16); err != nil {
			b.Fatal(err)
		}
		_ = box.cg.cpuTime()
		_ = box.cg.peakMemory()
		_ = box.cg.socketPeak()
	}
}

// BenchmarkRunTrue is a whole run of /bin/true in a box.
func BenchmarkRunTrue(b *testing.B) {
	box := newTestBox(b)
	for b.Loop() {
		if _, err := box.Run(context.Background(), Cmd{Args: []string{"/bin/true"}, Limits: testLimits}); err != nil {
			b.Fatal(err)
		}
	}
}
