package judge0

import (
	"errors"
	"strconv"
	"strings"
	"time"
)

// View is a submission as GET /submissions/{token} shows it, before the
// fields are chosen. Nil pointers and nil texts show as null (a
// submission not yet run has no output, time or memory).
type View struct {
	Token      string
	LanguageID int
	Language   Language
	Status     Status
	CreatedAt  time.Time
	FinishedAt *time.Time

	SourceCode, Stdin, ExpectedOutput []byte
	Stdout, Stderr, CompileOutput     []byte
	Message                           *string
	ExitCode, ExitSignal              *int
	Time, WallTime                    *time.Duration
	MemoryKB                          *int64

	NumberOfRuns                               int
	CPUTimeLimit, CPUExtraTime, WallTimeLimit  float64 // seconds
	MemoryLimit, StackLimit, MaxFileSize       int64   // KB
	MaxProcesses                               int
	PerProcessTimeLimit, PerProcessMemoryLimit bool
	RedirectStderr, EnableNetwork              bool
	CompilerOptions, CommandLineArgs, Callback *string
	AdditionalFiles                            []byte
}

// ErrNotUTF8Field is returned by Render for a text that is not UTF-8 when
// base64 was not asked; the handler answers ErrNotUTF8 (400).
var ErrNotUTF8Field = errors.New(ErrNotUTF8)

// Render gives the chosen fields of v as Judge0 shows them. With
// base64Encoded the texts of encodedResponseFields are base64; without
// it, such a text that is not valid UTF-8 is ErrNotUTF8Field.
func Render(v *View, fields []string, base64Encoded bool) (map[string]any, error) {
	texts := v.texts()
	all := v.others()
	out := make(map[string]any, len(fields))
	for _, f := range fields {
		if t, ok := texts[f]; ok {
			val, err := renderText(t, base64Encoded)
			if err != nil {
				return nil, err
			}
			out[f] = val
			continue
		}
		if val, ok := all[f]; ok {
			out[f] = val
		}
	}
	return out, nil
}

// texts are the attributes base64_encoded applies to.
func (v *View) texts() map[string][]byte {
	m := map[string][]byte{
		"source_code": v.SourceCode, "stdin": v.Stdin, "expected_output": v.ExpectedOutput,
		"stdout": v.Stdout, "stderr": v.Stderr, "compile_output": v.CompileOutput, "message": nil,
	}
	if v.Message != nil {
		m["message"] = []byte(*v.Message)
	}
	return m
}

func renderText(b []byte, base64Encoded bool) (any, error) {
	switch {
	case b == nil:
		return nil, nil
	case base64Encoded:
		return EncodeBase64(b), nil
	case !ValidUTF8(b):
		return nil, ErrNotUTF8Field
	}
	return string(b), nil
}

// others are the attributes that are not texts.
func (v *View) others() map[string]any {
	var additional any
	if v.AdditionalFiles != nil {
		additional = EncodeBase64(v.AdditionalFiles)
	}
	return map[string]any{
		"token": v.Token, "language_id": v.LanguageID, "language": v.Language,
		"status": v.Status, "status_id": v.Status.ID,
		"created_at": Timestamp(v.CreatedAt), "finished_at": timestampOrNil(v.FinishedAt),
		"time": secondsOrNil(v.Time), "wall_time": secondsOrNil(v.WallTime), "memory": ptr(v.MemoryKB),
		"exit_code": ptr(v.ExitCode), "exit_signal": ptr(v.ExitSignal),
		"number_of_runs": v.NumberOfRuns, "cpu_time_limit": Decimal(v.CPUTimeLimit),
		"cpu_extra_time": Decimal(v.CPUExtraTime), "wall_time_limit": Decimal(v.WallTimeLimit),
		"memory_limit": v.MemoryLimit, "stack_limit": v.StackLimit, "max_file_size": v.MaxFileSize,
		"max_processes_and_or_threads":               v.MaxProcesses,
		"enable_per_process_and_thread_time_limit":   v.PerProcessTimeLimit,
		"enable_per_process_and_thread_memory_limit": v.PerProcessMemoryLimit,
		"redirect_stderr_to_stdout":                  v.RedirectStderr, "enable_network": v.EnableNetwork,
		"compiler_options": ptr(v.CompilerOptions), "command_line_arguments": ptr(v.CommandLineArgs),
		"callback_url": ptr(v.Callback), "additional_files": additional,
	}
}

// ptr turns a nil pointer into a nil interface (JSON null) and a set one
// into its value.
func ptr[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

// Timestamp is Judge0's time format: UTC, milliseconds, a Z.
func Timestamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

func timestampOrNil(t *time.Time) any {
	if t == nil {
		return nil
	}
	return Timestamp(*t)
}

// Seconds is a measured time as Judge0 shows it: "0.012".
func Seconds(d time.Duration) string { return strconv.FormatFloat(d.Seconds(), 'f', 3, 64) }

func secondsOrNil(d *time.Duration) any {
	if d == nil {
		return nil
	}
	return Seconds(*d)
}

// Decimal is a limit in seconds as Judge0's decimal columns show it:
// "5.0", "2.5", "0.125".
func Decimal(f float64) string {
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}

// KB converts a byte count to Judge0's kilobytes, rounding up.
func KB(bytes int64) int64 { return (bytes + 1023) / 1024 }
