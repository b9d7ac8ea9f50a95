package engine

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/coderacer/coderacer/internal/langs"
)

func TestResolveDefaults(t *testing.T) {
	p := DefaultRunPolicy()
	got, err := p.Resolve(StageRun, Limits{}, Limits{})
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
	got, err := p.Resolve(StageRun, Limits{CPUTime: 1500 * time.Millisecond, Processes: 10}, override)
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
	got, err := p.Resolve(StageRun, Limits{}, Limits{Memory: 1 << 30})
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
		req   Limits
		limit Limit
		value int64
		msg   string
	}{
		{Limits{WallTime: time.Hour}, LimitWallTime, int64(time.Hour), "compile stage: wall time 1h0m0s exceeds the server maximum 30s"},
		{Limits{CPUTime: 31 * time.Second}, LimitCPUTime, int64(31 * time.Second), "compile stage: CPU time 31s exceeds the server maximum 30s"},
		{Limits{Memory: 3 << 30}, LimitMemory, 3 << 30, "compile stage: memory 3221225472 bytes exceeds the server maximum 2147483648 bytes"},
		{Limits{Processes: 10000}, LimitProcesses, 10000, "compile stage: processes 10000 exceeds the server maximum 256"},
		{Limits{Output: 1 << 40}, LimitOutput, 1 << 40, "compile stage: output 1099511627776 bytes exceeds the server maximum 16777216 bytes"},
		{Limits{FileSize: -1}, LimitFileSize, -1, "compile stage: file size must not be negative"},
		{Limits{OpenFiles: 1 << 20}, LimitOpenFiles, 1 << 20, "compile stage: open files 1048576 exceeds the server maximum 4096"},
	}
	for _, c := range cases {
		_, err := p.Resolve(StageCompile, c.req, Limits{})
		var le *LimitError
		if !errors.As(err, &le) || le.Stage != StageCompile || le.Limit != c.limit || le.Value != c.value {
			t.Errorf("Resolve(%+v) = %#v, want a LimitError of the compile stage's %v", c.req, err, c.limit)
			continue
		}
		if le.Value >= 0 && le.Max != p.Max.Get(c.limit) {
			t.Errorf("%v: Max %d, want %d", c.limit, le.Max, p.Max.Get(c.limit))
		}
		if err.Error() != c.msg {
			t.Errorf("%v: %q, want %q", c.limit, err, c.msg)
		}
	}
}

// The table and Limits agree: every limit has a field of its own, every
// field a limit, and each row says what settings and dialects need.
func TestLimitTable(t *testing.T) {
	var l Limits
	seen := map[*int64]Limit{}
	n := 0
	for k := range AllLimits() {
		n++
		p := l.Field(k)
		if p == nil {
			t.Fatalf("%v has no field", k)
		}
		if other, ok := seen[p]; ok {
			t.Errorf("%v and %v share a field", k, other)
		}
		seen[p] = k
		*p = int64(n)
		if l.Get(k) != int64(n) {
			t.Errorf("Get(%v) does not read Field", k)
		}
		if k.String() == "" || k.Key() == "" || k.Doc() == "" || k.Unit() == 0 {
			t.Errorf("%d: incomplete row %q %q %q %v", int(k), k.String(), k.Key(), k.Doc(), k.Unit())
		}
	}
	if fields := reflect.TypeOf(l).NumField(); n != fields {
		t.Errorf("the table has %d limits, Limits %d fields", n, fields)
	}
	if l.Field(LimitNone) != nil || l.Get(LimitNone) != 0 {
		t.Error("LimitNone has a field")
	}
}

func TestPolicyCheck(t *testing.T) {
	for _, p := range []LimitPolicy{DefaultRunPolicy(), DefaultCompilePolicy()} {
		if err := p.Check(); err != nil {
			t.Errorf("default policy: %v", err)
		}
	}
	p := DefaultRunPolicy()
	p.Default.OpenFiles = 0
	if err := p.Check(); err == nil || err.Error() != "every default must be positive" {
		t.Errorf("zero default: %v", err)
	}
	p = DefaultRunPolicy()
	p.Default.CPUTime = p.Max.CPUTime + 1
	if err := p.Check(); err == nil || err.Error() != "a default exceeds its maximum" {
		t.Errorf("default above max: %v", err)
	}
}

// Each field of a runtime's limits overrides a limit of its own.
func TestOverridesCoverRuntimeLimits(t *testing.T) {
	var rl langs.Limits
	typ := reflect.TypeOf(rl)
	seen := map[Limit]string{}
	for i := range typ.NumField() {
		one := rl
		reflect.ValueOf(&one).Elem().Field(i).SetInt(7)
		got := overrides(one)
		var set []Limit
		for k := range AllLimits() {
			if got.Get(k) != 0 {
				set = append(set, k)
			}
		}
		if len(set) != 1 {
			t.Errorf("langs.Limits.%s overrides %v, want one limit", typ.Field(i).Name, set)
			continue
		}
		if other, ok := seen[set[0]]; ok {
			t.Errorf("langs.Limits.%s and .%s both override %v", typ.Field(i).Name, other, set[0])
		}
		seen[set[0]] = typ.Field(i).Name
	}
	if len(seen) != typ.NumField() || typ.NumField() != reflect.TypeOf(Limits{}).NumField() {
		t.Errorf("langs.Limits has %d fields, engine.Limits %d", typ.NumField(), reflect.TypeOf(Limits{}).NumField())
	}
}
