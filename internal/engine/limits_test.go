package engine

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestResolveDefaults(t *testing.T) {
	p := DefaultRunPolicy()
	got, err := p.Resolve(LimitRequest{}, Limits{}, "limits")
	if err != nil {
		t.Fatal(err)
	}
	if got != p.Default {
		t.Fatalf("Resolve(empty) = %+v, want the defaults %+v", got, p.Default)
	}
}

func TestResolveRequestAndOverride(t *testing.T) {
	p := DefaultRunPolicy()
	override := Limits{Memory: 1 << 30, Processes: 128}
	got, err := p.Resolve(LimitRequest{CPUTime: 1500 * time.Millisecond, Processes: 10}, override, "limits")
	if err != nil {
		t.Fatal(err)
	}
	if got.CPUTime != 1500*time.Millisecond || got.Processes != 10 || got.Memory != 1<<30 || got.WallTime != p.Default.WallTime {
		t.Fatalf("got %+v", got)
	}
}

func TestResolveOverrideCappedByMax(t *testing.T) {
	p := DefaultRunPolicy()
	p.Max.Memory = 512 << 20
	got, err := p.Resolve(LimitRequest{}, Limits{Memory: 1 << 30}, "limits")
	if err != nil {
		t.Fatal(err)
	}
	if got.Memory != 512<<20 {
		t.Fatalf("runtime override passed the maximum: %d", got.Memory)
	}
}

func TestResolveRejects(t *testing.T) {
	p := DefaultRunPolicy()
	cases := []struct {
		req  LimitRequest
		name string
	}{
		{LimitRequest{WallTime: time.Hour}, "compileLimits.wallTimeMs"},
		{LimitRequest{CPUTime: 31 * time.Second}, "compileLimits.cpuTimeMs"},
		{LimitRequest{Memory: 3 << 30}, "compileLimits.memoryBytes"},
		{LimitRequest{Processes: 10000}, "compileLimits.processes"},
		{LimitRequest{Output: 1 << 40}, "compileLimits.outputBytes"},
		{LimitRequest{FileSize: -1}, "compileLimits.fileSizeBytes"},
		{LimitRequest{OpenFiles: 1 << 20}, "compileLimits.openFiles"},
	}
	for _, c := range cases {
		_, err := p.Resolve(c.req, Limits{}, "compileLimits")
		var le *LimitError
		if !errors.As(err, &le) || le.Limit != c.name || !strings.Contains(err.Error(), c.name) {
			t.Errorf("Resolve(%+v) = %v, want a LimitError naming %s", c.req, err, c.name)
		}
	}
}
