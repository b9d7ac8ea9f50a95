package api

import (
	"fmt"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/coderacer/coderacer/internal/engine"
	"github.com/coderacer/coderacer/internal/metrics"
)

// WSOptions bound the WebSocket sessions of both dialects, so that no
// client, however slow, holds a sandbox past its run or more of the
// server's memory than OutputBuffer. Zero fields pick the defaults
// (DefaultWSOptions).
type WSOptions struct {
	// MaxSessions is how many sessions may be open at once; one more is
	// refused before the upgrade with 503.
	MaxSessions int
	// OutputBuffer is how many bytes of output a session holds that its
	// client has not taken. The engine never waits for a client: past
	// the bound the session is closed (1008) and its job stopped.
	OutputBuffer int64
	// WriteTimeout is how long a client has to take each message; one
	// that takes none for that long is cut off.
	WriteTimeout time.Duration
	// DrainTimeout is how long a client has, once the session is closing
	// (its job over), to take everything still buffered.
	DrainTimeout time.Duration
}

// DefaultWSOptions are the bounds of docs/websocket.md.
func DefaultWSOptions() WSOptions {
	return WSOptions{
		MaxSessions: 128,
		// A run's whole output at the default limits (1 MiB per
		// stream): a client of such a run is never cut off for its speed
		// alone, only for taking no message for WriteTimeout.
		OutputBuffer: 2 * engine.DefaultRunPolicy().Default.Output,
		WriteTimeout: DefaultWriteTimeout,
		DrainTimeout: 30 * time.Second,
	}
}

// withDefaults fills the zero fields.
func (o WSOptions) withDefaults() WSOptions {
	d := DefaultWSOptions()
	if o.MaxSessions <= 0 {
		o.MaxSessions = d.MaxSessions
	}
	if o.OutputBuffer <= 0 {
		o.OutputBuffer = d.OutputBuffer
	}
	if o.WriteTimeout <= 0 {
		o.WriteTimeout = d.WriteTimeout
	}
	if o.DrainTimeout <= 0 {
		o.DrainTimeout = d.DrainTimeout
	}
	return o
}

// wsSessions counts the open sessions of both dialects.
type wsSessions struct {
	open    atomic.Int64
	metrics *metrics.Metrics // nil: none
}

// acquire takes a place for a session; false when max are open.
func (c *wsSessions) acquire(max int) bool {
	if c.open.Add(1) > int64(max) {
		c.open.Add(-1)
		return false
	}
	c.metrics.WebSocketOpened()
	return true
}

func (c *wsSessions) release() {
	c.open.Add(-1)
	c.metrics.WebSocketClosed()
}

// refuseSession answers a session over the cap, before the upgrade, in
// the dialect's error shape.
func refuseSession(w http.ResponseWriter, max int, writeErr func(http.ResponseWriter, int, string)) {
	w.Header().Set("Retry-After", "1")
	writeErr(w, http.StatusServiceUnavailable,
		fmt.Sprintf("too many WebSocket sessions: at most %d may be open at once; retry later", max))
}
