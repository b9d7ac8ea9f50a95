package api

// Reading a judge request (POST /api/v1/judge and the v1 WebSocket's
// "judge" message): the same care as execute's (parseJob): strict JSON,
// every error a 400 naming the field as the client wrote it, unknown
// fields ignored as v1 does.

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"strconv"
	"strings"

	"github.com/coderacer/coderacer/internal/engine"
	"github.com/coderacer/coderacer/internal/judge"
)

// maxPoints bounds a test's points, so that the sum of a thousand tests
// stays a plain number.
const maxPoints = 1e9

// judgeRequest is the judge request. Its submission fields are execute's;
// tests and files stay raw so each element is decoded alone and its
// errors carry its index.
type judgeRequest struct {
	// The submission: execute's fields (not embedded: the decoder would
	// name its fields "executeRequest.args" in errors).
	Language      *string           `json:"language"`
	Entrypoint    *string           `json:"entrypoint"`
	Files         []json.RawMessage `json:"files"`
	Stdin         *string           `json:"stdin"`
	Args          []string          `json:"args"`
	Limits        *limitsRequest    `json:"limits"`
	CompileLimits *limitsRequest    `json:"compileLimits"`
	Network       bool              `json:"network"`
	// CompilerOptions: execute's.
	CompilerOptions []string `json:"compilerOptions"`

	Tests              []json.RawMessage `json:"tests"`
	Compare            *compareRequest   `json:"compare"`
	Checker            json.RawMessage   `json:"checker"`
	Interactor         json.RawMessage   `json:"interactor"`
	StopOnFirstFailure bool              `json:"stopOnFirstFailure"`
	OutputPreviewBytes *int64            `json:"outputPreviewBytes"`
}

type testRequest struct {
	Name           *string           `json:"name"`
	Stdin          *string           `json:"stdin"`
	ExpectedOutput *string           `json:"expectedOutput"`
	Args           []string          `json:"args"`
	Files          []json.RawMessage `json:"files"`
	Limits         *limitsRequest    `json:"limits"`
	Points         *float64          `json:"points"`
}

type compareRequest struct {
	Mode          *string  `json:"mode"`
	CaseSensitive *bool    `json:"caseSensitive"`
	AbsTolerance  *float64 `json:"absTolerance"`
	RelTolerance  *float64 `json:"relTolerance"`
}

type programRequest struct {
	Language   *string           `json:"language"`
	Entrypoint *string           `json:"entrypoint"`
	Files      []json.RawMessage `json:"files"`
	Protocol   *string           `json:"protocol"`
	Limits     *limitsRequest    `json:"limits"`
}

// limitSource is where a request set run limits: the field path and what
// the client sent, so that an engine's LimitError names the right one.
type limitSource struct {
	path string // "limits", "tests[3].limits", "checker.limits"
	sent limitsRequest
}

// judgeParsed is a checked judge request.
type judgeParsed struct {
	job     engine.JudgeJob
	clamped clampedLimits // of limits and compileLimits
	sources []limitSource // every run-stage limits object sent
}

// parseJudge decodes and checks a judge request. Errors are *requestError.
func (s *server) parseJudge(body []byte) (judgeParsed, error) {
	trimmed := bytes.Trim(body, " \t\r\n")
	if len(trimmed) == 0 {
		return judgeParsed{}, badRequest("request body is empty; it must be a JSON object")
	}
	var req judgeRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return judgeParsed{}, judgeJSONError(err, "")
	}
	if trimmed[0] != '{' {
		return judgeParsed{}, badRequest("request body must be a JSON object, not null")
	}
	if req.Stdin != nil {
		return judgeParsed{}, badRequest("stdin belongs to each test (tests[i].stdin), not to the request")
	}
	job, clamped, err := s.submission(&executeRequest{
		Language: req.Language, Entrypoint: req.Entrypoint, Files: req.Files, Args: req.Args,
		Limits: req.Limits, CompileLimits: req.CompileLimits, Network: req.Network,
		CompilerOptions: req.CompilerOptions,
	}, 0)
	if err != nil {
		return judgeParsed{}, err
	}
	p := judgeParsed{job: engine.JudgeJob{Job: job, StopOnFirstFailure: req.StopOnFirstFailure}, clamped: clamped}
	if req.Limits != nil {
		p.sources = append(p.sources, limitSource{"limits", *req.Limits})
	}
	if err := s.judgeOptions(&req, &p); err != nil {
		return judgeParsed{}, err
	}
	if err := s.judgeTests(&req, &p); err != nil {
		return judgeParsed{}, err
	}
	return p, nil
}

