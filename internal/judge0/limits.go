package judge0

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// Config holds the defaults and maximums of the limits a submission may
// set (Judge0's config_info values of the same names).
type Config struct {
	CPUTimeLimit, MaxCPUTimeLimit           float64 // seconds
	CPUExtraTime, MaxCPUExtraTime           float64 // seconds
	WallTimeLimit, MaxWallTimeLimit         float64 // seconds
	MemoryLimit, MaxMemoryLimit             float64 // KB
	StackLimit, MaxStackLimit               float64 // KB
	MaxProcesses, MaxMaxProcesses           float64
	MaxFileSize, MaxMaxFileSize             float64 // KB
	NumberOfRuns, MaxNumberOfRuns           float64
	PerProcessTimeLimit, PerProcessMemLimit bool // defaults
	AllowPerProcessTime, AllowPerProcessMem bool
	RedirectStderr                          bool // default
	MaxTextOptionLength                     int  // compiler_options, command_line_arguments
}

// MinMemoryLimit is Judge0's floor for memory_limit, in KB.
const MinMemoryLimit = 2048

// DefaultConfig is Judge0 CE's: the defaults and maximums of the contract.
func DefaultConfig() Config {
	return Config{
		CPUTimeLimit: 5, MaxCPUTimeLimit: 15, CPUExtraTime: 1, MaxCPUExtraTime: 5,
		WallTimeLimit: 10, MaxWallTimeLimit: 20, MemoryLimit: 128000, MaxMemoryLimit: 512000,
		StackLimit: 64000, MaxStackLimit: 128000, MaxProcesses: 60, MaxMaxProcesses: 120,
		MaxFileSize: 1024, MaxMaxFileSize: 4096, NumberOfRuns: 1, MaxNumberOfRuns: 20,
		AllowPerProcessTime: true, AllowPerProcessMem: true, MaxTextOptionLength: 512,
	}
}

// Settings are a submission's limits and switches once the defaults are
// applied and everything is checked.
type Settings struct {
	CPUTime, CPUExtraTime, WallTime         time.Duration
	MemoryKB, StackKB, MaxFileSizeKB        int64
	MaxProcesses, NumberOfRuns              int
	PerProcessTimeLimit, PerProcessMemLimit bool
	RedirectStderr, EnableNetwork           bool
	CompilerOptions                         []string // cleaned and split on white space
	Args                                    []string // split as a shell would
}

// Resolve applies cfg's defaults to s and checks every value against
// cfg's bounds; the errors are Judge0's 422 words.
func (s *Submission) Resolve(cfg Config) (Settings, error) {
	errs := ValidationErrors{}
	var out Settings
	out.CPUTime = seconds(bounded(errs, "cpu_time_limit", s.CPUTimeLimit, cfg.CPUTimeLimit, 0, cfg.MaxCPUTimeLimit))
	out.CPUExtraTime = seconds(bounded(errs, "cpu_extra_time", s.CPUExtraTime, cfg.CPUExtraTime, 0, cfg.MaxCPUExtraTime))
	out.WallTime = seconds(bounded(errs, "wall_time_limit", s.WallTimeLimit, cfg.WallTimeLimit, 0, cfg.MaxWallTimeLimit))
	out.MemoryKB = int64(bounded(errs, "memory_limit", s.MemoryLimit, cfg.MemoryLimit, MinMemoryLimit, cfg.MaxMemoryLimit))
	out.StackKB = int64(bounded(errs, "stack_limit", s.StackLimit, cfg.StackLimit, 0, cfg.MaxStackLimit))
	out.MaxFileSizeKB = int64(bounded(errs, "max_file_size", s.MaxFileSize, cfg.MaxFileSize, 0, cfg.MaxMaxFileSize))
	out.MaxProcesses = int(integer(errs, "max_processes_and_or_threads", s.MaxProcesses, cfg.MaxProcesses, 1, cfg.MaxMaxProcesses))
	out.NumberOfRuns = int(integer(errs, "number_of_runs", s.NumberOfRuns, cfg.NumberOfRuns, 1, cfg.MaxNumberOfRuns))
	out.PerProcessTimeLimit = switchOn(errs, "enable_per_process_and_thread_time_limit", s.PerProcessTimeLimit,
		cfg.PerProcessTimeLimit, cfg.AllowPerProcessTime)
	out.PerProcessMemLimit = switchOn(errs, "enable_per_process_and_thread_memory_limit", s.PerProcessMemLimit,
		cfg.PerProcessMemLimit, cfg.AllowPerProcessMem)
	out.RedirectStderr = orDefault(s.RedirectStderr, cfg.RedirectStderr)
	out.EnableNetwork = orDefault(s.EnableNetwork, false)
	if opts := strings.Fields(CleanCompilerOptions(textOption(errs, "compiler_options", s.CompilerOptions, cfg.MaxTextOptionLength))); len(opts) > 0 {
		out.CompilerOptions = opts
	}
	args, err := SplitArgs(textOption(errs, "command_line_arguments", s.CommandLineArguments, cfg.MaxTextOptionLength))
	if err != nil {
		errs.add("command_line_arguments", err.Error())
	}
	out.Args = args
	if len(errs) > 0 {
		return Settings{}, errs
	}
	return out, nil
}

// bounded is a number's value or its default, checked against
// [min, max] in Rails' words.
func bounded(errs ValidationErrors, name string, v *float64, def, min, max float64) float64 {
	if v == nil {
		return def
	}
	switch {
	case *v < min:
		errs.add(name, "must be greater than or equal to "+number(min))
	case *v > max:
		errs.add(name, "must be less than or equal to "+number(max))
	}
	return *v
}

// integer is bounded for a count, which must be whole.
func integer(errs ValidationErrors, name string, v *float64, def, min, max float64) float64 {
	if v != nil && *v != math.Trunc(*v) {
		errs.add(name, "must be an integer")
		return def
	}
	return bounded(errs, name, v, def, min, max)
}

// number shows a bound as Rails does: 15, 2.5.
func number(f float64) string { return fmt.Sprint(f) }

func seconds(f float64) time.Duration { return time.Duration(f * float64(time.Second)) }

func orDefault(v *bool, def bool) bool {
	if v == nil {
		return def
	}
	return *v
}

// switchOn is a per-process switch, refused when the server forbids it.
func switchOn(errs ValidationErrors, name string, v *bool, def, allowed bool) bool {
	if v != nil && *v && !allowed {
		errs.add(name, "this option is not allowed")
		return def
	}
	return orDefault(v, def)
}

func textOption(errs ValidationErrors, name string, v *string, max int) string {
	if v == nil {
		return ""
	}
	if len(*v) > max {
		errs.add(name, fmt.Sprintf("is too long (maximum is %d characters)", max))
		return ""
	}
	return *v
}

// CleanCompilerOptions removes the characters Judge0 removes from
// compiler_options, so that no shell syntax reaches a command.
func CleanCompilerOptions(s string) string {
	return strings.Map(func(r rune) rune {
		if strings.ContainsRune("$&;<>|`", r) {
			return -1
		}
		return r
	}, s)
}
