package engine

import (
	"errors"
	"fmt"
	"iter"
	"time"
)

// Limit names one of the limits of a stage. The table below says what the
// engine knows of each; everything that deals with all of them (resolving
// a request, checking a policy, the server's settings, each API dialect's
// names) walks it, so a new limit is a row here and a field of Limits.
type Limit int

// The limits of a stage, in the table's order.
const (
	LimitNone Limit = iota // no limit: what ended a run that reached none
	LimitWallTime
	LimitCPUTime
	LimitMemory
	LimitProcesses
	LimitOutput
	LimitFileSize
	LimitOpenFiles
	limitEnd // past the last
)

// Unit is how a limit is measured.
type Unit int

// The units of limits. Every value is an int64: a time.Duration for
// UnitDuration.
const (
	UnitDuration Unit = iota + 1
	UnitBytes
	UnitCount
)

// limitInfo is a row of the table.
type limitInfo struct {
	name string // in words, for messages: "CPU time"
	key  string // for settings' names: "cpu-time"
	unit Unit
	// doc describes the limit to an operator.
	doc string
}

var limitTable = [limitEnd]limitInfo{
	LimitWallTime:  {"wall time", "wall-time", UnitDuration, "wall time"},
	LimitCPUTime:   {"CPU time", "cpu-time", UnitDuration, "CPU time of all processes and threads"},
	LimitMemory:    {"memory", "memory", UnitBytes, "memory (bytes; swap off)"},
	LimitProcesses: {"processes", "processes", UnitCount, "processes and threads"},
	LimitOutput:    {"output", "output", UnitBytes, "bytes per output stream"},
	LimitFileSize:  {"file size", "file-size", UnitBytes, "largest file written (bytes)"},
	LimitOpenFiles: {"open files", "open-files", UnitCount, "open files per process"},
}

// AllLimits yields every limit in the table's order.
func AllLimits() iter.Seq[Limit] {
	return func(yield func(Limit) bool) {
		for k := LimitNone + 1; k < limitEnd; k++ {
			if !yield(k) {
				return
			}
		}
	}
}

func (k Limit) info() limitInfo {
	switch {
	case k == LimitNone:
		return limitInfo{name: "no limit"}
	case k < LimitNone || k >= limitEnd:
		return limitInfo{name: fmt.Sprintf("limit %d", int(k)), key: fmt.Sprintf("limit-%d", int(k))}
	}
	return limitTable[k]
}

// String names the limit in words, e.g. "CPU time".
func (k Limit) String() string { return k.info().name }

// Key is the limit's name in settings, e.g. "cpu-time".
func (k Limit) Key() string { return k.info().key }

// Doc describes the limit for an operator.
func (k Limit) Doc() string { return k.info().doc }

// Unit is how the limit is measured.
func (k Limit) Unit() Unit { return k.info().unit }

// Format writes a value of the limit with its unit, e.g. "3s" or
// "1048576 bytes".
func (k Limit) Format(v int64) string {
	switch k.Unit() {
	case UnitDuration:
		return time.Duration(v).String()
	case UnitBytes:
		return fmt.Sprintf("%d bytes", v)
	}
	return fmt.Sprint(v)
}

// Limits bound one stage of a job. In a request, a zero field means "the
// server default".
type Limits struct {
	WallTime  time.Duration
	CPUTime   time.Duration
	Memory    int64 // bytes, cgroup limit, swap off
	Processes int64 // processes and threads (pids cgroup)
	Output    int64 // bytes per output stream
	FileSize  int64 // bytes, largest file the program may write
	OpenFiles int64
}

// Field is the one place that ties a Limit to its field; nil for
// LimitNone.
func (l *Limits) Field(k Limit) *int64 {
	switch k {
	case LimitWallTime:
		return (*int64)(&l.WallTime)
	case LimitCPUTime:
		return (*int64)(&l.CPUTime)
	case LimitMemory:
		return &l.Memory
	case LimitProcesses:
		return &l.Processes
	case LimitOutput:
		return &l.Output
	case LimitFileSize:
		return &l.FileSize
	case LimitOpenFiles:
		return &l.OpenFiles
	}
	return nil
}

