package client

import (
	"encoding/json"
	"fmt"
	"time"
)

// The statuses of a run (ExecuteResponse.Status, Stage.Status).
const (
	StatusOK            = "OK"  // exited 0
	StatusRuntimeError  = "RE"  // exited non-zero
	StatusSignal        = "SG"  // killed by a signal no limit sent
	StatusTimeLimit     = "TLE" // CPU or wall time limit reached
	StatusMemoryLimit   = "MLE" // memory limit reached
	StatusOutputLimit   = "OLE" // output or file-size limit reached
	StatusCompileError  = "CE"  // the compile stage failed; nothing ran
	StatusInternalError = "IE"  // the engine failed; not the program's fault
)

// The verdicts of a judged test (JudgeTestResult.Verdict); a judge's
// status is one of them but SKIPPED, or CE.
const (
	VerdictAccepted          = "AC"
	VerdictWrongAnswer       = "WA"
	VerdictPresentationError = "PE"
	VerdictSkipped           = "SKIPPED"
)

// Duration is a duration the API writes as a Go duration string ("1.5s",
// "800µs", "0s").
type Duration struct{ time.Duration }

// MarshalJSON writes d as a Go duration string.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(d.Duration.String()) }

// UnmarshalJSON reads a Go duration string.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("a duration must be a string such as \"1.5s\": %w", err)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return err
	}
	d.Duration = v
	return nil
}

// File is one source file of a request: a relative name (sub-directories
// allowed) and its content.
type File struct {
	Name    string `json:"name"`
	Content string `json:"content"`
}

// Limits are one stage's limits; a zero field takes the server's default.
// A value above the server's maximum is a 400 naming it.
type Limits struct {
	WallTimeMs    int64 `json:"wallTimeMs,omitempty"`
	CPUTimeMs     int64 `json:"cpuTimeMs,omitempty"`
	MemoryBytes   int64 `json:"memoryBytes,omitempty"`
	Processes     int64 `json:"processes,omitempty"`
	OutputBytes   int64 `json:"outputBytes,omitempty"`
	FileSizeBytes int64 `json:"fileSizeBytes,omitempty"`
	OpenFiles     int64 `json:"openFiles,omitempty"`
}

// ExecuteRequest is the body of POST /api/v1/execute (and the execute
// message of a WebSocket session). Strings are sent as JSON strings:
// invalid UTF-8 in them becomes U+FFFD.
type ExecuteRequest struct {
	// Language is a language or an alias of Runtimes (any case).
	Language string `json:"language"`
	// Entrypoint is the file to run, one of Files.
	Entrypoint string `json:"entrypoint"`
	Files      []File `json:"files"`
	// Stdin is the program's standard input (over a WebSocket, its start).
	Stdin           string   `json:"stdin,omitempty"`
	Args            []string `json:"args,omitempty"`
	Limits          *Limits  `json:"limits,omitempty"`
	CompileLimits   *Limits  `json:"compileLimits,omitempty"`
	Network         bool     `json:"network,omitempty"`
	CompilerOptions []string `json:"compilerOptions,omitempty"`
}

// Stage is the result of a stage, as the compile stage and the top level
// of a result hold it.
type Stage struct {
	ExitCode        int      `json:"exitCode"`
	Signal          string   `json:"signal"`
	Status          string   `json:"status"`
	CPUTime         Duration `json:"cpuTime"`
	WallTime        Duration `json:"wallTime"`
	Memory          int64    `json:"memory"`
	StdoutTruncated bool     `json:"stdoutTruncated"`
	StderrTruncated bool     `json:"stderrTruncated"`
	// Message says why, for TLE, MLE, OLE, SG and IE.
	Message string `json:"message,omitempty"`
}

// CompileStage is the compile stage's result.
type CompileStage struct {
	Stdout string `json:"stdout"`
	Stderr string `json:"stderr"`
	Stage
	// Cached: the compile cache held the artifact; nothing was compiled.
	Cached bool `json:"cached,omitempty"`
}

// Timings tell where a job's time went.
type Timings struct {
	Queue       Duration `json:"queue"`
	Preparation Duration `json:"preparation"`
	Compile     Duration `json:"compile"`
	Run         Duration `json:"run"`
	Setup       Duration `json:"setup"`
	Collection  Duration `json:"collection"`
}

// ExecuteResponse is the answer of POST /api/v1/execute: the run stage at
// the top level, or the compile stage's when nothing ran (CE, IE), so
// that Stdout and Stderr hold the compiler's diagnostics then.
type ExecuteResponse struct {
	Language        string   `json:"language"`
	Version         string   `json:"version"`
	Stdout          string   `json:"stdout"`
	Stderr          string   `json:"stderr"`
	ExecutionTime   Duration `json:"executionTime"`
	PreparationTime Duration `json:"preparationTime"`
	Stage
	Compile *CompileStage `json:"compile,omitempty"`
	Timings *Timings      `json:"timings,omitempty"`
}

// Runtime is one element of GET /api/v1/runtimes.
type Runtime struct {
	Language string   `json:"language"`
	Version  string   `json:"version"`
	Aliases  []string `json:"aliases"`
	Compiled bool     `json:"compiled"`
	// Entrypoint is the usual name of the main file (main.py); its
	// extension is the language's. Empty from servers that do not tell.
	Entrypoint string `json:"entrypoint,omitempty"`
	// CompilerOptions is the allow-list of ExecuteRequest.CompilerOptions.
	CompilerOptions []string `json:"compilerOptions,omitempty"`
}

