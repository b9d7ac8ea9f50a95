package api

// The Piston v2 dialect (docs/piston.md; Piston's own API is described in
// the readme of github.com/engineer-man/piston): the same engine job and
// result as v1, encoded the way Piston's clients expect them. Errors are
// {"message": "..."}.

import (
	"bytes"
	"cmp"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/coderacer/coderacer/internal/engine"
)

// v2Request is the execute request (and the WebSocket's init message).
// Every field stays raw so that each can be checked with Piston's own
// words, and null can be told from a wrong type.
type v2Request struct {
	Language           json.RawMessage `json:"language"`
	Version            json.RawMessage `json:"version"`
	Files              json.RawMessage `json:"files"`
	Stdin              json.RawMessage `json:"stdin"`
	Args               json.RawMessage `json:"args"`
	CompileTimeout     json.RawMessage `json:"compile_timeout"`
	RunTimeout         json.RawMessage `json:"run_timeout"`
	CompileCPUTime     json.RawMessage `json:"compile_cpu_time"`
	RunCPUTime         json.RawMessage `json:"run_cpu_time"`
	CompileMemoryLimit json.RawMessage `json:"compile_memory_limit"`
	RunMemoryLimit     json.RawMessage `json:"run_memory_limit"`
}

type v2FileRequest struct {
	Name     json.RawMessage `json:"name"`
	Content  json.RawMessage `json:"content"`
	Encoding json.RawMessage `json:"encoding"`
}

// v2Job is a checked request: the engine job and the runtime it was
// resolved to.
type v2Job struct {
	job engine.Job
	rt  v2Runtime
	// language and version as the request said them, for errors.
	language, version string
}

// v2Limit ties a Piston limit field to the engine's limit of a stage: the
// v2 dialect's names for the limits it offers. Times are milliseconds
// (fromMs, toMs); byte counts are bounded by maxBytesLimit.
type v2Limit struct {
	field string
	stageLimit
}

var v2Limits = []v2Limit{
	{"compile_timeout", stageLimit{engine.StageCompile, engine.LimitWallTime}},
	{"run_timeout", stageLimit{engine.StageRun, engine.LimitWallTime}},
	{"compile_cpu_time", stageLimit{engine.StageCompile, engine.LimitCPUTime}},
	{"run_cpu_time", stageLimit{engine.StageRun, engine.LimitCPUTime}},
	{"compile_memory_limit", stageLimit{engine.StageCompile, engine.LimitMemory}},
	{"run_memory_limit", stageLimit{engine.StageRun, engine.LimitMemory}},
}

// maxBytesLimit bounds byte limits before they reach the engine, like
// maxTimeMs bounds times: far above any server maximum, far below
// overflow.
const maxBytesLimit = 1 << 50

// v2StageResponse is one stage of the execute response.
type v2StageResponse struct {
	Stdout string `json:"stdout"`
	Stderr string `json:"stderr"`
	Output string `json:"output"`
	v2StageMeta
}

// v2StageMeta is a stage's every field but the output: the small ones.
type v2StageMeta struct {
	Code     *int    `json:"code"`
	Signal   *string `json:"signal"`
	Message  *string `json:"message"`
	Status   *string `json:"status"`
	CPUTime  int64   `json:"cpu_time"`
	WallTime int64   `json:"wall_time"`
	Memory   int64   `json:"memory"`
}

type v2Response struct {
	Language string           `json:"language"`
	Version  string           `json:"version"`
	Run      v2StageResponse  `json:"run"`
	Compile  *v2StageResponse `json:"compile,omitempty"`
}

type v2RuntimeResponse struct {
	Language string   `json:"language"`
	Version  string   `json:"version"`
	Aliases  []string `json:"aliases"`
	Runtime  string   `json:"runtime,omitempty"`
}

type v2ErrorResponse struct {
	Message string `json:"message"`
}

func writeV2Error(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, v2ErrorResponse{Message: msg})
}

func (s *server) handleV2Execute(w http.ResponseWriter, r *http.Request) {
	body, release, code, msg := s.readBody(w, r)
	if code != 0 {
		writeFailure(w, code, msg, writeV2Error)
		return
	}
	vj, err := s.parseV2(body)
	if err != nil {
		release()
		writeV2Error(w, http.StatusBadRequest, err.Error())
		return
	}
	vj.job.Stdin = endWithNewline(vj.job.Stdin)
	ctx, after := engine.WithAfterAnswer(r.Context())
	defer after.Done()
	res, err := s.execute(ctx, dialectV2, vj.job)
	vj.job = engine.Job{} // vj lives on; the files and stdin need not
	release()
	if err != nil {
		code, msg := s.v2ExecuteError(r, err, vj)
		if code == 0 {
			return
		}
		setRetryAfter(w, err)
		writeFailure(w, code, msg, writeV2Error)
		return
	}
	s.answerResult(w, res, after, writeV2Error, resultDocument{
		write: func(o *jsonOut) { writeV2Response(o, res, vj.rt) },
		whole: func() any { return newV2Response(res, vj.rt) },
	})
}

