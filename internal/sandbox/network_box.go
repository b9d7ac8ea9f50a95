package sandbox

import (
	"context"
	"fmt"
	"time"
)

// NetworkEnabled reports whether the pool was made with a NetworkConfig.
func (s *Sandbox) NetworkEnabled() bool { return s.net != nil }

// AcquireNetwork waits for a place in the pool like Acquire, and hands
// out in it a fresh box with network access: a new container (with
// /etc/resolv.conf, /etc/hosts and the CA certificates) whose network
// namespace gets a veth pair, running as the place's uid. Release
// destroys it, never reused (its kernel may hold sockets and state of the
// run), and gives the place back. The caller must Release it.
func (s *Sandbox) AcquireNetwork(ctx context.Context) (*Box, error) {
	if s.net == nil {
		return nil, ErrNoNetwork
	}
	if err := s.takeToken(ctx); err != nil {
		return nil, err
	}
	index, err := s.takePlace()
	if err != nil {
		s.tokens <- struct{}{}
		return nil, err
	}
	start := time.Now()
	b, err := s.buildBox(index, s.net.mounts)
	if err != nil {
		s.putPlace(index, nil, false)
		return nil, err
	}
	built := time.Now()
	if b.net, err = s.net.attach(b.index, b.initPid); err != nil {
		s.destroyBox(b)
		s.putPlace(index, nil, false)
		return nil, fmt.Errorf("sandbox: box %d: network: %w", b.index, err)
	}
	b.network = true
	s.log.Debug("network box ready", "box", b.index, "container", built.Sub(start), "veth", time.Since(built))
	if s.isClosed() {
		// Close began while the box was made and did not see it.
		s.releaseNetwork(b)
		return nil, ErrClosed
	}
	return b, nil
}

// takePlace takes a place with no box started for a network box: one
// never started, or that of the box idle the longest, which is stopped
// (its uid must run nothing else). The caller holds a token.
func (s *Sandbox) takePlace() (int, error) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return 0, ErrClosed
	}
	if len(s.unstarted) > 0 {
		defer s.mu.Unlock()
		return s.popUnstarted(), nil
	}
	b := s.idle[0]
	s.idle = s.idle[1:]
	s.mu.Unlock()
	s.destroyBox(b)
	return b.index, nil
}

// releaseNetwork destroys a network box (its veth pair with it) and gives
// its place back to the pool.
func (s *Sandbox) releaseNetwork(b *Box) {
	s.destroyBox(b)
	s.putPlace(b.index, nil, false)
}
