package engine

import (
	"context"
	"sync"
	"sync/atomic"
)

// boxShare lends the pool's boxes to the version probes, which run after
// the server answers, without holding the jobs behind them nor them
// behind the jobs: while a job waits for a box, at most one probe holds
// or waits for one, so a job waits for a probe already running to free a
// box, never for the probes queued; and the probes go on, one at a time,
// however many jobs wait. When no job waits, the probes take as many
// boxes as they have workers.
//
// The engine's jobs acquire through it (Acquire is the Pool's, counted);
// the probes through acquireProbe. Once the probes are over (stop), it
// only passes the jobs' calls on.
type boxShare struct {
	Pool
	probing atomic.Bool

	mu      sync.Mutex
	jobs    int           // jobs inside Acquire
	probes  int           // probes holding a box or inside the Pool's Acquire
	changed chan struct{} // closed, and replaced, when jobs or probes fall
}

func newBoxShare(p Pool) *boxShare {
	s := &boxShare{Pool: p, changed: make(chan struct{})}
	s.probing.Store(true)
	return s
}

// stop ends the sharing: no probe will come.
func (s *boxShare) stop() { s.probing.Store(false) }

// Acquire is the Pool's, for a job: counted while probes may wait.
func (s *boxShare) Acquire(ctx context.Context) (Box, error) {
	if !s.probing.Load() {
		return s.Pool.Acquire(ctx)
	}
	s.mu.Lock()
	s.jobs++
	s.mu.Unlock()
	b, err := s.Pool.Acquire(ctx)
	s.mu.Lock()
	s.jobs--
	s.signal()
	s.mu.Unlock()
	return b, err
}

// acquireProbe waits for a probe's turn, then for a box; the box goes
// back through releaseProbe.
func (s *boxShare) acquireProbe(ctx context.Context) (Box, error) {
	for {
		s.mu.Lock()
		if s.jobs == 0 || s.probes == 0 {
			s.probes++
			s.mu.Unlock()
			break
		}
		changed := s.changed
		s.mu.Unlock()
		select {
		case <-changed:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	b, err := s.Pool.Acquire(ctx)
	if err != nil {
		s.probeEnded()
	}
	return b, err
}

// releaseProbe gives a probe's box back, wiped.
func (s *boxShare) releaseProbe(b Box) {
	b.Release()
	s.probeEnded()
}

func (s *boxShare) probeEnded() {
	s.mu.Lock()
	s.probes--
	s.signal()
	s.mu.Unlock()
}

// signal wakes the probes waiting for their turn; s.mu is held.
func (s *boxShare) signal() {
	close(s.changed)
	s.changed = make(chan struct{})
}
