package judge0

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestResolveDefaults(t *testing.T) {
	s, err := ParseSubmission([]byte(`{"source_code": "x", "language_id": 71}`), false)
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Resolve(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	want := Settings{CPUTime: 5 * time.Second, CPUExtraTime: time.Second, WallTime: 10 * time.Second,
		MemoryKB: 128000, StackKB: 64000, MaxFileSizeKB: 1024, MaxProcesses: 60, NumberOfRuns: 1}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Resolve = %+v, want %+v", got, want)
	}
}

func TestResolveValues(t *testing.T) {
	s, err := ParseSubmission([]byte(`{"source_code": "x", "language_id": 54, "cpu_time_limit": 2.5,
		"wall_time_limit": "20", "memory_limit": 2048, "number_of_runs": 3, "redirect_stderr_to_stdout": true,
		"compiler_options": "-O2 $(rm -rf /); -DX|y", "command_line_arguments": "a 'b c' \"d\\\"e\" f\\ g",
		"enable_per_process_and_thread_time_limit": true}`), false)
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Resolve(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	if got.CPUTime != 2500*time.Millisecond || got.WallTime != 20*time.Second || got.MemoryKB != 2048 ||
		got.NumberOfRuns != 3 || !got.RedirectStderr || !got.PerProcessTimeLimit || got.PerProcessMemLimit {
		t.Errorf("Resolve = %+v", got)
	}
	if want := []string{"-O2", "(rm", "-rf", "/)", "-DXy"}; !reflect.DeepEqual(got.CompilerOptions, want) {
		t.Errorf("compiler options %q, want %q", got.CompilerOptions, want)
	}
	if want := []string{"a", "b c", `d"e`, "f g"}; !reflect.DeepEqual(got.Args, want) {
		t.Errorf("args %q, want %q", got.Args, want)
	}
}

func TestResolveErrors(t *testing.T) {
	long := `"` + strings.Repeat("x", 513) + `"`
	cfg := DefaultConfig()
	cfg.AllowPerProcessMem = false
	for _, tc := range []struct {
		fields string
		want   ValidationErrors
	}{
		{`"cpu_time_limit": 15.5`, ValidationErrors{"cpu_time_limit": {"must be less than or equal to 15"}}},
		{`"cpu_time_limit": -1`, ValidationErrors{"cpu_time_limit": {"must be greater than or equal to 0"}}},
		{`"cpu_extra_time": 6`, ValidationErrors{"cpu_extra_time": {"must be less than or equal to 5"}}},
		{`"wall_time_limit": 21`, ValidationErrors{"wall_time_limit": {"must be less than or equal to 20"}}},
		{`"memory_limit": 2047`, ValidationErrors{"memory_limit": {"must be greater than or equal to 2048"}}},
		{`"memory_limit": 512001`, ValidationErrors{"memory_limit": {"must be less than or equal to 512000"}}},
		{`"stack_limit": 128001`, ValidationErrors{"stack_limit": {"must be less than or equal to 128000"}}},
		{`"max_file_size": 4097`, ValidationErrors{"max_file_size": {"must be less than or equal to 4096"}}},
		{`"max_processes_and_or_threads": 0`, ValidationErrors{"max_processes_and_or_threads": {"must be greater than or equal to 1"}}},
		{`"max_processes_and_or_threads": 1.5`, ValidationErrors{"max_processes_and_or_threads": {"must be an integer"}}},
		{`"number_of_runs": 21`, ValidationErrors{"number_of_runs": {"must be less than or equal to 20"}}},
		{`"enable_per_process_and_thread_memory_limit": true`,
			ValidationErrors{"enable_per_process_and_thread_memory_limit": {"this option is not allowed"}}},
		{`"compiler_options": ` + long, ValidationErrors{"compiler_options": {"is too long (maximum is 512 characters)"}}},
		{`"command_line_arguments": "a 'b"`, ValidationErrors{"command_line_arguments": {"has an unterminated quote or a trailing backslash"}}},
		{`"cpu_time_limit": 99, "number_of_runs": 0`, ValidationErrors{"cpu_time_limit": {"must be less than or equal to 15"},
			"number_of_runs": {"must be greater than or equal to 1"}}},
	} {
		s, err := ParseSubmission([]byte(`{"source_code": "x", "language_id": 71, `+tc.fields+`}`), false)
		if err != nil {
			t.Fatalf("%s: %v", tc.fields, err)
		}
		_, err = s.Resolve(cfg)
		var verrs ValidationErrors
		if !errors.As(err, &verrs) || !reflect.DeepEqual(verrs, tc.want) {
			t.Errorf("%s: %v, want %v", tc.fields, err, tc.want)
		}
	}
}

func TestSplitArgs(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
		ok   bool
	}{
		{"", nil, true},
		{"   ", nil, true},
		{"a  b\tc\nd", []string{"a", "b", "c", "d"}, true},
		{`'a b' "c d"`, []string{"a b", "c d"}, true},
		{`''`, []string{""}, true},
		{`a""b`, []string{"ab"}, true},
		{`'it''s'`, []string{"its"}, true},
		{`"a\"b\\c\d"`, []string{`a"b\c\d`}, true},
		{`'a\b'`, []string{`a\b`}, true},
		{`a\ b \'`, []string{"a b", "'"}, true},
		{`$HOME * ~ ; | &`, []string{"$HOME", "*", "~", ";", "|", "&"}, true},
		{"héllo wörld", []string{"héllo", "wörld"}, true},
		{`"unterminated`, nil, false},
		{`'unterminated`, nil, false},
		{`trailing\`, nil, false},
	} {
		got, err := SplitArgs(tc.in)
		if (err == nil) != tc.ok || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("SplitArgs(%q) = %q %v, want %q ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}
