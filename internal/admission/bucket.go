package admission

import (
	"math"
	"time"
)

// bucket holds a client's CPU seconds. It is a plain token bucket except
// that a charge may take it below zero: a job's CPU time is known only
// after it ran, and a long job is paid for by the jobs after it.
// (golang.org/x/time/rate keeps whole tokens and refuses to reserve more
// than its burst, so it cannot hold a debt larger than the burst.)
type bucket struct {
	tokens float64 // seconds; negative is debt
	last   time.Time
}

func fullBucket(q CPUQuota, now time.Time) bucket {
	return bucket{tokens: q.Burst, last: now}
}

// refill adds what came back since the last refill, up to the burst.
func (b *bucket) refill(q CPUQuota, now time.Time) {
	if now.After(b.last) {
		b.tokens += q.Rate * now.Sub(b.last).Seconds()
		b.last = now
	}
	b.tokens = min(b.tokens, q.Burst)
}

// empty reports whether the bucket holds no CPU time (refill first).
func (b *bucket) empty() bool { return b.tokens <= 0 }

// retryAfter is how long until an empty bucket holds CPU time again: the
// first whole millisecond at which it is above zero.
func (b *bucket) retryAfter(q CPUQuota) time.Duration {
	d := seconds(-b.tokens / q.Rate)
	return max(d.Truncate(time.Millisecond)+time.Millisecond, time.Millisecond)
}

// fullAt is when the bucket will be full again.
func (b *bucket) fullAt(q CPUQuota) time.Time {
	return b.last.Add(seconds((q.Burst - b.tokens) / q.Rate))
}

func (b *bucket) charge(cpu time.Duration) { b.tokens -= cpu.Seconds() }

// seconds converts s to a Duration, saturating instead of overflowing
// (a huge debt at a tiny rate).
func seconds(s float64) time.Duration {
	if s >= math.MaxInt64/float64(time.Second) {
		return math.MaxInt64
	}
	return time.Duration(math.Ceil(s * float64(time.Second)))
}
