// Package judge holds what judging a program's answer needs and nothing
// else: how an output is compared with the expected one, and what a
// checker's or an interactor's exit says. It runs nothing; the engine
// runs the programs and asks this package for the verdict.
package judge

// Verdict is the outcome of one test.
type Verdict string

// The verdicts of a test (README "Judge").
const (
	Accepted            Verdict = "AC"
	WrongAnswer         Verdict = "WA"
	PresentationError   Verdict = "PE"
	TimeLimitExceeded   Verdict = "TLE"
	MemoryLimitExceeded Verdict = "MLE"
	OutputLimitExceeded Verdict = "OLE"
	RuntimeError        Verdict = "RE"
	Signaled            Verdict = "SG"
	InternalError       Verdict = "IE"
	Skipped             Verdict = "SKIPPED"
	// CompileError is a submission's status, never a test's.
	CompileError Verdict = "CE"
)

// Mode is how an output is compared with the expected output.
type Mode string

// The comparison modes.
const (
	// Exact: the bytes are equal.
	Exact Mode = "exact"
	// Lines (the default): Judge0's rule; each line's trailing spaces,
	// tabs and \r are removed, and the trailing white space of the whole.
	Lines Mode = "lines"
	// Tokens: the white-space-separated tokens are equal.
	Tokens Mode = "tokens"
	// Float: tokens; numbers are equal within AbsTolerance or
	// RelTolerance.
	Float Mode = "float"
)

// Compare says how an output is compared with the expected output.
type Compare struct {
	Mode          Mode // empty: Lines
	CaseSensitive bool
	AbsTolerance  float64 // Float only
	RelTolerance  float64 // Float only
}

// DefaultTolerance is Float's tolerance, absolute and relative, when the
// request gives none.
const DefaultTolerance = 1e-6

// DefaultCompare is the comparison of a request that names none.
func DefaultCompare() Compare {
	return Compare{Mode: Lines, CaseSensitive: true, AbsTolerance: DefaultTolerance, RelTolerance: DefaultTolerance}
}

// Protocol is how a checker's or interactor's exit is read.
type Protocol string

// The protocols.
const (
	// Testlib: exit 0 accepted, 1 wrong answer, 2 presentation error, 3
	// judge failure, 7 partial points ("points <x> <msg>" on stderr).
	Testlib Protocol = "testlib"
	// ExitCode: exit 0 accepted, 1 wrong answer, anything else a judge
	// failure.
	ExitCode Protocol = "exitcode"
)
