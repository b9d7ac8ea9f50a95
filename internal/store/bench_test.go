package store

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// go test -run '^$' -bench . -benchtime 1000x ./internal/store/
func BenchmarkSubmit(b *testing.B) {
	for _, sync := range []bool{false, true} {
		b.Run(fmt.Sprintf("sync=%v", sync), func(b *testing.B) {
			s := openStore(b, b.TempDir(), Config{SyncAlways: sync})
			payload := []byte(`{"language":"python","files":[{"content":"print('hello')"}]}`)
			ctx := context.Background()
			b.ResetTimer()
			for i := range b.N {
				if err := s.Submit(ctx, fmt.Sprintf("b%d", i), payload, nil); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "submits/s")
		})
	}
}

// Submit to result stored, one at a time, with a handler that does nothing.
func BenchmarkRoundTrip(b *testing.B) {
	done := make(chan string, 1)
	s := openStore(b, b.TempDir(), Config{OnDone: func(_ context.Context, st State) error { done <- st.Token; return nil }})
	stop := consume(s, func(_ context.Context, _ string, p []byte) ([]byte, error) { return p, nil })
	defer stop()
	ctx := context.Background()
	b.ResetTimer()
	for i := range b.N {
		id := fmt.Sprintf("rt%d", i)
		if err := s.Submit(ctx, id, []byte("x"), nil); err != nil {
			b.Fatal(err)
		}
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			b.Fatalf("%s not done within 10s", id)
		}
	}
}
