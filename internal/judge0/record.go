package judge0

import (
	"time"

	"github.com/coderacer/coderacer/internal/engine"
)

// Record is what is kept of an accepted submission: everything needed to
// run it, and the attributes a GET echoes, once the defaults are applied.
// Texts are raw bytes (JSON carries them as base64); a nil text is null.
type Record struct {
	SourceCode     []byte   `json:"source_code"`
	Language       Language `json:"language"`
	Runtime        string   `json:"runtime"` // the engine's name of the language
	Entrypoint     string   `json:"entrypoint"`
	Stdin          []byte   `json:"stdin"`
	ExpectedOutput []byte   `json:"expected_output"`

	NumberOfRuns          int     `json:"number_of_runs"`
	CPUTimeLimit          float64 `json:"cpu_time_limit"`
	CPUExtraTime          float64 `json:"cpu_extra_time"`
	WallTimeLimit         float64 `json:"wall_time_limit"`
	MemoryLimit           int64   `json:"memory_limit"`
	StackLimit            int64   `json:"stack_limit"`
	MaxFileSize           int64   `json:"max_file_size"`
	MaxProcesses          int     `json:"max_processes_and_or_threads"`
	PerProcessTimeLimit   bool    `json:"enable_per_process_and_thread_time_limit"`
	PerProcessMemoryLimit bool    `json:"enable_per_process_and_thread_memory_limit"`
	RedirectStderr        bool    `json:"redirect_stderr_to_stdout"`
	EnableNetwork         bool    `json:"enable_network"`

	CompilerOptions      *string `json:"compiler_options"`
	CommandLineArguments *string `json:"command_line_arguments"`
	CallbackURL          *string `json:"callback_url"`
	AdditionalFiles      []byte  `json:"additional_files"`
	// Options and Args are compiler_options and command_line_arguments
	// as the engine takes them.
	Options []string `json:"options"`
	Args    []string `json:"args"`
}

// NewRecord makes the record of a parsed and resolved submission of an
// installed language. A limit the submission left out takes the
// runtime's own default when that is larger (the JVM needs more memory
// and threads than Judge0's defaults give): the record shows the limit
// that applies.
func NewRecord(s *Submission, set Settings, lang Language, in Installed) Record {
	rt := in.Runtime
	r := Record{
		SourceCode: s.SourceCode, Language: lang, Runtime: rt.Language, Entrypoint: rt.Entrypoint,
		Stdin: s.Stdin, ExpectedOutput: s.ExpectedOutput, NumberOfRuns: set.NumberOfRuns,
		CPUTimeLimit: set.CPUTime.Seconds(), CPUExtraTime: set.CPUExtraTime.Seconds(),
		WallTimeLimit: set.WallTime.Seconds(), MemoryLimit: set.MemoryKB, StackLimit: set.StackKB,
		MaxFileSize: set.MaxFileSizeKB, MaxProcesses: set.MaxProcesses,
		PerProcessTimeLimit: set.PerProcessTimeLimit, PerProcessMemoryLimit: set.PerProcessMemLimit,
		RedirectStderr: set.RedirectStderr, EnableNetwork: set.EnableNetwork,
		CompilerOptions: s.CompilerOptions, CommandLineArguments: s.CommandLineArguments,
		CallbackURL: s.CallbackURL, AdditionalFiles: s.AdditionalFiles,
		Options: set.CompilerOptions, Args: set.Args,
	}
	over := rt.Limits.Run
	if s.MemoryLimit == nil && over.MemoryBytes/1024 > r.MemoryLimit {
		r.MemoryLimit = over.MemoryBytes / 1024
	}
	if s.MaxProcesses == nil && int(over.Processes) > r.MaxProcesses {
		r.MaxProcesses = int(over.Processes)
	}
	if s.WallTimeLimit == nil && over.WallTime().Seconds() > r.WallTimeLimit {
		r.WallTimeLimit = over.WallTime().Seconds()
	}
	return r
}

