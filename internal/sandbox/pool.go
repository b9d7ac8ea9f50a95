package sandbox

import (
	"context"
	"errors"
	"time"
)

// The pool makes its boxes on demand and keeps them warm by use. Each box
// is a container whose init is a process of its own (a few MiB with the
// small init, cmd/coderacer-init), so a big machine's pool made whole at
// start-up would idle at hundreds of MiB. Instead the pool starts
// Config.Warm boxes, makes one more when a job finds none idle, and hands
// out the box used last first, so a steady load keeps reusing the same
// few; a box idle for Config.IdleTimeout is stopped while more than Warm
// are started.
//
// Places: every box index (and its uid) is in exactly one of these at a
// time: not started (unstarted), started and idle (idle), handed out
// (to a job, as a network box's place, or to a spare being made). tokens
// holds one token per place not handed out, so a holder of a token always
// finds an idle box or an unstarted index.

// DefaultWarm is Config.Warm when it is not set: the boxes started with
// the pool and kept started however long they idle.
const DefaultWarm = 1

// DefaultIdleTimeout is Config.IdleTimeout when it is not set: how long a
// box beyond the warm ones may idle before it is stopped.
const DefaultIdleTimeout = time.Minute

// ErrClosed is returned by Acquire once Close has begun.
var ErrClosed = errors.New("sandbox: closed")

// Acquire waits for a place in the pool and returns its box, started
// before or now. The caller must Release it.
func (s *Sandbox) Acquire(ctx context.Context) (*Box, error) {
	if err := s.takeToken(ctx); err != nil {
		return nil, err
	}
	b, err := s.take()
	if err != nil {
		s.tokens <- struct{}{}
		return nil, err
	}
	if b.cg != nil { // its runs go through the init's channel (startsInBox)
		b.ctl.nudge()
	}
	return b, nil
}

func (s *Sandbox) takeToken(ctx context.Context) error {
	select {
	case <-s.tokens:
		return nil
	case <-s.closing:
		return ErrClosed
	case <-ctx.Done():
		return ctx.Err()
	}
}

// take returns the box idle since the shortest time, or starts one in a
// place that has none. The caller holds a token.
func (s *Sandbox) take() (*Box, error) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil, ErrClosed
	}
	s.busy++
	if n := len(s.idle); n > 0 {
		b := s.idle[n-1]
		s.idle = s.idle[:n-1]
		s.spareIfGrowing()
		s.mu.Unlock()
		return b, nil
	}
	index := s.popUnstarted()
	s.mu.Unlock()
	b, err := s.newBox(index)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		s.busy--
		s.unstarted = append(s.unstarted, index)
		return nil, err
	}
	s.spareIfGrowing()
	return b, nil
}

// popUnstarted takes an index of a box not started; s.mu is held and the
// caller holds a token, so there is one.
func (s *Sandbox) popUnstarted() int {
	n := len(s.unstarted)
	index := s.unstarted[n-1]
	s.unstarted = s.unstarted[:n-1]
	return index
}

// spareIfGrowing has one more box made in the background when a job
// found no idle box left while others run: the load is growing, and the
// next job would otherwise wait for a container to start. One client's
// jobs one after the other never need it. s.mu is held.
func (s *Sandbox) spareIfGrowing() {
	if len(s.idle) == 0 && s.busy >= 2 && !s.sparing && len(s.unstarted) > 0 {
		s.sparing = true
		go s.makeSpare()
	}
}

// makeSpare starts a box in a free place and leaves it idle; s.sparing
// was set for it.
func (s *Sandbox) makeSpare() {
	defer func() {
		s.mu.Lock()
		s.sparing = false
		s.mu.Unlock()
	}()
	select {
	case <-s.tokens:
	default:
		return // every place is in use: nobody would wait for the spare
	}
	s.mu.Lock()
	if len(s.unstarted) == 0 || s.closed {
		s.mu.Unlock()
		s.tokens <- struct{}{}
		return
	}
	index := s.popUnstarted()
	s.mu.Unlock()
	b, err := s.newBox(index)
	if err != nil {
		s.log.Error("start a spare box", "box", index, "err", err)
		b = nil
	}
	s.putPlace(index, b, false)
}