// v2ExecuteError says an Execute error in Piston's words: the v1
// classification, with the engine's limit names turned into Piston's
// fields and units.
func (s *server) v2ExecuteError(r *http.Request, err error, vj v2Job) (int, string) {
	var limErr *engine.LimitError
	if errors.As(err, &limErr) {
		if msg, ok := v2LimitMessage(limErr); ok {
			return http.StatusBadRequest, msg
		}
	}
	if errors.Is(err, engine.ErrRuntimeNotFound) {
		// The runtime went away between resolving and running it.
		return http.StatusBadRequest, fmt.Sprintf("%s-%s runtime is unknown", vj.language, vj.version)
	}
	return s.executeError(r.Context(), err, nil)
}

func v2LimitMessage(e *engine.LimitError) (string, bool) {
	for _, l := range v2Limits {
		if l.stageLimit == (stageLimit{e.Stage, e.Limit}) {
			if e.Value < 0 {
				return l.field + " must be non-negative", true
			}
			return fmt.Sprintf("%s cannot exceed the configured limit of %d", l.field, toMs(e.Limit, e.Max)), true
		}
	}
	return "", false
}

// parseV2 decodes and checks an execute request or init message. Errors
// are *requestError, worded like Piston's.
func (s *server) parseV2(body []byte) (v2Job, error) {
	trimmed := bytes.Trim(body, " \t\r\n")
	if len(trimmed) == 0 {
		return v2Job{}, badRequest("request body is empty; it must be a JSON object")
	}
	var req v2Request
	if err := json.Unmarshal(body, &req); err != nil {
		return v2Job{}, jsonError(err, "")
	}
	if trimmed[0] != '{' {
		return v2Job{}, badRequest("request body must be a JSON object, not null")
	}

	language, ok := jsonString(req.Language)
	if !ok || language == "" {
		return v2Job{}, badRequest("language is required as a string")
	}
	version, ok := jsonString(req.Version)
	if !ok || version == "" {
		return v2Job{}, badRequest("version is required as a string")
	}
	var rawFiles []json.RawMessage
	if absent(req.Files) || json.Unmarshal(req.Files, &rawFiles) != nil {
		return v2Job{}, badRequest("files is required as an array")
	}
	switch {
	case len(rawFiles) == 0:
		return v2Job{}, badRequest("files must contain at least one file")
	case len(rawFiles) > s.opts.MaxFiles:
		return v2Job{}, badRequest("too many files: %d, the maximum is %d", len(rawFiles), s.opts.MaxFiles)
	}

	rt, ok := s.resolveV2(language, version)
	if !ok {
		return v2Job{}, badRequest("%s-%s runtime is unknown", language, version)
	}

	files, err := v2Files(rawFiles, cmp.Or(rt.info.Entrypoint, "file0.code"))
	if err != nil {
		return v2Job{}, err
	}
	if err := engine.ValidateFiles(files, files[0].Name, s.opts.MaxFiles); err != nil {
		return v2Job{}, &requestError{msg: err.Error()}
	}

	job := engine.Job{Language: rt.info.Language, Entrypoint: files[0].Name, Files: files}
	if !absent(req.Stdin) {
		stdin, ok := jsonString(req.Stdin)
		if !ok {
			return v2Job{}, badRequest("stdin must be a string")
		}
		// One byte of room for endWithNewline: no second copy of a large
		// stdin.
		job.Stdin = append(make([]byte, 0, len(stdin)+1), stdin...)
	}
	if !absent(req.Args) {
		if err := json.Unmarshal(req.Args, &job.Args); err != nil {
			return v2Job{}, badRequest("args must be an array of strings")
		}
	}
	if err := s.checkInput(job.Args, len(job.Stdin)); err != nil {
		return v2Job{}, err
	}

	if err := req.limits(&job); err != nil {
		return v2Job{}, err
	}
	return v2Job{job: job, rt: rt, language: language, version: version}, nil
}

// endWithNewline is stdin as Piston gives it to a program run through
// POST /api/v2/execute: ending with a newline, one appended when missing
// (so "" becomes "\n"). Programs written for Piston rely on it: awk's
// '{print "OK"}' prints OK, Python's input() returns "" instead of raising
// EOFError. Only this route does it: the WebSocket streams stdin as sent,
// and the v1 and Judge0 dialects give it byte for byte. The newline is
// ours, not the client's, so it does not count against the stdin bound.
func endWithNewline(stdin []byte) []byte {
	if len(stdin) > 0 && stdin[len(stdin)-1] == '\n' {
		return stdin
	}
	return append(stdin, '\n')
}

