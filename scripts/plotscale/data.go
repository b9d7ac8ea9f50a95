package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
)

// point is one point of the curve, as test/bench's BenchmarkScaleCurve
// writes it (-bench.scaleout); only the fields drawn or tabled are read.
type point struct {
	Clients       int     `json:"clients"`
	PerS          float64 `json:"perS"`
	P50Ms         float64 `json:"p50Ms"`
	P99Ms         float64 `json:"p99Ms"`
	Completed     int     `json:"completed"`
	QueueFull     int     `json:"queueFull"`
	QueueFullPerS float64 `json:"queueFullPerS"`
	RefusedP50Ms  float64 `json:"refusedP50Ms"`
	OtherErrors   int     `json:"otherErrors"`
	BarePerS      float64 `json:"barePerS"`
	BareP50Ms     float64 `json:"bareP50Ms"`
	BareP99Ms     float64 `json:"bareP99Ms"`
	BareErrors    int     `json:"bareErrors"`
}

// curve is the whole run.
type curve struct {
	Job         string  `json:"job"`
	Date        string  `json:"date"`
	Machine     string  `json:"machine"`
	LoadBefore  string  `json:"loadBefore"`
	LoadAfter   string  `json:"loadAfter"`
	Parallelism int     `json:"parallelism"`
	QueueSize   int     `json:"queueSize"`
	Window      string  `json:"window"`
	Rounds      int     `json:"rounds"`
	RetryAfter  bool    `json:"retryAfter"`
	Points      []point `json:"points"`
}

// readCurve decodes and checks a curve: at least one point, client counts
// positive and increasing (the x axis is logarithmic), figures finite and
// not negative.
func readCurve(r io.Reader) (*curve, error) {
	var c curve
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

// series is one figure of every point against its clients. On a
// logarithmic y axis (positive) points whose figure is 0 are left out:
// no completion, so no latency.
func series(pts []point, figure func(point) float64, positive bool) plotter.XYs {
	var xys plotter.XYs
	for _, p := range pts {
		y := figure(p)
		if positive && y <= 0 {
			continue
		}
		xys = append(xys, plotter.XY{X: float64(p.Clients), Y: y})
	}
	return xys
}

// clientTicks labels the x axis with the client counts themselves.
func clientTicks(pts []point) plot.ConstantTicks {
	var ticks plot.ConstantTicks
	for _, p := range pts {
		ticks = append(ticks, plot.Tick{Value: float64(p.Clients), Label: strconv.Itoa(p.Clients)})
	}
	return ticks
}

// room is how many requests the server holds at once: its parallelism
// plus its queue; more get 503.
func (c *curve) room() int { return c.Parallelism + c.QueueSize }

// anyRefused tells whether some point got 503s.
func (c *curve) anyRefused() bool {
	for _, p := range c.Points {
		if p.QueueFull > 0 {
			return true
		}
	}
	return false
}

// writeTable writes the curve as a Markdown table (docs/benchmarks.md).
func writeTable(w io.Writer, c *curve) error {
	_, err := fmt.Fprintln(w, "| clients | requests/s | bare /s | ratio | p50 ms | p99 ms | bare p99 ms | 503 (queue full) | 503 /s | 503 answered in (p50) | other errors (engine / bare) |\n| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
	if err != nil {
		return err
	}
	for _, p := range c.Points {
		ratio := "–"
		if p.BarePerS > 0 {
			ratio = fmt.Sprintf("%.2f", p.PerS/p.BarePerS)
		}
		refused := "–"
		if p.QueueFull > 0 {
			refused = fmt.Sprintf("%.2f ms", p.RefusedP50Ms)
		}
		_, err := fmt.Fprintf(w, "| %d | %.1f | %.1f | %s | %.1f | %.1f | %.1f | %d | %.1f | %s | %d / %d |\n",
			p.Clients, p.PerS, p.BarePerS, ratio, p.P50Ms, p.P99Ms, p.BareP99Ms, p.QueueFull, p.QueueFullPerS, refused, p.OtherErrors, p.BareErrors)
		if err != nil {
			return err
		}
	}
	return nil
}
