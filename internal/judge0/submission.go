package judge0

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Submission is a POST /submissions body: Judge0's request attributes.
// A pointer is nil when the field was absent or null (the default then
// applies). The texts are decoded: raw bytes, whatever base64_encoded.
type Submission struct {
	SourceCode           []byte
	LanguageID           int
	CompilerOptions      *string
	CommandLineArguments *string
	Stdin                []byte
	ExpectedOutput       []byte // nil: no comparison
	CPUTimeLimit         *float64
	CPUExtraTime         *float64
	WallTimeLimit        *float64
	MemoryLimit          *float64 // KB
	StackLimit           *float64 // KB
	MaxProcesses         *float64
	PerProcessTimeLimit  *bool
	PerProcessMemLimit   *bool
	MaxFileSize          *float64 // KB
	RedirectStderr       *bool
	EnableNetwork        *bool
	NumberOfRuns         *float64
	AdditionalFiles      []byte // the zip, decoded; nil when absent
	CallbackURL          *string
}

// ValidationErrors is Judge0's 422 body: each field's messages.
type ValidationErrors map[string][]string

func (e ValidationErrors) Error() string {
	keys := make([]string, 0, len(e))
	for k := range e {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, k+" "+strings.Join(e[k], ", "))
	}
	return strings.Join(parts, "; ")
}

func (e ValidationErrors) add(field, msg string) { e[field] = append(e[field], msg) }

// ParseSubmission decodes one submission object. Unknown fields are
// ignored, as Judge0 ignores them. A body that is not a JSON object is a
// plain error (a 400); a field of the wrong type or bad base64 is in
// ValidationErrors (a 422), as are a missing source_code or language_id.
func ParseSubmission(raw []byte, base64Encoded bool) (*Submission, error) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil || obj == nil {
		return nil, fmt.Errorf("the submission is not a JSON object")
	}
	p := parser{obj: obj, errs: ValidationErrors{}, b64: base64Encoded}
	s := &Submission{
		SourceCode: p.text("source_code"), Stdin: p.text("stdin"),
		ExpectedOutput: p.text("expected_output"), AdditionalFiles: p.binary("additional_files"),
		CompilerOptions: p.str("compiler_options"), CommandLineArguments: p.str("command_line_arguments"),
		CallbackURL: p.str("callback_url"), CPUTimeLimit: p.number("cpu_time_limit"),
		CPUExtraTime: p.number("cpu_extra_time"), WallTimeLimit: p.number("wall_time_limit"),
		MemoryLimit: p.number("memory_limit"), StackLimit: p.number("stack_limit"),
		MaxProcesses: p.number("max_processes_and_or_threads"), MaxFileSize: p.number("max_file_size"),
		NumberOfRuns: p.number("number_of_runs"), RedirectStderr: p.boolean("redirect_stderr_to_stdout"),
		PerProcessTimeLimit: p.boolean("enable_per_process_and_thread_time_limit"),
		PerProcessMemLimit:  p.boolean("enable_per_process_and_thread_memory_limit"),
		EnableNetwork:       p.boolean("enable_network"),
	}
	if s.SourceCode == nil && len(p.errs["source_code"]) == 0 {
		p.errs.add("source_code", "can't be blank")
	}
	if id := p.number("language_id"); id == nil {
		if len(p.errs["language_id"]) == 0 {
			p.errs.add("language_id", "can't be blank")
		}
	} else if *id != float64(int(*id)) || *id < 1 || *id > 1e9 {
		p.errs.add("language_id", "must be an integer")
	} else {
		s.LanguageID = int(*id)
	}
	if len(p.errs) > 0 {
		return nil, p.errs
	}
	return s, nil
}

// parser reads the fields of one object, gathering errors.
type parser struct {
	obj  map[string]json.RawMessage
	errs ValidationErrors
	b64  bool
}

// get returns a field's raw value, nil when absent or null.
func (p *parser) get(name string) json.RawMessage {
	v, ok := p.obj[name]
	if !ok || string(v) == "null" {
		return nil
	}
	return v
}

func (p *parser) str(name string) *string {
	v := p.get(name)
	if v == nil {
		return nil
	}
	var s string
	if err := json.Unmarshal(v, &s); err != nil {
		p.errs.add(name, "is not a string")
		return nil
	}
	return &s
}

// text reads a program text, base64 when the request says so.
func (p *parser) text(name string) []byte {
	s := p.str(name)
	if s == nil {
		return nil
	}
	if !p.b64 {
		return []byte(*s)
	}
	return p.decode(name, *s)
}

// binary reads a field that is base64 always.
func (p *parser) binary(name string) []byte {
	s := p.str(name)
	if s == nil {
		return nil
	}
	return p.decode(name, *s)
}

func (p *parser) decode(name, s string) []byte {
	b, ok := DecodeBase64(s)
	if !ok {
		p.errs.add(name, "is not valid base64")
		return nil
	}
	return b
}

// number reads a number, also sent as a string ("2.5"), as Judge0's
// Rails casts it.
func (p *parser) number(name string) *float64 {
	v := p.get(name)
	if v == nil {
		return nil
	}
	var f float64
	if err := json.Unmarshal(v, &f); err == nil {
		return &f
	}
	var s string
	if err := json.Unmarshal(v, &s); err == nil {
		if f, err := strconv.ParseFloat(strings.TrimSpace(s), 64); err == nil && !isInfOrNaN(f) {
			return &f
		}
	}
	p.errs.add(name, "is not a number")
	return nil
}

func isInfOrNaN(f float64) bool { return f != f || f > 1e308 || f < -1e308 }

// boolean reads a boolean, also sent as "true" or "false".
func (p *parser) boolean(name string) *bool {
	v := p.get(name)
	if v == nil {
		return nil
	}
	var b bool
	if err := json.Unmarshal(v, &b); err == nil {
		return &b
	}
	var s string
	if err := json.Unmarshal(v, &s); err == nil && (s == "true" || s == "false") {
		b = s == "true"
		return &b
	}
	p.errs.add(name, "is not a boolean")
	return nil
}
