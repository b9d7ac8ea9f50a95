package admission

import (
	"container/list"
	"time"
)

// clientState is what the gate knows of one client while it matters.
type clientState struct {
	name    string
	cap     int      // jobs that may run at once
	quota   CPUQuota // normalised; not limited: no quota
	bucket  bucket
	running int
	waiting []*waiter     // FIFO
	elem    *list.Element // in Gate.ring while waiting is not empty
	idleAt  int           // index in Gate.idle, -1 when not there
}

// state returns c's state, made or brought up to date with c's settings
// (a reloaded key may change them); changed tells whether they did.
func (g *Gate) state(c Client, now time.Time) (cs *clientState, changed bool) {
	cs, ok := g.clients[c.Name]
	if !ok {
		cs = &clientState{name: c.Name, idleAt: -1}
		g.clients[c.Name] = cs
	}
	capacity, q := g.capOf(c), g.quotaOf(c)
	if q.limited() && (!ok || !cs.quota.limited()) {
		cs.bucket = fullBucket(q, now)
	}
	changed = ok && (capacity != cs.cap || q != cs.quota)
	cs.cap, cs.quota = capacity, q
	return cs, changed
}

func (g *Gate) capOf(c Client) int {
	n := c.MaxJobs
	if n <= 0 {
		n = g.opts.MaxJobsPerClient
	}
	if n <= 0 || n > g.opts.Slots {
		n = g.opts.Slots
	}
	return n
}

func (g *Gate) quotaOf(c Client) CPUQuota {
	q := c.CPU
	if q == (CPUQuota{}) {
		q = g.opts.CPU
	}
	if !q.limited() {
		return CPUQuota{}
	}
	return q.normal()
}

// checkQuota refuses a job when the client's bucket is empty.
func (cs *clientState) checkQuota(now time.Time) error {
	if !cs.quota.limited() {
		return nil
	}
	cs.bucket.refill(cs.quota, now)
	if cs.bucket.empty() {
		return &QuotaError{RetryAfter: cs.bucket.retryAfter(cs.quota)}
	}
	return nil
}

// idle reports whether the client has nothing running or waiting.
func (cs *clientState) idle() bool { return cs.running == 0 && len(cs.waiting) == 0 }

// full reports whether the client's bucket is full (refill first), so that
// forgetting it forgives nothing.
func (cs *clientState) full() bool {
	return !cs.quota.limited() || cs.bucket.tokens >= cs.quota.Burst
}

// forget drops the state of an idle client whose bucket is full, or
// remembers to look at it again when its bucket will be.
func (g *Gate) forget(cs *clientState, now time.Time) {
	if !cs.idle() {
		return
	}
	if cs.quota.limited() {
		cs.bucket.refill(cs.quota, now)
	}
	if cs.full() {
		g.idle.remove(cs)
		delete(g.clients, cs.name)
		return
	}
	g.idle.schedule(cs, cs.bucket.fullAt(cs.quota))
}

// forgetIdle drops the clients whose buckets have filled up since they
// became idle.
func (g *Gate) forgetIdle(now time.Time) {
	for {
		cs, ok := g.idle.popDue(now)
		if !ok {
			return
		}
		g.forget(cs, now)
	}
}