// Health is the answer of GET /api/v1/health: "ok", or "starting".
type Health struct {
	Status string `json:"status"`
}

// Ready is the answer of GET /api/v1/ready: "ready", "starting" or
// "draining".
type Ready struct {
	Status string `json:"status"`
}

// Cluster is the answer of GET /api/v1/cluster: the workers that run the
// server's jobs.
type Cluster struct {
	Workers []Worker `json:"workers"`
	// Slots is how many jobs the workers may run at once, Busy how many
	// run now.
	Slots int `json:"slots"`
	Busy  int `json:"busy"`
}

// Worker is one worker of a Cluster.
type Worker struct {
	ID        string    `json:"id"`
	Host      string    `json:"host"`
	Runtimes  []string  `json:"runtimes"`
	Slots     int       `json:"slots"`
	Busy      int       `json:"busy"`
	StartedAt time.Time `json:"startedAt"`
	Version   string    `json:"version"`
}

// JudgeRequest is the body of POST /api/v1/judge: a submission compiled
// once and run on each of Tests (README "Judge").
type JudgeRequest struct {
	Language   string `json:"language"`
	Entrypoint string `json:"entrypoint"`
	Files      []File `json:"files"`
	// Args are every test's arguments unless it has its own.
	Args            []string `json:"args,omitempty"`
	Limits          *Limits  `json:"limits,omitempty"`
	CompileLimits   *Limits  `json:"compileLimits,omitempty"`
	Network         bool     `json:"network,omitempty"`
	CompilerOptions []string `json:"compilerOptions,omitempty"`

	Tests []JudgeTest `json:"tests"`
	// Compare is how an output is compared with the expected one when
	// there is no Checker (default: lines).
	Compare    *Compare      `json:"compare,omitempty"`
	Checker    *JudgeProgram `json:"checker,omitempty"`
	Interactor *JudgeProgram `json:"interactor,omitempty"`
	// StopOnFirstFailure skips the tests after the first one not
	// accepted, in test order.
	StopOnFirstFailure bool `json:"stopOnFirstFailure,omitempty"`
	// OutputPreviewBytes is how much of each test's stdout and stderr
	// comes back (0: the server's default, 4096).
	OutputPreviewBytes int64 `json:"outputPreviewBytes,omitempty"`
}

// JudgeTest is one test case.
type JudgeTest struct {
	// Name defaults to the test's number, from 1.
	Name  string `json:"name,omitempty"`
	Stdin string `json:"stdin,omitempty"`
	// ExpectedOutput is compared with the output (or given to the
	// checker); always sent, since an empty output may be the answer.
	ExpectedOutput string `json:"expectedOutput"`
	// Args replace the request's when not nil ([]string{}: none).
	Args []string `json:"args"`
	// Files go beside the submission's.
	Files  []File  `json:"files,omitempty"`
	Limits *Limits `json:"limits,omitempty"`
	// Points is what the test is worth; nil: 1.
	Points *float64 `json:"points,omitempty"`
}

// Compare says how outputs are compared: Mode "exact", "lines" (the
// default), "tokens" or "float".
type Compare struct {
	Mode          string   `json:"mode,omitempty"`
	CaseSensitive *bool    `json:"caseSensitive,omitempty"`
	AbsTolerance  *float64 `json:"absTolerance,omitempty"`
	RelTolerance  *float64 `json:"relTolerance,omitempty"`
}

// JudgeProgram is a checker or an interactor. Protocol is "testlib" (the
// default) or, for checkers, "exitcode".
type JudgeProgram struct {
	Language   string  `json:"language"`
	Entrypoint string  `json:"entrypoint"`
	Files      []File  `json:"files"`
	Protocol   string  `json:"protocol,omitempty"`
	Limits     *Limits `json:"limits,omitempty"`
}

// JudgeResponse is the answer of POST /api/v1/judge.
type JudgeResponse struct {
	Language string `json:"language"`
	Version  string `json:"version"`
	// Status is the first verdict other than AC in test order, else AC;
	// CE when compilation failed (see Compile).
	Status string `json:"status"`
	// Compile is absent for an interpreted language.
	Compile     *CompileStage     `json:"compile,omitempty"`
	Passed      int               `json:"passed"`
	Total       int               `json:"total"`
	Score       float64           `json:"score"`
	MaxScore    float64           `json:"maxScore"`
	MaxCPUTime  Duration          `json:"maxCpuTime"`
	MaxWallTime Duration          `json:"maxWallTime"`
	MaxMemory   int64             `json:"maxMemory"`
	Tests       []JudgeTestResult `json:"tests"`
}

// JudgeTestResult is one test's outcome, in JudgeResponse.Tests (test
// order) or a JudgeStream event.
type JudgeTestResult struct {
	Name     string   `json:"name"`
	Verdict  string   `json:"verdict"`
	ExitCode int      `json:"exitCode"`
	Signal   string   `json:"signal"`
	CPUTime  Duration `json:"cpuTime"`
	WallTime Duration `json:"wallTime"`
	Memory   int64    `json:"memory"`
	// Points earned.
	Points float64 `json:"points"`
	// CheckerMessage is the checker's or interactor's stderr.
	CheckerMessage string `json:"checkerMessage"`
	// Stdout and Stderr are cut to OutputPreviewBytes.
	Stdout          string `json:"stdout"`
	Stderr          string `json:"stderr"`
	StdoutTruncated bool   `json:"stdoutTruncated,omitempty"`
	StderrTruncated bool   `json:"stderrTruncated,omitempty"`
	Message         string `json:"message,omitempty"`
}
