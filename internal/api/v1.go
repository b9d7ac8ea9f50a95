package api

import (
	"bytes"
	"cmp"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/coderacer/coderacer/internal/engine"
)

// executeRequest is the v1 request. Required fields are pointers so that
// "absent" and null can be told from an empty value; files stay raw so each
// element can be decoded alone and its errors carry its index.
type executeRequest struct {
	Language      *string           `json:"language"`
	Entrypoint    *string           `json:"entrypoint"`
	Files         []json.RawMessage `json:"files"`
	Stdin         *string           `json:"stdin"`
	Args          []string          `json:"args"`
	Limits        *limitsRequest    `json:"limits"`
	CompileLimits *limitsRequest    `json:"compileLimits"`
	// Network asks for outbound network access; null and absent are false.
	Network bool `json:"network"`
	// CompilerOptions are flags from the runtime's allow-list.
	CompilerOptions []string `json:"compilerOptions"`
}

type fileRequest struct {
	Name    *string `json:"name"`
	Content *string `json:"content"`
}

type limitsRequest struct {
	WallTimeMs    int64 `json:"wallTimeMs"`
	CPUTimeMs     int64 `json:"cpuTimeMs"`
	MemoryBytes   int64 `json:"memoryBytes"`
	Processes     int64 `json:"processes"`
	OutputBytes   int64 `json:"outputBytes"`
	FileSizeBytes int64 `json:"fileSizeBytes"`
	OpenFiles     int64 `json:"openFiles"`
}

// field is the v1 name of limit k and its field in l: the one place that
// ties the v1 names to the engine's limits.
func (l *limitsRequest) field(k engine.Limit) (string, *int64) {
	switch k {
	case engine.LimitWallTime:
		return "wallTimeMs", &l.WallTimeMs
	case engine.LimitCPUTime:
		return "cpuTimeMs", &l.CPUTimeMs
	case engine.LimitMemory:
		return "memoryBytes", &l.MemoryBytes
	case engine.LimitProcesses:
		return "processes", &l.Processes
	case engine.LimitOutput:
		return "outputBytes", &l.OutputBytes
	case engine.LimitFileSize:
		return "fileSizeBytes", &l.FileSizeBytes
	case engine.LimitOpenFiles:
		return "openFiles", &l.OpenFiles
	}
	return "", nil
}

type executeResponse struct {
	Language        string `json:"language"`
	Version         string `json:"version"`
	Stdout          string `json:"stdout"`
	Stderr          string `json:"stderr"`
	ExecutionTime   string `json:"executionTime"`
	PreparationTime string `json:"preparationTime"`
	stageFields
	Compile *stageResponse  `json:"compile,omitempty"`
	Timings timingsResponse `json:"timings"`
}

// timingsResponse tells where the job's time went (Go duration strings):
// queue + preparation is preparationTime; compile and run include their
// process setup and output collection, which are also given apart.
type timingsResponse struct {
	Queue       string `json:"queue"`
	Preparation string `json:"preparation"`
	Compile     string `json:"compile"`
	Run         string `json:"run"`
	Setup       string `json:"setup"`
	Collection  string `json:"collection"`
}

type stageResponse struct {
	Stdout string `json:"stdout"`
	Stderr string `json:"stderr"`
	stageFields
	// Cached: the compile cache held the artifact; nothing was compiled.
	Cached bool `json:"cached,omitempty"`
}

// stageFields are what the top level and "compile" share; the top level
// declares stdout and stderr itself to keep the field order of the
// original v1 answer (stdout, stderr, executionTime, preparationTime).
type stageFields struct {
	ExitCode        int    `json:"exitCode"`
	Signal          string `json:"signal"`
	Status          string `json:"status"`
	CPUTime         string `json:"cpuTime"`
	WallTime        string `json:"wallTime"`
	Memory          int64  `json:"memory"`
	StdoutTruncated bool   `json:"stdoutTruncated"`
	StderrTruncated bool   `json:"stderrTruncated"`
	Message         string `json:"message,omitempty"`
}

type runtimeResponse struct {
	Language string   `json:"language"`
	Version  string   `json:"version"`
	Aliases  []string `json:"aliases"`
	Compiled bool     `json:"compiled"`
	// Entrypoint is the usual name of the main file (main.py,
	// Main.java): clients (the command line) tell a file's language by
	// its extension.
	Entrypoint string `json:"entrypoint,omitempty"`
	// CompilerOptions lists the flags compilerOptions may hold; absent
	// when the runtime takes none.
	CompilerOptions []string `json:"compilerOptions,omitempty"`
}

