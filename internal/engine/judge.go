package engine

import (
	"context"
	"time"

	"github.com/coderacer/coderacer/internal/judge"
)

// Judger judges a submission on many tests. The local engine and the
// admission gate implement it (it joins Executor once both do).
type Judger interface {
	// Judge compiles job's program once, runs each test in a fresh box
	// (several at once when slots are free), judges each output and
	// returns the results in test order. Errors are as Execute's; a
	// checker or interactor that fails is a test verdict IE, not an
	// error.
	Judge(ctx context.Context, job JudgeJob) (*JudgeResult, error)
}

// JudgeJob is a submission and its tests.
type JudgeJob struct {
	// Job is the submission: language, entrypoint, files, compile limits,
	// and the run limits, arguments and network every test starts from.
	// Its Stdin and Stream are not used.
	Job   Job
	Tests []Test
	// Compare judges outputs when there is no checker.
	Compare judge.Compare
	// Checker, when not nil, judges each test's output instead of
	// Compare; Interactor, when not nil, talks with the submission.
	Checker    *Program
	Interactor *Program
	// StopOnFirstFailure skips the tests after the first that is not
	// accepted (in test order).
	StopOnFirstFailure bool
	// OutputPreviewBytes bounds the stdout and stderr kept of each test.
	OutputPreviewBytes int
	// OnTest, when not nil, is called as each test finishes (in the order
	// they finish, from the engine's goroutines, one at a time); it must
	// not block.
	OnTest func(TestResult)
}

// Test is one test case.
type Test struct {
	Name           string
	Stdin          []byte
	ExpectedOutput []byte
	Args           []string // replace the job's when not nil
	Files          []File   // beside the submission's files
	Limits         Limits   // non-zero fields override the job's run limits
	Points         float64  // what the test is worth
}

// Program is a checker or an interactor.
type Program struct {
	Language   string
	Entrypoint string
	Files      []File
	Protocol   judge.Protocol
	Limits     Limits // its run stage's; zero fields: the server defaults
}

// TestResult is the outcome of one test.
type TestResult struct {
	Index          int // in JudgeJob.Tests
	Name           string
	Verdict        judge.Verdict
	ExitCode       int
	Signal         string
	CPUTime        time.Duration
	WallTime       time.Duration
	Memory         int64
	Points         float64 // earned
	CheckerMessage string
	// Stdout and Stderr are cut to OutputPreviewBytes.
	Stdout, Stderr                   []byte
	StdoutTruncated, StderrTruncated bool
	// Message explains an IE or a limit in words, as StageResult's.
	Message string
}

// JudgeResult is the outcome of a judged submission.
type JudgeResult struct {
	Language string
	Version  string
	// Status is the first verdict other than AC in test order, else AC;
	// CE when the compile stage failed.
	Status      judge.Verdict
	Compile     *StageResult // nil for an interpreted language
	Tests       []TestResult // in test order; empty after CE
	Passed      int
	Total       int
	Score       float64
	MaxScore    float64
	MaxCPUTime  time.Duration
	MaxWallTime time.Duration
	MaxMemory   int64
	// CPUTime is what the whole judge cost: every compile and every run
	// of the submission, the checker and the interactor (what a client's
	// quota is charged).
	CPUTime time.Duration
}
