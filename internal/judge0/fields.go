package judge0

import (
	"fmt"
	"slices"
	"strings"
)

// Attributes are every attribute of a submission, in Judge0's order:
// exactly what fields=* gives (the SDK refuses any other).
func Attributes() []string {
	return []string{
		"source_code", "language_id", "stdin", "expected_output", "stdout", "status_id", "created_at",
		"finished_at", "time", "memory", "stderr", "token", "number_of_runs", "cpu_time_limit",
		"cpu_extra_time", "wall_time_limit", "memory_limit", "stack_limit", "max_processes_and_or_threads",
		"enable_per_process_and_thread_time_limit", "enable_per_process_and_thread_memory_limit",
		"max_file_size", "compile_output", "exit_code", "exit_signal", "message", "wall_time",
		"compiler_options", "command_line_arguments", "redirect_stderr_to_stdout", "callback_url",
		"additional_files", "enable_network", "status", "language",
	}
}

// DefaultFields are the attributes of an answer that names no fields.
func DefaultFields() []string {
	return []string{"token", "time", "memory", "stdout", "stderr", "compile_output", "message", "status"}
}

// FieldsError is an unknown field name; its text is Judge0's 400 error.
type FieldsError struct{ Invalid []string }

func (e *FieldsError) Error() string {
	return fmt.Sprintf("invalid fields: [%s]", strings.Join(e.Invalid, ", "))
}

// ParseFields reads the fields query parameter: empty gives the default
// fields, a "*" among the names gives every attribute, else the names
// given, each once, in their order. Names are separated by commas;
// white space around a name is ignored. An unknown name is a
// *FieldsError naming each unknown one.
func ParseFields(param string) ([]string, error) {
	var names []string
	for _, n := range strings.Split(param, ",") {
		if n = strings.TrimSpace(n); n != "" && !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		return DefaultFields(), nil
	}
	if slices.Contains(names, "*") {
		return Attributes(), nil
	}
	all := Attributes()
	var invalid []string
	for _, n := range names {
		if !slices.Contains(all, n) {
			invalid = append(invalid, n)
		}
	}
	if len(invalid) > 0 {
		return nil, &FieldsError{Invalid: invalid}
	}
	return names, nil
}
