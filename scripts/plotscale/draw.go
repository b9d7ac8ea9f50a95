package main

import (
	"fmt"
	"image/color"
	"os"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

var (
	engineColor = color.RGBA{R: 0x1f, G: 0x5f, B: 0xbf, A: 0xff}
	p50Color    = color.RGBA{R: 0x7f, G: 0xaf, B: 0xef, A: 0xff}
	bareColor   = color.RGBA{R: 0x70, G: 0x70, B: 0x70, A: 0xff}
	refuseColor = color.RGBA{R: 0xcf, G: 0x30, B: 0x30, A: 0xff}
	roomColor   = color.RGBA{R: 0xb0, G: 0xb0, B: 0xb0, A: 0xff}
	dashed      = []vg.Length{vg.Points(5), vg.Points(3)}
)

// writePNG draws the two panels side by side into path.
func writePNG(path string, c *curve) error {
	plot.DefaultFont = font.Font{Typeface: "Liberation", Variant: "Sans"}
	tp, err := throughputPlot(c)
	if err != nil {
		return err
	}
	lp, err := latencyPlot(c)
	if err != nil {
		return err
	}
	img := vgimg.NewWith(vgimg.UseWH(11*vg.Inch, 4.4*vg.Inch), vgimg.UseDPI(144))
	dc := draw.New(img)
	tiles := draw.Tiles{Rows: 1, Cols: 2, PadX: vg.Inch / 3, PadTop: vg.Points(6), PadBottom: vg.Points(6), PadLeft: vg.Points(6), PadRight: vg.Points(12)}
	// Each panel in its own tile (plot.Align would push the titles to
	// different heights to line the axes up).
	tp.Draw(tiles.At(dc, 0, 0))
	lp.Draw(tiles.At(dc, 1, 0))
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// basePlot is a plot with the clients on a logarithmic x axis.
func basePlot(c *curve, title, ylabel string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "concurrent clients (log scale)"
	p.Y.Label.Text = ylabel
	p.X.Scale = plot.LogScale{}
	p.X.Tick.Marker = clientTicks(c.Points)
	p.X.Min = float64(c.Points[0].Clients) / 1.25
	p.X.Max = float64(c.Points[len(c.Points)-1].Clients) * 1.25
	p.Add(plotter.NewGrid())
	p.Legend.Top, p.Legend.Left = true, true
	return p
}

// addLine adds xys as a line with its points, named in the legend.
func addLine(p *plot.Plot, name string, xys plotter.XYs, col color.Color, dashes []vg.Length) error {
	if len(xys) == 0 {
		return nil
	}
	l, s, err := plotter.NewLinePoints(xys)
	if err != nil {
		return err
	}
	l.Color, l.Width, l.Dashes = col, vg.Points(1.6), dashes
	s.Color, s.Radius = col, vg.Points(2.5)
	p.Add(l, s)
	p.Legend.Add(name, l, s)
	return nil
}

// addRoom marks where the server's room ends (parallelism + queue) with
// a vertical line from lo to hi, when it lies within the curve's clients.
func addRoom(p *plot.Plot, c *curve, lo, hi float64) error {
	x := float64(c.Room())
	if x < float64(c.Points[0].Clients) || x > float64(c.Points[len(c.Points)-1].Clients) {
		return nil
	}
	l, err := plotter.NewLine(plotter.XYs{{X: x, Y: lo}, {X: x, Y: hi}})
	if err != nil {
		return err
	}
	l.Color, l.Width, l.Dashes = roomColor, vg.Points(1), []vg.Length{vg.Points(2), vg.Points(2)}
	p.Add(l)
	p.Legend.Add(fmt.Sprintf("room: %d running + %d queued", c.Parallelism, c.QueueSize), l)
	return nil
}

// throughputPlot: completed requests per second, the bare side's, and
// the 503s per second, with room above for the legend.
func throughputPlot(c *curve) (*plot.Plot, error) {
	p := basePlot(c, fmt.Sprintf("Throughput: %s", c.Job), "requests per second")
	top := 0.0
	for _, pt := range c.Points {
		top = max(top, pt.PerS, pt.BarePerS, pt.QueueFullPerS)
	}
	p.Y.Min, p.Y.Max = 0, max(top*1.7, 1)
	if err := addLine(p, "Code Racer: 200 OK per second", series(c.Points, func(q point) float64 { return q.PerS }, false), engineColor, nil); err != nil {
		return nil, err
	}
	if err := addLine(p, "bare python3, as many workers", series(c.Points, func(q point) float64 { return q.BarePerS }, false), bareColor, dashed); err != nil {
		return nil, err
	}
	if c.AnyRefused() {
		if err := addLine(p, "Code Racer: 503 queue full per second", series(c.Points, func(q point) float64 { return q.QueueFullPerS }, false), refuseColor, nil); err != nil {
			return nil, err
		}
	}
	return p, addRoom(p, c, 0, p.Y.Max)
}

// latencyPlot: p99 and p50 of the completed requests and the bare p99,
// on a logarithmic y axis.
func latencyPlot(c *curve) (*plot.Plot, error) {
	p := basePlot(c, "Latency of completed requests", "milliseconds (log scale)")
	lo, hi := 0.0, 0.0
	for _, pt := range c.Points {
		for _, v := range []float64{pt.P50Ms, pt.P99Ms, pt.BareP99Ms} {
			if v > 0 && (lo == 0 || v < lo) {
				lo = v
			}
			hi = max(hi, v)
		}
	}
	if lo == 0 {
		lo, hi = 1, 10
	}
	p.Y.Scale = plot.LogScale{}
	p.Y.Tick.Marker = plot.LogTicks{Prec: -1}
	p.Y.Min, p.Y.Max = lo/1.5, hi*12 // room above for the legend
	for _, l := range []struct {
		name   string
		figure func(point) float64
		col    color.Color
		dashes []vg.Length
	}{
		{"Code Racer p99", func(q point) float64 { return q.P99Ms }, engineColor, nil},
		{"Code Racer p50", func(q point) float64 { return q.P50Ms }, p50Color, nil},
		{"bare python3 p99", func(q point) float64 { return q.BareP99Ms }, bareColor, dashed},
	} {
		if err := addLine(p, l.name, series(c.Points, l.figure, true), l.col, l.dashes); err != nil {
			return nil, err
		}
	}
	return p, addRoom(p, c, p.Y.Min, p.Y.Max)
}