// Job is the engine job of one run of the record: the source under the
// runtime's usual name with the additional files beside it. The CPU time
// limit is cpu_time_limit plus cpu_extra_time, as Judge0's sandbox kills
// only then; Summarize still calls a run over cpu_time_limit a TLE.
func (r *Record) Job(additional []File) engine.Job {
	files := []engine.File{{Name: r.Entrypoint, Content: r.SourceCode}}
	for _, f := range additional {
		files = append(files, engine.File{Name: f.Name, Content: f.Content})
	}
	return engine.Job{
		Language: r.Runtime, Entrypoint: r.Entrypoint, Files: files, Stdin: r.Stdin, Args: r.Args,
		RunLimits: engine.Limits{
			WallTime: seconds(r.WallTimeLimit), CPUTime: seconds(r.CPUTimeLimit + r.CPUExtraTime),
			Memory: r.MemoryLimit * 1024, Processes: int64(r.MaxProcesses), FileSize: r.MaxFileSize * 1024,
		},
		Network: r.EnableNetwork, CompilerOptions: r.Options,
	}
}

// Result is what is kept of a finished submission: Judge0's attributes of
// its outcome. Nil shows as null.
type Result struct {
	StatusID      int            `json:"status_id"`
	Message       *string        `json:"message"`
	ExitCode      *int           `json:"exit_code"`
	ExitSignal    *int           `json:"exit_signal"`
	Stdout        []byte         `json:"stdout"`
	Stderr        []byte         `json:"stderr"`
	CompileOutput []byte         `json:"compile_output"`
	Time          *time.Duration `json:"time"`
	WallTime      *time.Duration `json:"wall_time"`
	MemoryKB      *int64         `json:"memory"`
}

// Failed is the result of a submission the server could not run: an
// Internal Error saying why.
func Failed(message string) Result {
	return Result{StatusID: InternalError, Message: &message}
}

// View is the record as GET shows it, before it ran: In Queue, or
// Processing when running.
func (r *Record) View(token string, created time.Time, running bool) *View {
	st := status(InQueue)
	if running {
		st = status(Processing)
	}
	return &View{
		Token: token, LanguageID: r.Language.ID, Language: r.Language, Status: st, CreatedAt: created,
		SourceCode: r.SourceCode, Stdin: r.Stdin, ExpectedOutput: r.ExpectedOutput,
		NumberOfRuns: r.NumberOfRuns, CPUTimeLimit: r.CPUTimeLimit, CPUExtraTime: r.CPUExtraTime,
		WallTimeLimit: r.WallTimeLimit, MemoryLimit: r.MemoryLimit, StackLimit: r.StackLimit,
		MaxFileSize: r.MaxFileSize, MaxProcesses: r.MaxProcesses,
		PerProcessTimeLimit: r.PerProcessTimeLimit, PerProcessMemoryLimit: r.PerProcessMemoryLimit,
		RedirectStderr: r.RedirectStderr, EnableNetwork: r.EnableNetwork,
		CompilerOptions: r.CompilerOptions, CommandLineArgs: r.CommandLineArguments, Callback: r.CallbackURL,
		AdditionalFiles: r.AdditionalFiles,
	}
}

// Finish puts a finished submission's result in its view.
func (v *View) Finish(res Result, finished time.Time) {
	if st, ok := StatusByID(res.StatusID); ok {
		v.Status = st
	} else {
		v.Status = status(InternalError)
	}
	v.FinishedAt = &finished
	v.Message, v.ExitCode, v.ExitSignal = res.Message, res.ExitCode, res.ExitSignal
	v.Stdout, v.Stderr, v.CompileOutput = res.Stdout, res.Stderr, res.CompileOutput
	v.Time, v.WallTime, v.MemoryKB = res.Time, res.WallTime, res.MemoryKB
}
