package main

import (
	"strings"
	"testing"

	"github.com/coderacer/coderacer/test/bench/scalecurve"
)

const sample = `{"job": "python3 print(\"hi\")", "parallelism": 2, "queueSize": 64, "points": [
 {"clients": 1, "perS": 60, "p50Ms": 15, "p99Ms": 25, "barePerS": 65, "bareP50Ms": 14, "bareP99Ms": 22},
 {"clients": 64, "perS": 110, "p50Ms": 560, "p99Ms": 640, "barePerS": 130, "bareP99Ms": 900},
 {"clients": 128, "perS": 0, "p50Ms": 0, "p99Ms": 0, "queueFull": 180, "queueFullPerS": 58.5, "refusedP50Ms": 1.25, "otherErrors": 2, "bareErrors": 1, "barePerS": 128}]}`

func TestReadCurveChecksPoints(t *testing.T) {
	c, err := scalecurve.Read(strings.NewReader(sample))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Points) != 3 || c.Room() != 66 || !c.AnyRefused() {
		t.Fatalf("curve %+v: room %d, refused %v", c, c.Room(), c.AnyRefused())
	}
	for _, bad := range []string{
		``, `[]`, `{"points": []}`,
		`{"points": [{"clients": 0}]}`,
		`{"points": [{"clients": 4}, {"clients": 2}]}`,
		`{"points": [{"clients": 4}, {"clients": 4}]}`,
		`{"points": [{"clients": 1, "p99Ms": -1}]}`,
	} {
		if _, err := scalecurve.Read(strings.NewReader(bad)); err == nil {
			t.Errorf("scalecurve.Read(%q) accepted it", bad)
		}
	}
}

func TestSeriesAndTicks(t *testing.T) {
	c, err := scalecurve.Read(strings.NewReader(sample))
	if err != nil {
		t.Fatal(err)
	}
	p99 := func(p point) float64 { return p.P99Ms }
	if xys := series(c.Points, p99, false); len(xys) != 3 || xys[2].X != 128 || xys[2].Y != 0 {
		t.Errorf("linear series %v", xys)
	}
	// No completion at 128 clients: no latency to put on a log axis.
	if xys := series(c.Points, p99, true); len(xys) != 2 || xys[1].X != 64 || xys[1].Y != 640 {
		t.Errorf("log series %v", xys)
	}
	ticks := clientTicks(c.Points)
	if len(ticks) != 3 || ticks[1].Value != 64 || ticks[1].Label != "64" {
		t.Errorf("ticks %v", ticks)
	}
}

func TestTable(t *testing.T) {
	c, err := scalecurve.Read(strings.NewReader(sample))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := writeTable(&b, c); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	want := []string{
		"| 1 | 60.0 | 65.0 | 0.92 | 15.0 | 25.0 | 22.0 | 0 | 0.0 | – | 0 / 0 |",
		"| 128 | 0.0 | 128.0 | 0.00 | 0.0 | 0.0 | 0.0 | 180 | 58.5 | 1.25 ms | 2 / 1 |",
	}
	if len(lines) != 5 || lines[2] != want[0] || lines[4] != want[1] {
		t.Errorf("table:\n%s\nwant rows\n%s", b.String(), strings.Join(want, "\n"))
	}
}
