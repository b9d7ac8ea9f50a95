package admission

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/coderacer/coderacer/internal/engine"
)

// waiter is a job waiting for a slot. The gate closes ready once it has
// set granted or err, under its lock; neither changes after.
type waiter struct {
	client  *clientState
	ready   chan struct{}
	granted bool
	err     error
}

// errEvicted and errFull are what a job that found no room is told.
var (
	errEvicted = fmt.Errorf("admission: job of the client with the most waiting jobs gave its place to another client's: %w", engine.ErrQueueFull)
	errFull    = fmt.Errorf("admission: %w", engine.ErrQueueFull)
)

// start gives cs a slot.
func (g *Gate) start(cs *clientState) {
	g.running++
	cs.running++
}

// enqueue puts a job of cs at the end of its queue, evicting another
// client's job when the queue is full (see the package documentation).
func (g *Gate) enqueue(cs *clientState, now time.Time) (*waiter, error) {
	if g.waiting >= g.opts.QueueSize {
		victim := g.heaviest()
		if victim == nil || len(cs.waiting) >= len(victim.waiting) {
			return nil, errFull
		}
		g.evictNewest(victim)
		g.forget(victim, now)
	}
	w := &waiter{client: cs, ready: make(chan struct{})}
	cs.waiting = append(cs.waiting, w)
	g.waiting++
	if cs.elem == nil {
		cs.elem = g.ring.PushBack(cs)
	}
	return w, nil
}

// heaviest is the client with the most waiting jobs, the first in the
// round among equals; nil when nobody waits.
func (g *Gate) heaviest() *clientState {
	var top *clientState
	for e := g.ring.Front(); e != nil; e = e.Next() {
		if cs := e.Value.(*clientState); top == nil || len(cs.waiting) > len(top.waiting) {
			top = cs
		}
	}
	return top
}

// evictNewest fails the newest waiting job of cs with errEvicted.
func (g *Gate) evictNewest(cs *clientState) {
	w := cs.waiting[len(cs.waiting)-1]
	g.unqueue(w)
	w.err = errEvicted
	close(w.ready)
}

// unqueue takes w out of its client's queue, and the client out of the
// round when that was its last waiting job.
func (g *Gate) unqueue(w *waiter) {
	cs := w.client
	i := slices.Index(cs.waiting, w)
	cs.waiting[i] = nil
	cs.waiting = slices.Delete(cs.waiting, i, i+1)
	g.waiting--
	if len(cs.waiting) == 0 {
		cs.waiting = nil
		g.ring.Remove(cs.elem)
		cs.elem = nil
	}
}

// wait blocks until w gets a slot or fails, or ctx ends; then w holds no
// place in the queue and, unless it returns nil, no slot.
func (g *Gate) wait(ctx context.Context, w *waiter) error {
	select {
	case <-w.ready:
		return w.err
	case <-ctx.Done():
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	now := g.now()
	switch {
	case w.err != nil:
		return w.err
	case w.granted: // the slot came as ctx ended: give it on
		g.running--
		w.client.running--
		g.dispatch(now)
	default:
		g.unqueue(w)
	}
	g.forget(w.client, now)
	return fmt.Errorf("wait for a slot: %w", ctx.Err())
}

// dispatch hands free slots to waiting jobs, round-robin between clients
// under their cap.
func (g *Gate) dispatch(now time.Time) {
	for e := g.ring.Front(); e != nil && g.running < g.opts.Slots; {
		cs := e.Value.(*clientState)
		if cs.running >= cs.cap {
			e = e.Next()
			continue
		}
		if err := cs.checkQuota(now); err != nil {
			e = e.Next()
			g.failAll(cs, err)
			g.forget(cs, now)
			continue
		}
		w := cs.waiting[0]
		g.unqueue(w)
		if cs.elem != nil {
			g.ring.MoveToBack(cs.elem)
		}
		g.start(cs)
		w.granted = true
		close(w.ready)
		e = g.ring.Front()
	}
}

// failAll fails every waiting job of cs with err.
func (g *Gate) failAll(cs *clientState, err error) {
	for len(cs.waiting) > 0 {
		w := cs.waiting[0]
		g.unqueue(w)
		w.err = err
		close(w.ready)
	}
}
