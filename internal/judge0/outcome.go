package judge0

import (
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/coderacer/coderacer/internal/engine"
	"github.com/coderacer/coderacer/internal/judge"
)

// Outcome is what a finished job shows in Judge0's attributes: status,
// message, exit_code and exit_signal (nil shows as null).
type Outcome struct {
	Status     Status
	Message    string
	ExitCode   *int
	ExitSignal *int
}

// FromResult maps a finished job to Judge0's status. expected is the
// submission's expected_output, nil when it has none (then a clean exit
// is Accepted whatever the output). Judge0 has no memory status (its
// sandbox kills at the limit, which shows as a signal): MLE is Runtime
// Error (Other), as a kill by SIGKILL would be, with a message saying
// the memory limit was exceeded; likewise OLE is Runtime Error
// (SIGXFSZ), the file size signal Judge0's sandbox raises on too much
// output.
func FromResult(res *engine.Result, expected []byte) Outcome {
	switch {
	case res == nil:
		return Outcome{Status: status(InternalError), Message: "the job has no result"}
	case res.Status == engine.StatusCompileError:
		return Outcome{Status: status(CompilationError), Message: stageMessage(res.Compile)}
	case res.Run == nil:
		return internalError(stageMessage(res.Compile))
	}
	o := FromStage(res.Run)
	if o.Status.ID == Accepted && expected != nil {
		o.Status = status(Compare(outputOf(res.Run), expected))
	}
	return o
}

// Compare judges a program's standard output against expected_output by
// Judge0's rule (each line's trailing white space and the whole's are
// ignored; case, leading and inner white space count): Accepted or Wrong
// Answer. It is the lines mode of internal/judge, where a presentation
// error is a wrong answer.
func Compare(stdout, expected []byte) int {
	c := judge.Compare{Mode: judge.Lines, CaseSensitive: true}
	if v, _ := c.Equal(stdout, expected); v == judge.Accepted {
		return Accepted
	}
	return WrongAnswer
}

// outputOf is what Judge0 compares: the standard output (which holds the
// standard error too when redirect_stderr_to_stdout was asked).
func outputOf(s *engine.StageResult) []byte { return s.Stdout }

// FromStage maps a run stage that ended to Judge0's status and isolate's
// words for it; an OK stage is Accepted (no comparison here).
func FromStage(s *engine.StageResult) Outcome {
	exit := s.ExitCode
	switch s.Status {
	case engine.StatusOK:
		return Outcome{Status: status(Accepted), ExitCode: &exit}
	case engine.StatusRuntimeError:
		if isExecFormat(s.Message) || (exit == 126 && isExecFormat(string(s.Stderr))) {
			return Outcome{Status: status(ExecFormatError), Message: "Exec format error", ExitCode: &exit}
		}
		return Outcome{Status: status(RuntimeErrorNZEC), Message: fmt.Sprintf("Exited with error status %d", exit), ExitCode: &exit}
	case engine.StatusSignaled:
		return signaled(s)
	case engine.StatusTimeLimitExceeded:
		return Outcome{Status: status(TimeLimitExceeded), Message: detail("Time limit exceeded", s.Message)}
	case engine.StatusMemoryLimitExceeded:
		return withSignal(RuntimeErrorOther, detail("Memory limit exceeded", s.Message), int(unix.SIGKILL))
	case engine.StatusOutputLimitExceeded:
		return withSignal(RuntimeErrorSIGXFSZ, detail("Output limit exceeded", s.Message), int(unix.SIGXFSZ))
	case engine.StatusCompileError:
		return Outcome{Status: status(CompilationError), Message: s.Message}
	}
	return internalError(s.Message)
}

// signaled maps a program killed by a signal: SIGSEGV, SIGXFSZ, SIGFPE and
// SIGABRT have their own statuses, any other is Runtime Error (Other).
func signaled(s *engine.StageResult) Outcome {
	n, ok := SignalNumber(s.Signal)
	if !ok {
		return Outcome{Status: status(RuntimeErrorOther), Message: detail("Caught fatal signal", s.Signal)}
	}
	return withSignal(SignalStatus(s.Signal), fmt.Sprintf("Caught fatal signal %d", n), n)
}

func withSignal(id int, message string, signal int) Outcome {
	return Outcome{Status: status(id), Message: message, ExitSignal: &signal}
}

// internalError is status 13, or 14 when the engine could not execute the
// program because of its format.
func internalError(message string) Outcome {
	if isExecFormat(message) {
		return Outcome{Status: status(ExecFormatError), Message: message}
	}
	return Outcome{Status: status(InternalError), Message: message}
}

// isExecFormat recognizes the kernel's ENOEXEC ("exec format error"), as
// Judge0 does from its sandbox's message.
func isExecFormat(s string) bool {
	return strings.Contains(strings.ToLower(s), "exec format error")
}

// SignalStatus maps a signal, named as the engine names it ("SIGSEGV",
// or "signal 40"), to its Judge0 status.
func SignalStatus(name string) int {
	n, _ := SignalNumber(name)
	switch n {
	case int(unix.SIGSEGV):
		return RuntimeErrorSIGSEGV
	case int(unix.SIGXFSZ):
		return RuntimeErrorSIGXFSZ
	case int(unix.SIGFPE):
		return RuntimeErrorSIGFPE
	case int(unix.SIGABRT):
		return RuntimeErrorSIGABRT
	}
	return RuntimeErrorOther
}

// SignalNumber reads a signal name of the engine's: a name such as
// "SIGSEGV", or "signal 40" for one without a name.
func SignalNumber(name string) (int, bool) {
	if n := unix.SignalNum(name); n != 0 {
		return int(n), true
	}
	if rest, ok := strings.CutPrefix(name, "signal "); ok {
		if n, err := strconv.Atoi(rest); err == nil && n > 0 && n < 128 {
			return n, true
		}
	}
	return 0, false
}

// FromVerdict maps a test verdict of internal/judge to a Judge0 status id;
// signal names the signal of an SG verdict. SKIPPED, a test that never
// ran, has no Judge0 status: false.
func FromVerdict(v judge.Verdict, signal string) (int, bool) {
	switch v {
	case judge.Accepted:
		return Accepted, true
	case judge.WrongAnswer, judge.PresentationError:
		return WrongAnswer, true
	case judge.TimeLimitExceeded:
		return TimeLimitExceeded, true
	case judge.MemoryLimitExceeded:
		return RuntimeErrorOther, true
	case judge.OutputLimitExceeded:
		return RuntimeErrorSIGXFSZ, true
	case judge.RuntimeError:
		return RuntimeErrorNZEC, true
	case judge.Signaled:
		return SignalStatus(signal), true
	case judge.CompileError:
		return CompilationError, true
	case judge.InternalError:
		return InternalError, true
	}
	return 0, false
}

// stageMessage is a failed stage's message, "" for a nil stage.
func stageMessage(s *engine.StageResult) string {
	if s == nil {
		return ""
	}
	return s.Message
}

// detail joins Judge0's words and ours: "Memory limit exceeded: memory
// limit of 134217728 bytes exceeded".
func detail(words, ours string) string {
	if ours == "" {
		return words
	}
	return words + ": " + ours
}