// PoolStats is what the pool says of itself, for metrics.
type PoolStats struct {
	Size         int    // places of the pool: programs that may run at once
	Free         int    // places waiting for a job (with a box started or not)
	Started      int    // boxes started (idle or running)
	Replacements uint64 // boxes replaced since start (not wipeable, broken)
}

// Stats reads the pool's counters; cheap, for every scrape.
func (s *Sandbox) Stats() PoolStats {
	s.mu.Lock()
	started := len(s.all)
	s.mu.Unlock()
	return PoolStats{Size: s.cfg.Size, Free: len(s.tokens), Started: started, Replacements: s.replaced.Load()}
}

// release wipes a box and returns it to the pool. A box that cannot be
// wiped is destroyed: a dirty box must never run again, and its place
// gets a new one when a job needs it.
func (s *Sandbox) release(b *Box) {
	if b.network {
		s.releaseNetwork(b)
		return
	}
	s.removeCgroups(b)
	err := ErrClosed
	if !s.isClosed() {
		err = s.resetOrBroken(b)
	}
	if err != nil && s.isClosed() {
		err = ErrClosed // closed under the wipe: nothing went wrong
	}
	if err != nil {
		switch {
		case errors.Is(err, ErrClosed):
		case errors.Is(err, errInitThread) || errors.Is(err, errBroken):
			s.log.Debug("replacing a box", "box", b.index, "reason", err)
			s.replaced.Add(1)
		default:
			s.log.Error("box reset failed; replacing it", "box", b.index, "err", err)
			s.replaced.Add(1)
		}
		s.destroyBox(b)
		s.putPlace(b.index, nil, true)
		return
	}
	s.putPlace(b.index, b, true)
}

// putPlace gives a handed-out place back to the pool, with its box when
// it is idle and nil when it has none started; job tells that a job had
// it (not a network box nor a spare being made).
func (s *Sandbox) putPlace(index int, b *Box, job bool) {
	s.mu.Lock()
	if b != nil && s.closed {
		// Close began after the box was reset, and did not see it busy.
		s.mu.Unlock()
		s.destroyBox(b)
		b = nil
		s.mu.Lock()
	}
	if job {
		s.busy--
	}
	if b == nil {
		s.unstarted = append(s.unstarted, index)
	} else {
		b.idleSince = time.Now()
		s.idle = append(s.idle, b)
	}
	s.mu.Unlock()
	s.tokens <- struct{}{}
}

// reapIdle stops, every while, the boxes idle for longer than the idle
// timeout, the least recently used first, as long as more than the warm
// ones are started. It returns when the pool closes.
func (s *Sandbox) reapIdle() {
	tick := time.NewTicker(max(s.cfg.IdleTimeout/4, 10*time.Millisecond))
	defer tick.Stop()
	for {
		select {
		case <-s.closing:
			return
		case now := <-tick.C:
			for s.reapOne(now) {
			}
		}
	}
}

// reapOne stops the box idle the longest if it is to stop at now. It
// holds the box's place (a token) meanwhile, so that no job counts on it.
func (s *Sandbox) reapOne(now time.Time) bool {
	select {
	case <-s.tokens:
	default:
		return false
	}
	defer func() { s.tokens <- struct{}{} }()
	s.mu.Lock()
	// idle is in the order of release: the oldest first.
	if s.closed || len(s.idle) == 0 || len(s.idle)+s.busy <= s.cfg.Warm ||
		now.Sub(s.idle[0].idleSince) < s.cfg.IdleTimeout {
		s.mu.Unlock()
		return false
	}
	b := s.idle[0]
	s.idle = s.idle[1:]
	s.mu.Unlock()
	s.destroyBox(b)
	s.mu.Lock()
	s.unstarted = append(s.unstarted, b.index)
	s.mu.Unlock()
	return true
}