// limits reads the request's limit fields into job.
func (req *v2Request) limits(job *engine.Job) error {
	values := map[string]json.RawMessage{
		"compile_timeout": req.CompileTimeout, "run_timeout": req.RunTimeout,
		"compile_cpu_time": req.CompileCPUTime, "run_cpu_time": req.RunCPUTime,
		"compile_memory_limit": req.CompileMemoryLimit, "run_memory_limit": req.RunMemoryLimit,
	}
	for _, l := range v2Limits {
		v, err := v2LimitValue(l.field, values[l.field])
		if err != nil {
			return err
		}
		lim := &job.RunLimits
		if l.stage == engine.StageCompile {
			lim = &job.CompileLimits
		}
		if l.limit.Unit() == engine.UnitBytes {
			v = min(v, maxBytesLimit)
		}
		*lim.Field(l.limit) = fromMs(l.limit, v)
	}
	return nil
}

// v2LimitValue reads one limit field: absent, null or 0 is 0 (the
// configured value); -1 for a memory limit is 0 too, because piston-client
// sends it by default (Piston's "no limit beyond the configured one");
// other negative values are refused. Fractions are rounded.
func v2LimitValue(field string, raw json.RawMessage) (int64, error) {
	if absent(raw) {
		return 0, nil
	}
	var f float64
	if err := json.Unmarshal(raw, &f); err != nil {
		return 0, badRequest("If specified, %s must be a number", field)
	}
	f = math.Round(f)
	switch {
	case f == -1 && strings.HasSuffix(field, "_memory_limit"):
		return 0, nil
	case f < 0:
		return 0, badRequest("%s must be non-negative", field)
	case f >= math.MaxInt64/2:
		return math.MaxInt64 / 2, nil
	}
	return int64(f), nil
}

// v2Files decodes the files: name optional (the main file, the first,
// defaults to the runtime's usual entrypoint name, the others to
// file{i}.code as in Piston), encoding utf8 (default), base64 or hex.
func v2Files(raw []json.RawMessage, mainName string) ([]engine.File, error) {
	files := make([]engine.File, len(raw))
	nameGiven := make([]bool, len(raw))
	named := map[string]bool{}
	for i, r := range raw {
		prefix := "files[" + strconv.Itoa(i) + "]"
		var f v2FileRequest
		if bytes.Equal(bytes.TrimSpace(r), []byte("null")) || json.Unmarshal(r, &f) != nil {
			return nil, badRequest("%s must be an object", prefix)
		}
		content, ok := jsonString(f.Content)
		if !ok {
			return nil, badRequest("%s.content is required as a string", prefix)
		}
		encoding := "utf8"
		if !absent(f.Encoding) {
			if encoding, ok = jsonString(f.Encoding); !ok {
				return nil, badRequest("%s.encoding must be a string", prefix)
			}
		}
		var data []byte
		var err error
		switch encoding {
		case "utf8", "utf-8":
			data = []byte(content)
		case "base64":
			data, err = base64.StdEncoding.DecodeString(content)
		case "hex":
			data, err = hex.DecodeString(content)
		default:
			return nil, badRequest("%s.encoding must be one of utf8, base64, hex", prefix)
		}
		if err != nil {
			return nil, badRequest("%s.content is not valid %s", prefix, encoding)
		}
		if !absent(f.Name) {
			name, ok := jsonString(f.Name)
			if !ok {
				return nil, badRequest("%s.name must be a string", prefix)
			}
			files[i].Name, nameGiven[i] = name, true
			named[name] = true
		}
		files[i].Content = data
	}
	for i := range files {
		if nameGiven[i] {
			continue // an explicit "" is refused by ValidateFiles
		}
		name := "file" + strconv.Itoa(i) + ".code"
		if i == 0 {
			if !named[mainName] {
				name = mainName
			}
		}
		files[i].Name = name
	}
	return files, nil
}

// newV2Response encodes a result. When compilation fails there is no run
// stage; "run" then mirrors "compile", as Piston does, so that clients
// reading only run.stdout/run.stderr/run.code (piston-client's users)
// see the compiler's diagnostics and failure. The HTTP answer is the same
// document, streamed by writeV2Response.
func newV2Response(res *engine.Result, rt v2Runtime) v2Response {
	out := v2Meta(res, rt)
	if res.Compile != nil {
		c := newV2Stage(res.Compile)
		out.Compile = &c
	}
	switch {
	case res.Run != nil:
		out.Run = newV2Stage(res.Run)
	case res.Compile != nil && res.Compile.Status != engine.StatusOK:
		out.Run = *out.Compile
	default:
		// The engine failed before or between the stages.
		out.Run = newV2Stage(&engine.StageResult{Status: engine.StatusInternalError})
	}
	return out
}