func (s *server) handleExecute(w http.ResponseWriter, r *http.Request) {
	body, release, code, msg := s.readBody(w, r)
	if code != 0 {
		writeFailure(w, code, msg, writeError)
		return
	}
	job, clamped, err := s.parseJob(body)
	if err != nil { // a *requestError
		release()
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}

	ctx, after := engine.WithAfterAnswer(r.Context())
	defer after.Done()
	res, err := s.execute(ctx, dialectV1, job)
	release()
	if err != nil {
		s.writeExecuteError(w, r, err, clamped)
		return
	}
	dropOutput(res)
	s.answerResult(w, res, after, writeError, resultDocument{
		write: func(o *jsonOut) { writeExecuteResponse(o, res) },
		whole: func() any { return newExecuteResponse(res) },
	})
}

func (s *server) writeExecuteError(w http.ResponseWriter, r *http.Request, err error, clamped clampedLimits) {
	code, msg := s.executeError(r.Context(), err, clamped)
	if code == 0 {
		return
	}
	setRetryAfter(w, err)
	writeFailure(w, code, msg, writeError)
}

// parseJob decodes and checks a v1 execute request (the HTTP body, or the
// "execute" message of the v1 WebSocket, whose extra "type" field is
// ignored like any unknown field). Errors are *requestError. It also
// returns the original value of every time limit it clamped.
func (s *server) parseJob(body []byte) (engine.Job, clampedLimits, error) {
	// Unmarshal, not a Decoder: it checks the whole body, so trailing
	// garbage after the object is a syntax error like any other. It gets
	// the untrimmed body so syntax error offsets match what the client sent.
	trimmed := bytes.Trim(body, " \t\r\n") // JSON's whitespace, not Unicode's
	if len(trimmed) == 0 {
		return engine.Job{}, nil, badRequest("request body is empty; it must be a JSON object")
	}
	var req executeRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return engine.Job{}, nil, jsonError(err, "")
	}
	if trimmed[0] != '{' {
		// Only null gets here: it unmarshals into a struct without error.
		return engine.Job{}, nil, badRequest("request body must be a JSON object, not null")
	}

	stdinLen := 0
	if req.Stdin != nil {
		stdinLen = len(*req.Stdin)
	}
	job, clamped, err := s.submission(&req, stdinLen)
	if err != nil {
		return engine.Job{}, nil, err
	}
	if req.Stdin != nil {
		job.Stdin = []byte(*req.Stdin)
	}
	return job, clamped, nil
}

// checkRequired checks the fields every request has, and the number of
// files before decoding each, so that a flood of tiny files costs little.
func (req *executeRequest) checkRequired(maxFiles int) error {
	switch {
	case req.Language == nil:
		return badRequest("language is required")
	case *req.Language == "":
		return badRequest("language must not be empty")
	case req.Entrypoint == nil:
		return badRequest("entrypoint is required")
	case *req.Entrypoint == "":
		return badRequest("entrypoint must not be empty")
	case req.Files == nil:
		return badRequest("files is required")
	case len(req.Files) == 0:
		return badRequest("files must not be empty")
	case len(req.Files) > maxFiles:
		// Same words as engine.ValidateFiles.
		return badRequest("too many files: %d, the maximum is %d", len(req.Files), maxFiles)
	}
	return nil
}

// v1Files decodes the files, each alone so that its errors carry its
// index.
func v1Files(raw []json.RawMessage) ([]engine.File, error) {
	files := make([]engine.File, len(raw))
	for i, r := range raw {
		prefix := "files[" + strconv.Itoa(i) + "]"
		var f fileRequest
		if err := json.Unmarshal(r, &f); err != nil {
			return nil, jsonError(err, prefix)
		}
		switch {
		case bytes.Equal(r, []byte("null")):
			return nil, badRequest("%s must be an object, not null", prefix)
		case f.Name == nil:
			return nil, badRequest("%s.name is required", prefix)
		case f.Content == nil:
			return nil, badRequest("%s.content is required", prefix)
		}
		files[i] = engine.File{Name: *f.Name, Content: []byte(*f.Content)}
	}
	return files, nil
}

// limits are the request's limits of both stages in the engine's units,
// and the values it clamped.
func (req *executeRequest) limits() (run, compile engine.Limits, clamped clampedLimits, err error) {
	if run, err = req.Limits.toEngine(engine.StageRun, &clamped); err != nil {
		return engine.Limits{}, engine.Limits{}, nil, err
	}
	if compile, err = req.CompileLimits.toEngine(engine.StageCompile, &clamped); err != nil {
		return engine.Limits{}, engine.Limits{}, nil, err
	}
	return run, compile, clamped, nil
}

