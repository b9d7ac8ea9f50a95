package cluster

import "sync"

// runningJobs maps the ids of the jobs a worker runs to their cancel.
type runningJobs struct {
	mu   sync.Mutex
	jobs map[string]*runningJob
}

type runningJob struct {
	cancel    func()
	cancelled bool // by its client
}

func (r *runningJobs) add(id string, cancel func()) *runningJob {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.jobs == nil {
		r.jobs = map[string]*runningJob{}
	}
	j := &runningJob{cancel: cancel}
	r.jobs[id] = j
	return j
}

func (r *runningJobs) remove(id string) (cancelled bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	j := r.jobs[id]
	delete(r.jobs, id)
	return j != nil && j.cancelled
}

// stop cancels the job id at its client's request.
func (r *runningJobs) stop(id string) {
	r.mu.Lock()
	j := r.jobs[id]
	if j != nil {
		j.cancelled = true
	}
	r.mu.Unlock()
	if j != nil {
		j.cancel()
	}
}