// v2Meta is the top level of newV2Response without its stages.
func v2Meta(res *engine.Result, rt v2Runtime) v2Response {
	out := v2Response{Language: rt.name, Version: res.Version}
	if out.Version == "" {
		out.Version = rt.info.Version
	}
	return out
}

// newV2Stage maps a stage. Statuses: OK → null, RE → RE, a failed
// compilation (CE) → RE (the compiler exited non-zero), SG → SG, TLE → TO,
// MLE → SG (what Piston reports for a memory kill: SIGKILL, with a
// message saying it was the memory limit), OLE → OL when stdout went over
// the limit, EL when stderr did, SG for the file-size limit (SIGXFSZ, as
// in Piston), IE → XX. code is null when a signal ended the process.
func newV2Stage(st *engine.StageResult) v2StageResponse {
	out := v2StageResponse{v2StageMeta: newV2StageMeta(st)}
	out.Stdout, out.Stderr, out.Output = string(st.Stdout), string(st.Stderr), string(st.Output)
	if len(st.Output) == 0 && len(st.Stdout)+len(st.Stderr) > 0 {
		// An executor that does not interleave: the best order it allows.
		out.Output = out.Stdout + out.Stderr
	}
	return out
}

// newV2StageMeta is newV2Stage without the output.
func newV2StageMeta(st *engine.StageResult) v2StageMeta {
	out := v2StageMeta{
		CPUTime:  millis(st.CPUTime),
		WallTime: millis(st.WallTime),
		Memory:   st.Memory,
	}
	var status, message string
	status, message = v2Status(st), st.Message
	switch st.Status {
	case engine.StatusMemoryLimitExceeded:
		if message == "" {
			message = "memory limit exceeded"
		}
	case engine.StatusInternalError:
		if message == "" {
			message = "internal error"
		}
	}
	if st.Signal == "" && st.Status != engine.StatusInternalError {
		code := st.ExitCode
		out.Code = &code
	}
	out.Signal = nullable(st.Signal)
	out.Message = nullable(message)
	out.Status = nullable(status)
	return out
}

func v2Status(st *engine.StageResult) string {
	switch st.Status {
	case engine.StatusOK:
		return ""
	case engine.StatusRuntimeError, engine.StatusCompileError:
		return "RE"
	case engine.StatusSignaled, engine.StatusMemoryLimitExceeded:
		return "SG"
	case engine.StatusTimeLimitExceeded:
		return "TO"
	case engine.StatusOutputLimitExceeded:
		switch {
		case st.StdoutTruncated:
			return "OL"
		case st.StderrTruncated:
			return "EL"
		default:
			return "SG" // the file-size limit: SIGXFSZ
		}
	case engine.StatusInternalError:
		return "XX"
	default:
		if st.Signal != "" {
			return "SG"
		}
		if st.ExitCode != 0 {
			return "RE"
		}
		return ""
	}
}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// millis rounds a duration to whole milliseconds, Piston's unit.
func millis(d time.Duration) int64 { return d.Round(time.Millisecond).Milliseconds() }

func (s *server) handleV2Runtimes(w http.ResponseWriter, r *http.Request) {
	if !s.runtimesSettled(w, r, writeV2Error) {
		return
	}
	rts := s.v2Runtimes()
	out := make([]v2RuntimeResponse, 0, len(rts))
	for _, rt := range rts {
		e := v2RuntimeResponse{Language: rt.name, Version: rt.info.Version, Aliases: rt.aliases}
		if rt.name != rt.info.Language {
			e.Runtime = rt.info.Language
		}
		out = append(out, e)
	}
	writeJSON(w, http.StatusOK, out)
}

// v2Routes are the v2 paths and the methods they answer, for the 405s of
// handleV2Fallback.
var v2Routes = map[string]string{
	"/api/v2/execute":  "POST",
	"/api/v2/runtimes": "GET, HEAD",
	"/api/v2/connect":  "GET, HEAD",
}

// handleV2Fallback answers, in the v2 error shape, what no v2 route takes:
// 405 for a known path with another method, else 404.
func (s *server) handleV2Fallback(w http.ResponseWriter, r *http.Request) {
	if allow, ok := v2Routes[r.URL.Path]; ok {
		w.Header().Set("Allow", allow)
		writeV2Error(w, http.StatusMethodNotAllowed, "method not allowed")
		return
	}
	writeV2Error(w, http.StatusNotFound, "not found")
}
