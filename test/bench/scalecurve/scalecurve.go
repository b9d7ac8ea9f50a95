// Package scalecurve is the scale curve's data, as test/bench's
// BenchmarkScaleCurve writes it (-bench.scaleout) and scripts/plotscale
// reads it: one home for the format both sides share.
package scalecurve

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
)

// Point is one point of the curve: a number of concurrent clients.
type Point struct {
	Clients       int       `json:"clients"`
	PerS          float64   `json:"perS"`       // completed requests a second, median over rounds
	RoundsPerS    []float64 `json:"roundsPerS"` // each round's
	P50Ms         float64   `json:"p50Ms"`      // of every completed request of the point
	P99Ms         float64   `json:"p99Ms"`
	Completed     int       `json:"completed"`
	QueueFull     int       `json:"queueFull"`     // 503 "execution queue is full"
	QueueFullPerS float64   `json:"queueFullPerS"` // over the point's engine windows
	RefusedP50Ms  float64   `json:"refusedP50Ms"`  // round trip of a 503
	OtherErrors   int       `json:"otherErrors"`
	FirstError    string    `json:"firstError,omitempty"`
	BarePerS      float64   `json:"barePerS"` // median over rounds
	BareP50Ms     float64   `json:"bareP50Ms"`
	BareP99Ms     float64   `json:"bareP99Ms"`
	BareErrors    int       `json:"bareErrors"`
}

// Curve is the whole run.
type Curve struct {
	Job         string  `json:"job"`
	Date        string  `json:"date"`
	Machine     string  `json:"machine"`
	LoadBefore  string  `json:"loadBefore"`
	LoadAfter   string  `json:"loadAfter"`
	Parallelism int     `json:"parallelism"`
	QueueSize   int     `json:"queueSize"`
	Window      string  `json:"window"`
	Rounds      int     `json:"rounds"`
	RetryAfter  bool    `json:"retryAfter"` // clients waited a 503's Retry-After
	Points      []Point `json:"points"`
}

// Read decodes and checks a curve: at least one point, client counts
// positive and increasing (the x axis is logarithmic), figures finite and
// not negative.
func Read(r io.Reader) (*Curve, error) {
	var c Curve
	if err := json.NewDecoder(r).Decode(&c); err != nil {
		return nil, fmt.Errorf("the curve is not JSON: %w", err)
	}
	if len(c.Points) == 0 {
		return nil, fmt.Errorf("the curve has no points")
	}
	for i, p := range c.Points {
		if p.Clients < 1 || (i > 0 && p.Clients <= c.Points[i-1].Clients) {
			return nil, fmt.Errorf("point %d: %d clients; want positive counts in increasing order", i, p.Clients)
		}
		for _, v := range []float64{p.PerS, p.P50Ms, p.P99Ms, p.QueueFullPerS, p.RefusedP50Ms, p.BarePerS, p.BareP50Ms, p.BareP99Ms} {
			if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
				return nil, fmt.Errorf("point %d (%d clients): a figure is %v", i, p.Clients, v)
			}
		}
	}
	return &c, nil
}

// Room is how many requests the server holds at once: its parallelism
// plus its queue; more get 503.
func (c *Curve) Room() int { return c.Parallelism + c.QueueSize }

// AnyRefused tells whether some point got 503s.
func (c *Curve) AnyRefused() bool {
	for _, p := range c.Points {
		if p.QueueFull > 0 {
			return true
		}
	}
	return false
}

// Ratio is the engine's completions per second over the bare side's at
// the same point (0 without a bare figure).
func (p Point) Ratio() float64 {
	if p.BarePerS <= 0 {
		return 0
	}
	return p.PerS / p.BarePerS
}