// submission checks the submission's fields, for execute (parseJob, which
// adds the stdin of stdinLen bytes) and judge.
func (s *server) submission(req *executeRequest, stdinLen int) (engine.Job, clampedLimits, error) {
	if err := req.checkRequired(s.opts.MaxFiles); err != nil {
		return engine.Job{}, nil, err
	}
	files, err := v1Files(req.Files)
	if err != nil {
		return engine.Job{}, nil, err
	}
	if err := engine.ValidateFiles(files, *req.Entrypoint, s.opts.MaxFiles); err != nil {
		return engine.Job{}, nil, &requestError{msg: err.Error()}
	}
	if err := s.checkInput(req.Args, stdinLen); err != nil {
		return engine.Job{}, nil, err
	}
	if err := checkCompilerOptions(req.CompilerOptions); err != nil {
		return engine.Job{}, nil, err
	}
	run, compile, clamped, err := req.limits()
	if err != nil {
		return engine.Job{}, nil, err
	}
	return engine.Job{
		Language: *req.Language, Entrypoint: *req.Entrypoint, Files: files, Args: req.Args,
		RunLimits: run, CompileLimits: compile, Network: req.Network, CompilerOptions: req.CompilerOptions,
	}, clamped, nil
}

// judgeOptions checks everything but the tests: compare, checker,
// interactor, outputPreviewBytes.
func (s *server) judgeOptions(req *judgeRequest, p *judgeParsed) error {
	cmp, err := req.Compare.toJudge()
	if err != nil {
		return err
	}
	p.job.Compare = cmp
	if p.job.Checker, err = s.program(req.Checker, "checker", p); err != nil {
		return err
	}
	if p.job.Interactor, err = s.program(req.Interactor, "interactor", p); err != nil {
		return err
	}
	max := s.opts.Judge.MaxOutputPreviewBytes
	preview := min(DefaultJudgeOutputPreviewBytes, max)
	if req.OutputPreviewBytes != nil {
		preview = *req.OutputPreviewBytes
	}
	if preview < 0 || preview > max {
		return badRequest("outputPreviewBytes must be between 0 and %d", max)
	}
	p.job.OutputPreviewBytes = int(preview)
	return nil
}

// toJudge is the comparison asked for, judge.DefaultCompare's where
// absent.
func (c *compareRequest) toJudge() (judge.Compare, error) {
	out := judge.DefaultCompare()
	if c == nil {
		return out, nil
	}
	if c.Mode != nil {
		switch m := judge.Mode(*c.Mode); m {
		case judge.Exact, judge.Lines, judge.Tokens, judge.Float:
			out.Mode = m
		default:
			return out, badRequest(`compare.mode must be "exact", "lines", "tokens" or "float", not %q`, *c.Mode)
		}
	}
	if c.CaseSensitive != nil {
		out.CaseSensitive = *c.CaseSensitive
	}
	for _, t := range []struct {
		name string
		v    *float64
		out  *float64
	}{{"absTolerance", c.AbsTolerance, &out.AbsTolerance}, {"relTolerance", c.RelTolerance, &out.RelTolerance}} {
		if t.v == nil {
			continue
		}
		if *t.v < 0 || math.IsInf(*t.v, 0) || math.IsNaN(*t.v) {
			return out, badRequest("compare.%s must be a number at least 0", t.name)
		}
		*t.out = *t.v
	}
	return out, nil
}