// toEngine converts the request's units into the engine's. Negative values
// are rejected here, with the engine's own wording, so that no executor
// ever sees one.
func (l *limitsRequest) toEngine(stage string, clamped *clampedLimits) (engine.Limits, error) {
	var out engine.Limits
	if l == nil {
		return out, nil
	}
	for k := range engine.AllLimits() {
		if _, v := l.field(k); *v < 0 {
			return engine.Limits{}, &requestError{msg: v1LimitMessage(&engine.LimitError{Stage: stage, Limit: k, Value: *v}, nil)}
		}
	}
	for k := range engine.AllLimits() {
		_, v := l.field(k)
		if k.Unit() == engine.UnitDuration && *v > maxTimeMs {
			if *clamped == nil {
				*clamped = clampedLimits{}
			}
			(*clamped)[stageLimit{stage, k}] = *v
		}
		*out.Field(k) = fromMs(k, *v)
	}
	return out, nil
}

func newStageFields(st *engine.StageResult) stageFields {
	if st == nil {
		return stageFields{CPUTime: dur(0), WallTime: dur(0)}
	}
	return stageFields{
		ExitCode:        st.ExitCode,
		Signal:          st.Signal,
		Status:          string(st.Status),
		CPUTime:         dur(st.CPUTime),
		WallTime:        dur(st.WallTime),
		Memory:          st.Memory,
		StdoutTruncated: st.StdoutTruncated,
		StderrTruncated: st.StderrTruncated,
		Message:         st.Message,
	}
}

// newExecuteResponse flattens a result for v1 clients. The top level is the
// run stage; without one (compile error, internal error) it is the compile
// stage, so clients of the original v1 answer, which read only stdout
// and stderr, still see the compiler's diagnostics. The HTTP answer is
// the same document: this value when it is small, else streamed by
// writeExecuteResponse.
func newExecuteResponse(res *engine.Result) executeResponse {
	out := executeMeta(res)
	top := res.Run
	if top == nil {
		top = res.Compile
	}
	if top != nil {
		// string, not []byte: a []byte would be base64. The encoder turns
		// each invalid UTF-8 byte into U+FFFD, so the JSON stays valid.
		out.Stdout, out.Stderr = string(top.Stdout), string(top.Stderr)
	}
	if c := res.Compile; c != nil {
		out.Compile.Stdout, out.Compile.Stderr = string(c.Stdout), string(c.Stderr)
	}
	return out
}

// executeMeta is newExecuteResponse without the output: every field that
// is small.
func executeMeta(res *engine.Result) executeResponse {
	top := res.Run
	if top == nil {
		top = res.Compile
	}
	out := executeResponse{
		Language:        res.Language,
		Version:         res.Version,
		PreparationTime: dur(res.Timings.Queue + res.Timings.Preparation),
		stageFields:     newStageFields(top),
		Timings: timingsResponse{
			Queue: dur(res.Timings.Queue), Preparation: dur(res.Timings.Preparation),
			Compile: dur(res.Timings.Compile), Run: dur(res.Timings.Run),
			Setup: dur(res.Timings.Setup), Collection: dur(res.Timings.Collection),
		},
	}
	var exec time.Duration
	if c := res.Compile; c != nil {
		exec += c.WallTime
		out.Compile = &stageResponse{stageFields: newStageFields(c), Cached: c.Cached}
	}
	if res.Run != nil {
		exec += res.Run.WallTime
	}
	out.ExecutionTime = dur(exec)
	// The job's status wins over the stage's: a compile stage that exited
	// non-zero is RE as a stage but CE as a job.
	if res.Status != "" {
		out.Status = string(res.Status)
	}
	if out.Status == string(engine.StatusInternalError) && out.Message == "" {
		out.Message = "internal error"
	}
	return out
}

func (s *server) handleRuntimes(w http.ResponseWriter, r *http.Request) {
	if !s.runtimesSettled(w, r, writeError) {
		return
	}
	rts := s.exec.Runtimes()
	out := make([]runtimeResponse, 0, len(rts))
	for _, rt := range rts {
		aliases := rt.Aliases
		if aliases == nil {
			aliases = []string{}
		}
		out = append(out, runtimeResponse{
			Language: rt.Language,
			Version:  rt.Version,
			Aliases:  aliases,
			Compiled: rt.Compiled,

			Entrypoint:      rt.Entrypoint,
			CompilerOptions: rt.CompilerOptions,
		})
	}
	slices.SortStableFunc(out, func(a, b runtimeResponse) int {
		return cmp.Or(cmp.Compare(a.Language, b.Language), cmp.Compare(a.Version, b.Version))
	})
	writeJSON(w, http.StatusOK, out)
}

func (s *server) handleHealth(w http.ResponseWriter, r *http.Request) {
	if !s.exec.Ready() {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "starting"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// handleReady is readiness, apart from liveness (handleHealth): 503 while
// the engine starts or the server drains, 200 when it takes work.
func (s *server) handleReady(w http.ResponseWriter, r *http.Request) {
	switch {
	case s.opts.Draining != nil && s.opts.Draining():
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "draining"})
	case !s.exec.Ready():
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "starting"})
	default:
		writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
	}
}

func dur(d time.Duration) string { return d.String() }
