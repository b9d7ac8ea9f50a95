package cluster

import (
	"github.com/coderacer/coderacer/internal/engine"
	"github.com/coderacer/coderacer/internal/judge"
)

// The JSON forms of what crosses NATS. engine's data types (Result,
// JudgeResult, StageResult, Limits, File, Test, Program, TestResult,
// RuntimeInfo) are plain data and go as they are; Job and JudgeJob carry
// callbacks and channels, so they have forms of their own without them.

// Job is engine.Job without its Stream.
type Job struct {
	Language        string        `json:"language"`
	Entrypoint      string        `json:"entrypoint,omitempty"`
	Files           []engine.File `json:"files"`
	Stdin           []byte        `json:"stdin,omitempty"`
	Args            []string      `json:"args,omitempty"`
	RunLimits       engine.Limits `json:"runLimits"`
	CompileLimits   engine.Limits `json:"compileLimits"`
	Network         bool          `json:"network,omitempty"`
	CompilerOptions []string      `json:"compilerOptions,omitempty"`
}

// WireJob is job's JSON form; its Stream stays behind.
func WireJob(job engine.Job) Job {
	return Job{
		Language: job.Language, Entrypoint: job.Entrypoint, Files: job.Files,
		Stdin: job.Stdin, Args: job.Args,
		RunLimits: job.RunLimits, CompileLimits: job.CompileLimits,
		Network: job.Network, CompilerOptions: job.CompilerOptions,
	}
}

// Engine is the engine.Job j stands for, without a Stream.
func (j Job) Engine() engine.Job {
	return engine.Job{
		Language: j.Language, Entrypoint: j.Entrypoint, Files: j.Files,
		Stdin: j.Stdin, Args: j.Args,
		RunLimits: j.RunLimits, CompileLimits: j.CompileLimits,
		Network: j.Network, CompilerOptions: j.CompilerOptions,
	}
}

// JudgeJob is engine.JudgeJob without its OnTest.
type JudgeJob struct {
	Job                Job             `json:"job"`
	Tests              []engine.Test   `json:"tests"`
	Compare            judge.Compare   `json:"compare"`
	Checker            *engine.Program `json:"checker,omitempty"`
	Interactor         *engine.Program `json:"interactor,omitempty"`
	StopOnFirstFailure bool            `json:"stopOnFirstFailure,omitempty"`
	OutputPreviewBytes int             `json:"outputPreviewBytes,omitempty"`
}

// WireJudgeJob is job's JSON form; its OnTest stays behind.
func WireJudgeJob(job engine.JudgeJob) JudgeJob {
	return JudgeJob{
		Job: WireJob(job.Job), Tests: job.Tests, Compare: job.Compare,
		Checker: job.Checker, Interactor: job.Interactor,
		StopOnFirstFailure: job.StopOnFirstFailure, OutputPreviewBytes: job.OutputPreviewBytes,
	}
}

// Engine is the engine.JudgeJob j stands for, without an OnTest.
func (j JudgeJob) Engine() engine.JudgeJob {
	return engine.JudgeJob{
		Job: j.Job.Engine(), Tests: j.Tests, Compare: j.Compare,
		Checker: j.Checker, Interactor: j.Interactor,
		StopOnFirstFailure: j.StopOnFirstFailure, OutputPreviewBytes: j.OutputPreviewBytes,
	}
}

// request is the body of a job message: one of the two.
type request struct {
	Job   *Job      `json:"job,omitempty"`
	Judge *JudgeJob `json:"judge,omitempty"`
}

// reply is a worker's answer: a result of the job's kind, or an error.
type reply struct {
	Result *engine.Result      `json:"result,omitempty"`
	Judge  *engine.JudgeResult `json:"judge,omitempty"`
	Error  *Error              `json:"error,omitempty"`
	// Events is how many stream events the worker published before the
	// reply: the client hands them all over before it returns.
	Events int    `json:"events,omitempty"`
	Worker string `json:"worker,omitempty"`
}

// event is one engine.Event of a streamed job.
type event struct {
	Seq    int                 `json:"seq"`
	Kind   engine.EventKind    `json:"kind"`
	Stage  string              `json:"stage,omitempty"`
	Stream string              `json:"stream,omitempty"`
	Data   []byte              `json:"data,omitempty"`
	Result *engine.StageResult `json:"result,omitempty"`
}

// signal is one signal for a streamed job's program.
type signal struct {
	Signal int `json:"signal"`
}