// Get is the value of limit k; 0 for LimitNone.
func (l Limits) Get(k Limit) int64 {
	if p := l.Field(k); p != nil {
		return *p
	}
	return 0
}

// LimitPolicy holds the server's defaults and maxima for one stage.
type LimitPolicy struct {
	Default Limits
	Max     Limits
}

// DefaultRunPolicy and DefaultCompilePolicy are the limits a server starts
// with (README "Configuration" lists them).
func DefaultRunPolicy() LimitPolicy {
	return LimitPolicy{
		Default: Limits{
			WallTime: 3 * time.Second, CPUTime: 3 * time.Second,
			Memory: 256 << 20, Processes: 64, Output: 1 << 20,
			FileSize: 16 << 20, OpenFiles: 256,
		},
		Max: Limits{
			WallTime: 30 * time.Second, CPUTime: 30 * time.Second,
			Memory: 2 << 30, Processes: 256, Output: 16 << 20,
			FileSize: 64 << 20, OpenFiles: 4096,
		},
	}
}

// DefaultCompilePolicy is the compile stage's counterpart of DefaultRunPolicy.
func DefaultCompilePolicy() LimitPolicy {
	return LimitPolicy{
		Default: Limits{
			WallTime: 10 * time.Second, CPUTime: 10 * time.Second,
			Memory: 512 << 20, Processes: 128, Output: 1 << 20,
			FileSize: 64 << 20, OpenFiles: 1024,
		},
		Max: Limits{
			WallTime: 60 * time.Second, CPUTime: 60 * time.Second,
			Memory: 2 << 30, Processes: 256, Output: 16 << 20,
			FileSize: 256 << 20, OpenFiles: 4096,
		},
	}
}

// Check reports a policy the server cannot run with: a default that is
// not positive, or above its maximum.
func (p LimitPolicy) Check() error {
	for k := range AllLimits() {
		if p.Default.Get(k) <= 0 {
			return errors.New("every default must be positive")
		}
	}
	for k := range AllLimits() {
		if p.Default.Get(k) > p.Max.Get(k) {
			return errors.New("a default exceeds its maximum")
		}
	}
	return nil
}

// Resolve combines the request of stage (StageRun or StageCompile) with
// the server policy. A runtime's override replaces the server default
// (the JVM needs more memory) but is capped by the maximum like everything
// else; a request above the maximum, or negative, is a *LimitError.
func (p LimitPolicy) Resolve(stage string, req, override Limits) (Limits, error) {
	var out Limits
	for k := range AllLimits() {
		asked, def, most := req.Get(k), p.Default.Get(k), p.Max.Get(k)
		if o := override.Get(k); o > 0 {
			def = o
		}
		switch {
		case asked < 0:
			return Limits{}, &LimitError{Stage: stage, Limit: k, Value: asked}
		case asked > most:
			return Limits{}, &LimitError{Stage: stage, Limit: k, Value: asked, Max: most}
		case asked > 0:
			*out.Field(k) = asked
		default:
			*out.Field(k) = min(def, most)
		}
	}
	return out, nil
}

// LimitError reports a requested limit outside what the server allows.
// Each API dialect names the limit and writes the values in its own words
// and units.
type LimitError struct {
	Stage string // StageRun or StageCompile
	Limit Limit
	Value int64 // what was asked, in the engine's unit (a Duration for times)
	Max   int64 // the server maximum; meaningless when Value < 0
}

func (e *LimitError) Error() string {
	if e.Value < 0 {
		return fmt.Sprintf("%s stage: %s must not be negative", e.Stage, e.Limit)
	}
	return fmt.Sprintf("%s stage: %s %s exceeds the server maximum %s", e.Stage, e.Limit, e.Limit.Format(e.Value), e.Limit.Format(e.Max))
}
