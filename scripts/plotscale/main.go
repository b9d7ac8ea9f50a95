// Command plotscale draws the scale curve that test/bench's
// BenchmarkScaleCurve writes (-bench.scaleout) as a PNG: completed
// requests per second against concurrent clients, with the bare side and
// the 503s, and the latency percentiles against clients, both on a
// logarithmic x axis. With -table it also prints the points as a Markdown
// table for docs/benchmarks.md. `make bench-scale` runs both steps:
//
//	go run ./scripts/plotscale -in bin/scale-curve.json -out docs/scale-curve.png -table
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/coderacer/coderacer/test/bench/scalecurve"
)

func main() {
	in := flag.String("in", "bin/scale-curve.json", "the curve, as BenchmarkScaleCurve wrote it")
	out := flag.String("out", "docs/scale-curve.png", "the PNG to write")
	table := flag.Bool("table", false, "also print the points as a Markdown table on stdout")
	flag.Parse()
	if err := run(*in, *out, *table); err != nil {
		fmt.Fprintln(os.Stderr, "plotscale:", err)
		os.Exit(1)
	}
}

func run(in, out string, table bool) error {
	f, err := os.Open(in)
	if err != nil {
		return err
	}
	defer f.Close()
	c, err := scalecurve.Read(f)
	if err != nil {
		return fmt.Errorf("%s: %w", in, err)
	}
	if err := writePNG(out, c); err != nil {
		return err
	}
	if table {
		return writeTable(os.Stdout, c)
	}
	return nil
}
