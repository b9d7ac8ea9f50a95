package main

import (
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/coderacer/coderacer/test/bench/scalecurve"
)

// TestWritePNG draws the sample and checks that the image is a PNG of
// the expected size with the engine's line in it.
func TestWritePNG(t *testing.T) {
	c, err := scalecurve.Read(strings.NewReader(sample))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "curve.png")
	if err := writePNG(path, c); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != 1584 || b.Dy() != 634 {
		t.Fatalf("image is %v, want 1584×634 (11 × 4.4 in at 144 dpi)", b)
	}
	found := 0
	for y := img.Bounds().Min.Y; y < img.Bounds().Max.Y; y++ {
		for x := img.Bounds().Min.X; x < img.Bounds().Max.X; x++ {
			r, g, b, _ := img.At(x, y).RGBA()
			if r>>8 == uint32(engineColor.R) && g>>8 == uint32(engineColor.G) && b>>8 == uint32(engineColor.B) {
				found++
			}
		}
	}
	if found < 100 {
		t.Errorf("%d pixels of the engine's colour; want its lines drawn", found)
	}
}

func TestRunRefusesABadCurve(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "curve.json")
	if err := os.WriteFile(in, []byte(`{"points": []}`), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "curve.png")
	if err := run(in, out, false); err == nil || !strings.Contains(err.Error(), "no points") {
		t.Errorf("run = %v, want the curve refused", err)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("a PNG was written for a refused curve (%v)", err)
	}
}
