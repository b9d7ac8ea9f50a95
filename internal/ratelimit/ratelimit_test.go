package ratelimit

import (
	"strconv"
	"testing"
	"time"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }
func newClock() *clock                   { return &clock{t: time.Unix(1e9, 0)} }

func TestBucket(t *testing.T) {
	c := newClock()
	l := New(0, c.now)
	lim := Limit{Rate: 2, Burst: 3}
	for i := range 3 {
		d := l.Allow("a", lim)
		if !d.Allowed || d.Remaining != 2-i || d.Limit != 3 {
			t.Fatalf("request %d: %+v", i, d)
		}
	}
	d := l.Allow("a", lim)
	if d.Allowed || d.RetryAfter != 500*time.Millisecond || d.Reset != 1500*time.Millisecond {
		t.Fatalf("over the burst: %+v", d)
	}
	if d := l.Allow("b", lim); !d.Allowed {
		t.Fatalf("another client refused: %+v", d)
	}
	c.advance(500 * time.Millisecond)
	if d := l.Allow("a", lim); !d.Allowed {
		t.Fatalf("after the wait: %+v", d)
	}
	if d := l.Allow("a", Limit{}); !d.Allowed {
		t.Fatalf("no limit refused: %+v", d)
	}
	// Reshaped: a larger burst fills as the bucket refills.
	l.Allow("a", Limit{Rate: 2, Burst: 10})
	c.advance(10 * time.Second)
	for i := range 10 {
		if d := l.Allow("a", Limit{Rate: 2, Burst: 10}); !d.Allowed {
			t.Fatalf("reshaped bucket, request %d: %+v", i, d)
		}
	}
}

func TestBoundedClients(t *testing.T) {
	c := newClock()
	l := New(100, c.now)
	lim := Limit{Rate: 1, Burst: 5}
	for i := range 1000 {
		l.Allow(strconv.Itoa(i), lim)
		if l.Len() > 100 {
			t.Fatalf("%d buckets after %d clients", l.Len(), i+1)
		}
	}
	// Idle (full) buckets go first: a client in debt keeps its bucket.
	c.advance(time.Hour)
	for range 5 {
		l.Allow("busy", lim)
	}
	for i := range 99 {
		l.Allow("new"+strconv.Itoa(i), lim)
	}
	if d := l.Allow("busy", lim); d.Allowed {
		t.Fatalf("the busy client's bucket was dropped: %+v", d)
	}
}