// program decodes a checker or an interactor; nil when absent or null.
func (s *server) program(raw json.RawMessage, name string, p *judgeParsed) (*engine.Program, error) {
	if absent(raw) {
		return nil, nil
	}
	var r programRequest
	if err := json.Unmarshal(raw, &r); err != nil {
		return nil, jsonError(err, name)
	}
	if err := r.checkRequired(name, s.opts.MaxFiles); err != nil {
		return nil, err
	}
	files, err := v1Files(r.Files)
	if err != nil {
		return nil, prefixed(name, err)
	}
	if err := engine.ValidateFiles(files, *r.Entrypoint, s.opts.MaxFiles); err != nil {
		return nil, badRequest("%s: %s", name, err)
	}
	proto := judge.Testlib
	if r.Protocol != nil {
		proto = judge.Protocol(*r.Protocol)
	}
	switch {
	case name == "interactor" && proto != judge.Testlib:
		return nil, badRequest(`interactor.protocol must be "testlib", not %q`, proto)
	case proto != judge.Testlib && proto != judge.ExitCode:
		return nil, badRequest(`checker.protocol must be "testlib" or "exitcode", not %q`, proto)
	}
	lim, err := runLimits(r.Limits, name+".limits", p)
	if err != nil {
		return nil, err
	}
	return &engine.Program{Language: *r.Language, Entrypoint: *r.Entrypoint, Files: files, Protocol: proto, Limits: lim}, nil
}

func (r *programRequest) checkRequired(name string, maxFiles int) error {
	switch {
	case r.Language == nil || *r.Language == "":
		return badRequest("%s.language is required", name)
	case r.Entrypoint == nil || *r.Entrypoint == "":
		return badRequest("%s.entrypoint is required", name)
	case len(r.Files) == 0:
		return badRequest("%s.files is required and must not be empty", name)
	case len(r.Files) > maxFiles:
		return badRequest("%s: too many files: %d, the maximum is %d", name, len(r.Files), maxFiles)
	}
	return nil
}

// runLimits checks a run-stage limits object found at path: no negative
// value, times clamped as execute's; it is remembered as a source.
func runLimits(l *limitsRequest, path string, p *judgeParsed) (engine.Limits, error) {
	if l == nil {
		return engine.Limits{}, nil
	}
	var out engine.Limits
	for k := range engine.AllLimits() {
		name, v := l.field(k)
		if *v < 0 {
			return engine.Limits{}, badRequest("%s.%s must not be negative", path, name)
		}
		*out.Field(k) = fromMs(k, *v)
	}
	p.sources = append(p.sources, limitSource{path, *l})
	return out, nil
}

// prefixed puts a field path before a requestError's message, which
// starts with a field path of its own ("files[0].name is required").
func prefixed(prefix string, err error) error {
	var re *requestError
	if errors.As(err, &re) {
		return &requestError{msg: prefix + "." + re.msg}
	}
	return err
}

// judgeTests decodes and checks the tests, within the bounds.
func (s *server) judgeTests(req *judgeRequest, p *judgeParsed) error {
	max := s.opts.Judge.MaxTests
	switch {
	case req.Tests == nil:
		return badRequest("tests is required")
	case len(req.Tests) == 0:
		return badRequest("tests must not be empty")
	case len(req.Tests) > max:
		return badRequest("too many tests: %d, the maximum is %d", len(req.Tests), max)
	}
	// With neither a checker nor an interactor, the output is compared
	// with the expected one: it must be given.
	needExpected := p.job.Checker == nil && p.job.Interactor == nil
	tests := make([]engine.Test, len(req.Tests))
	var total int64
	for i, raw := range req.Tests {
		t, err := s.judgeTest(raw, i, needExpected, p)
		if err != nil {
			return err
		}
		total += testBytes(t)
		if total > s.opts.Judge.MaxTestBytes {
			return badRequest("tests hold more than %d bytes (stdin, expectedOutput and files of every test together), the most allowed; tests[%d] passes it",
				s.opts.Judge.MaxTestBytes, i)
		}
		tests[i] = t
	}
	p.job.Tests = tests
	return nil
}

func testBytes(t engine.Test) int64 {
	n := int64(len(t.Stdin) + len(t.ExpectedOutput))
	for _, f := range t.Files {
		n += int64(len(f.Content))
	}
	return n
}

