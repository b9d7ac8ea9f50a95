package main

import (
	"fmt"
	"io"
	"strconv"

	"github.com/coderacer/coderacer/test/bench/scalecurve"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
)

// point and curve are the format test/bench writes (scalecurve).
type (
	point = scalecurve.Point
	curve = scalecurve.Curve
)

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
