package store

import (
	"fmt"
	"sync"

	"github.com/nats-io/nats.go"
)

// cancelSubject is where Cancel tells the worker running a job to stop:
// cancelSubject + "." + id, core NATS (no stream: a lost message only
// delays the stop until the job ends).
const cancelSubject = "coderacer.cancel"

// runningJobs maps the ids of the jobs this store runs to their stop.
type runningJobs struct {
	mu   sync.Mutex
	jobs map[string]func()
}

func (r *runningJobs) add(id string, stop func()) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.jobs == nil {
		r.jobs = map[string]func(){}
	}
	r.jobs[id] = stop
}

func (r *runningJobs) remove(id string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.jobs, id)
}

func (r *runningJobs) stop(id string) {
	r.mu.Lock()
	stop := r.jobs[id]
	r.mu.Unlock()
	if stop != nil {
		stop()
	}
}

// listenCancels subscribes to every job's cancel subject for the jobs
// this store runs.
func (s *Store) listenCancels() (*nats.Subscription, error) {
	sub, err := s.nc.Subscribe(cancelSubject+".*", func(m *nats.Msg) {
		s.running.stop(m.Subject[len(cancelSubject)+1:])
	})
	if err != nil {
		return nil, fmt.Errorf("store: subscribe to cancels: %w", err)
	}
	return sub, nil
}

// tellCancel asks the worker running id, wherever it is, to stop it.
func (s *Store) tellCancel(id string) {
	if err := s.nc.Publish(cancelSubject+"."+id, nil); err != nil {
		s.cfg.Logger.Info("submission: cancel not told to its worker; it ends cancelled when it finishes", "id", id, "err", err)
	}
}