// judgeTest decodes test i.
func (s *server) judgeTest(raw json.RawMessage, i int, needExpected bool, p *judgeParsed) (engine.Test, error) {
	prefix := "tests[" + strconv.Itoa(i) + "]"
	if absent(raw) {
		return engine.Test{}, badRequest("%s must be an object, not null", prefix)
	}
	var r testRequest
	if err := json.Unmarshal(raw, &r); err != nil {
		return engine.Test{}, judgeJSONError(err, prefix)
	}
	t := engine.Test{Name: strconv.Itoa(i + 1), Args: r.Args, Points: 1}
	if r.Name != nil && *r.Name != "" {
		// An empty name names nothing: the number stands.
		t.Name = *r.Name
	}
	if r.Stdin != nil {
		t.Stdin = []byte(*r.Stdin)
	}
	switch {
	case r.ExpectedOutput != nil:
		t.ExpectedOutput = []byte(*r.ExpectedOutput)
	case needExpected:
		return engine.Test{}, badRequest("%s.expectedOutput is required: without a checker or an interactor the output is compared with it", prefix)
	}
	if r.Points != nil {
		if *r.Points < 0 || *r.Points > maxPoints {
			return engine.Test{}, badRequest("%s.points must be a number between 0 and %g", prefix, float64(maxPoints))
		}
		t.Points = *r.Points
	}
	if err := s.checkInput(r.Args, len(t.Stdin)); err != nil {
		return engine.Test{}, prefixed(prefix, err)
	}
	var err error
	if t.Files, err = s.testFiles(r.Files, prefix, p.job.Job); err != nil {
		return engine.Test{}, err
	}
	if t.Limits, err = runLimits(r.Limits, prefix+".limits", p); err != nil {
		return engine.Test{}, err
	}
	return t, nil
}

// testFiles decodes a test's files, which go beside the submission's: the
// two together must be files one box can hold.
func (s *server) testFiles(raw []json.RawMessage, prefix string, sub engine.Job) ([]engine.File, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	if n := len(sub.Files) + len(raw); n > s.opts.MaxFiles {
		return nil, badRequest("%s.files: too many files with the submission's: %d, the maximum is %d", prefix, n, s.opts.MaxFiles)
	}
	files, err := v1Files(raw)
	if err != nil {
		return nil, prefixed(prefix, err)
	}
	all := append(append(make([]engine.File, 0, len(sub.Files)+len(files)), sub.Files...), files...)
	if err := engine.ValidateFiles(all, sub.Entrypoint, s.opts.MaxFiles); err != nil {
		return nil, badRequest("%s.files (beside the submission's): %s", prefix, err)
	}
	return files, nil
}

// judgeJSONError is jsonError with the judge's own cases: a test's args
// error names the array, not the element; a number out of a double's
// range is no type error.
func judgeJSONError(err error, prefix string) error {
	var typ *json.UnmarshalTypeError
	if !errors.As(err, &typ) {
		return jsonError(err, prefix)
	}
	switch {
	case prefix != "" && typ.Field == "args":
		return badRequest("%s.args must be an array of strings", prefix)
	case typ.Type != nil && typ.Type.Kind() == reflect.Float64 && strings.HasPrefix(typ.Value, "number"):
		return badRequest("%s must be a number within the range of a double", joinField(prefix, typ.Field))
	}
	return jsonError(err, prefix)
}

// The bounds of compilerOptions: the allow-lists are short, and the
// engine names an option outside them.
const (
	maxCompilerOptions     = 32
	maxCompilerOptionBytes = 256
)

// checkCompilerOptions refuses what no allow-list could hold, before the
// engine looks them up.
func checkCompilerOptions(options []string) error {
	if len(options) > maxCompilerOptions {
		return badRequest("compilerOptions has %d options; at most %d", len(options), maxCompilerOptions)
	}
	for i, o := range options {
		if len(o) > maxCompilerOptionBytes || !strings.HasPrefix(o, "-") {
			return badRequest("compilerOptions[%d] must be a flag starting with - of at most %d bytes", i, maxCompilerOptionBytes)
		}
	}
	return nil
}
