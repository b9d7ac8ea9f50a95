package api

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/coderacer/coderacer/internal/store"
)

// memSubmissions is an in-memory Submissions: jobs queue until run runs
// them through the server's worker side, as the store's workers would.
type memSubmissions struct {
	mu       sync.Mutex
	states   map[string]store.State
	payloads map[string][]byte
	queue    []string
	changed  chan struct{} // closed and replaced on every change
}

func newMemSubmissions() *memSubmissions {
	return &memSubmissions{states: map[string]store.State{}, payloads: map[string][]byte{}, changed: make(chan struct{})}
}

func (m *memSubmissions) notifyLocked() {
	close(m.changed)
	m.changed = make(chan struct{})
}

func (m *memSubmissions) Submit(ctx context.Context, id string, payload, meta []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.states[id] = store.State{Token: id, Status: store.StatusQueued, Meta: meta, Created: time.Now()}
	m.payloads[id] = payload
	m.queue = append(m.queue, id)
	m.notifyLocked()
	return nil
}

func (m *memSubmissions) Get(ctx context.Context, id string) (store.State, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	st, ok := m.states[id]
	if !ok {
		return store.State{}, fmt.Errorf("%w: %s", store.ErrNotFound, id)
	}
	return st, nil
}

func (m *memSubmissions) Wait(ctx context.Context, id string) (store.State, error) {
	for {
		m.mu.Lock()
		st, ok := m.states[id]
		changed := m.changed
		m.mu.Unlock()
		if !ok {
			return st, fmt.Errorf("%w: %s", store.ErrNotFound, id)
		}
		if over(st) {
			return st, nil
		}
		select {
		case <-ctx.Done():
			return st, ctx.Err()
		case <-changed:
		}
	}
}

func (m *memSubmissions) Cancel(ctx context.Context, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	st, ok := m.states[id]
	switch {
	case !ok:
		return fmt.Errorf("%w: %s", store.ErrNotFound, id)
	case over(st):
		return fmt.Errorf("%w: %s", store.ErrFinished, id)
	}
	st.Status = store.StatusCancelled
	m.states[id] = st
	m.notifyLocked()
	return nil
}

func (m *memSubmissions) Delete(ctx context.Context, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	st, ok := m.states[id]
	switch {
	case !ok:
		return fmt.Errorf("%w: %s", store.ErrNotFound, id)
	case !over(st):
		return fmt.Errorf("%w: %s", store.ErrNotOver, id)
	}
	delete(m.states, id)
	return nil
}

func (m *memSubmissions) IDs(ctx context.Context) ([]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var ids []string
	for id := range m.states {
		ids = append(ids, id)
	}
	return ids, nil
}

// runAll runs every queued submission, in order, through s.
func (m *memSubmissions) runAll(s *Server) error {
	for {
		m.mu.Lock()
		if len(m.queue) == 0 {
			m.mu.Unlock()
			return nil
		}
		id := m.queue[0]
		m.queue = m.queue[1:]
		st, payload := m.states[id], m.payloads[id]
		m.mu.Unlock()
		if st.Status != store.StatusQueued {
			continue
		}
		res, err := s.RunSubmission(context.Background(), id, payload)
		if err != nil {
			return err
		}
		m.mu.Lock()
		st = m.states[id]
		st.Status, st.Result = store.StatusDone, res
		m.states[id] = st
		m.notifyLocked()
		m.mu.Unlock()
		if err := s.SubmissionDone(context.Background(), st); err != nil {
			return err
		}
	}
}
