// Package ratelimit keeps a token bucket of requests for each client (an
// API key, or an address when keys are off), within a bounded memory.
package ratelimit

import (
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// DefaultMaxClients bounds the buckets kept at once; past it, idle ones
// go first, then any.
const DefaultMaxClients = 1 << 16

// Limit is a bucket's shape: Rate requests come back each second, up to
// Burst. A zero Rate means no limit.
type Limit struct {
	Rate  float64
	Burst int
}

// Decision is what Allow decided, with what the RateLimit-* headers say.
type Decision struct {
	Allowed   bool
	Limit     int           // the bucket's size (RateLimit-Limit)
	Remaining int           // requests left now (RateLimit-Remaining)
	Reset     time.Duration // until the bucket is full (RateLimit-Reset)
	// RetryAfter is how long a refused client waits for one request.
	RetryAfter time.Duration
}

// Limiter holds the buckets. The zero value is not usable: call New.
type Limiter struct {
	now        func() time.Time
	maxClients int
	mu         sync.Mutex
	buckets    map[string]*rate.Limiter
}

// New returns a limiter keeping at most maxClients buckets (0: the
// default); now is the clock (nil: time.Now).
func New(maxClients int, now func() time.Time) *Limiter {
	if maxClients <= 0 {
		maxClients = DefaultMaxClients
	}
	if now == nil {
		now = time.Now
	}
	return &Limiter{now: now, maxClients: maxClients, buckets: make(map[string]*rate.Limiter)}
}

// Allow takes one request from client's bucket, shaped by lim (a bucket
// whose limit changed, e.g. after its key was reloaded, is reshaped).
func (l *Limiter) Allow(client string, lim Limit) Decision {
	if lim.Rate <= 0 {
		return Decision{Allowed: true}
	}
	burst := max(lim.Burst, 1)
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[client]
	if b == nil {
		l.makeRoom(now)
		b = rate.NewLimiter(rate.Limit(lim.Rate), burst)
		l.buckets[client] = b
	} else if b.Limit() != rate.Limit(lim.Rate) || b.Burst() != burst {
		b.SetLimitAt(now, rate.Limit(lim.Rate))
		b.SetBurstAt(now, burst)
	}
	d := Decision{Allowed: b.AllowN(now, 1), Limit: burst}
	tokens := b.TokensAt(now)
	d.Remaining = max(int(math.Floor(tokens)), 0)
	d.Reset = seconds((float64(burst) - tokens) / lim.Rate)
	if !d.Allowed {
		d.RetryAfter = seconds((1 - tokens) / lim.Rate)
	}
	return d
}

func seconds(s float64) time.Duration {
	if s <= 0 {
		return 0
	}
	return time.Duration(s * float64(time.Second))
}

// makeRoom drops buckets once there are maxClients: first the full ones
// (their clients are idle, and a new bucket is full too, so nothing
// changes for them), then any, down to three quarters, so that the sweep
// runs rarely. A flood of new addresses thus costs memory within a bound.
func (l *Limiter) makeRoom(now time.Time) {
	if len(l.buckets) < l.maxClients {
		return
	}
	for c, b := range l.buckets {
		if b.TokensAt(now) >= float64(b.Burst()) {
			delete(l.buckets, c)
		}
	}
	for c := range l.buckets {
		if len(l.buckets) <= l.maxClients*3/4 {
			break
		}
		delete(l.buckets, c)
	}
}

// Len is the number of buckets kept.
func (l *Limiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}
