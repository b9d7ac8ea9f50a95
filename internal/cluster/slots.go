package cluster

import (
	"context"
	"sync"
)

// slots counts a worker's running jobs against its size. Fetchers wait
// for a free one before they ask NATS for a job, and take one once a job
// came; a job that came to a fetcher that lost the race waits here for
// the next, rather than going back (its deliveries must count deaths).
type slots struct {
	mu      sync.Mutex
	used    int
	max     int
	changed chan struct{} // closed and replaced at every release
}

func newSlots(n int) *slots {
	return &slots{max: max(n, 1), changed: make(chan struct{})}
}

// waitFree waits until a slot is free (without taking it); false when ctx
// ended first.
func (s *slots) waitFree(ctx context.Context) bool {
	for {
		s.mu.Lock()
		free, ch := s.used < s.max, s.changed
		s.mu.Unlock()
		if free {
			return true
		}
		select {
		case <-ctx.Done():
			return false
		case <-ch:
		}
	}
}

// tryAcquire takes a slot if one is free.
func (s *slots) tryAcquire() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.used < s.max {
		s.used++
		return true
	}
	return false
}

// acquire takes a slot, waiting for one; false when ctx ended first.
func (s *slots) acquire(ctx context.Context) bool {
	for {
		s.mu.Lock()
		if s.used < s.max {
			s.used++
			s.mu.Unlock()
			return true
		}
		ch := s.changed
		s.mu.Unlock()
		select {
		case <-ctx.Done():
			return false
		case <-ch:
		}
	}
}

func (s *slots) release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.used--
	close(s.changed)
	s.changed = make(chan struct{})
}

// busy is how many slots are taken.
func (s *slots) busy() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.used
}
