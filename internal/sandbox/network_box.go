package sandbox

import (
	"context"
	"fmt"
	"time"
)

// NetworkEnabled reports whether the pool was made with a NetworkConfig.
func (s *Sandbox) NetworkEnabled() bool { return s.net != nil }

// AcquireNetwork waits for a free box like Acquire, and hands out in its
// place a fresh box with network access: a new container (with
// /etc/resolv.conf, /etc/hosts and the CA certificates) whose network
// namespace gets a veth pair. The pool's box stays aside, unused, while
// the network box runs as its uid; Release destroys the network box,
// never reused (its kernel may hold sockets and state of the run), and
// returns the pool's box. The caller must Release it.
func (s *Sandbox) AcquireNetwork(ctx context.Context) (*Box, error) {
	if s.net == nil {
		return nil, ErrNoNetwork
	}
	slot, err := s.Acquire(ctx)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	b, err := s.buildBox(slot.index, s.net.mounts)
	if err != nil {
		s.returnSlot(slot)
		return nil, err
	}
	built := time.Now()
	if b.net, err = s.net.attach(b.index, b.initPid); err != nil {
		s.destroyBox(b)
		s.returnSlot(slot)
		return nil, fmt.Errorf("sandbox: box %d: network: %w", b.index, err)
	}
	b.slot = slot
	s.log.Debug("network box ready", "box", b.index, "container", built.Sub(start), "veth", time.Since(built))
	if s.isClosed() {
		// Close began while the box was made and did not see it.
		s.releaseNetwork(b)
		return nil, ErrClosed
	}
	return b, nil
}

// releaseNetwork destroys a network box (its veth pair with it) and gives
// its place back to the pool's box it stood for.
func (s *Sandbox) releaseNetwork(b *Box) {
	slot := b.slot
	b.slot = nil
	s.destroyBox(b)
	s.returnSlot(slot)
}

// returnSlot puts back a pool box that ran nothing while it was out.
func (s *Sandbox) returnSlot(slot *Box) {
	if s.isClosed() {
		s.destroyBox(slot)
		return
	}
	s.free <- slot
}
