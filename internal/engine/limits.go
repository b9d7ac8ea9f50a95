package engine

import "time"

// Limits bound one stage of a job.
type Limits struct {
	WallTime  time.Duration
	CPUTime   time.Duration
	Memory    int64 // bytes, cgroup limit, swap off
	Processes int64 // processes and threads (pids cgroup)
	Output    int64 // bytes per output stream
	FileSize  int64 // bytes, largest file the program may write
	OpenFiles int64
}

// LimitRequest is what a request asked for. A zero field means "use the
// default"; the API layer converts its own units into this shape.
type LimitRequest struct {
	WallTime  time.Duration
	CPUTime   time.Duration
	Memory    int64
	Processes int64
	Output    int64
	FileSize  int64
	OpenFiles int64
}

// LimitPolicy holds the server's defaults and maxima for one stage.
type LimitPolicy struct {
	Default Limits
	Max     Limits
}

// DefaultRunPolicy and DefaultCompilePolicy are DESIGN.md's starting values.
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

// Resolve combines a request with the server policy. A runtime's override
// replaces the server default (the JVM needs more memory) but is capped by
// the maximum like everything else; a request above the maximum is an error
// naming the field as prefix.name, e.g. "limits.cpuTimeMs".
func (p LimitPolicy) Resolve(req LimitRequest, override Limits, prefix string) (Limits, error) {
	def := p.Default.with(override)
	type field struct {
		name     string
		asked    int64
		def, max int64
		out      *int64
	}
	var out Limits
	wall, cpu := int64(0), int64(0)
	fields := []field{
		{"wallTimeMs", req.WallTime.Milliseconds(), def.WallTime.Milliseconds(), p.Max.WallTime.Milliseconds(), &wall},
		{"cpuTimeMs", req.CPUTime.Milliseconds(), def.CPUTime.Milliseconds(), p.Max.CPUTime.Milliseconds(), &cpu},
		{"memoryBytes", req.Memory, def.Memory, p.Max.Memory, &out.Memory},
		{"processes", req.Processes, def.Processes, p.Max.Processes, &out.Processes},
		{"outputBytes", req.Output, def.Output, p.Max.Output, &out.Output},
		{"fileSizeBytes", req.FileSize, def.FileSize, p.Max.FileSize, &out.FileSize},
		{"openFiles", req.OpenFiles, def.OpenFiles, p.Max.OpenFiles, &out.OpenFiles},
	}
	for _, f := range fields {
		switch {
		case f.asked < 0:
			return Limits{}, &LimitError{Limit: prefix + "." + f.name, Value: f.asked}
		case f.asked > f.max:
			return Limits{}, &LimitError{Limit: prefix + "." + f.name, Value: f.asked, Max: f.max}
		case f.asked > 0:
			*f.out = f.asked
		default:
			*f.out = min(f.def, f.max)
		}
	}
	out.WallTime = time.Duration(wall) * time.Millisecond
	out.CPUTime = time.Duration(cpu) * time.Millisecond
	return out, nil
}

// with returns l with every non-zero field of o in place of its own.
func (l Limits) with(o Limits) Limits {
	if o.WallTime > 0 {
		l.WallTime = o.WallTime
	}
	if o.CPUTime > 0 {
		l.CPUTime = o.CPUTime
	}
	if o.Memory > 0 {
		l.Memory = o.Memory
	}
	if o.Processes > 0 {
		l.Processes = o.Processes
	}
	if o.Output > 0 {
		l.Output = o.Output
	}
	if o.FileSize > 0 {
		l.FileSize = o.FileSize
	}
	if o.OpenFiles > 0 {
		l.OpenFiles = o.OpenFiles
	}
	return l
}
