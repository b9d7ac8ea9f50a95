package judge

import (
	"fmt"
	"strings"
	"testing"
)

// guessAndExit sends one guess and exits with code without reading the
// reply: the interactor's reply races the submission's end.
func guessAndExit(code int) Request {
	return guesser(fmt.Sprintf(`std::printf("1\n"); std::fflush(stdout); return %d;`, code))
}

// sameVerdicts requires every test of r to have verdict, a message
// holding message, and no points.
func sameVerdicts(t *testing.T, r *Response, n int, verdict, message string) {
	t.Helper()
	want := make([]string, n)
	for i := range want {
		want[i] = fmt.Sprintf("%d=%s", i, verdict)
	}
	expectVerdicts(t, r, want...)
	for _, got := range r.Tests {
		if !strings.Contains(got.CheckerMessage+" "+got.Message, message) || got.Points != 0 {
			t.Errorf("test %s: checkerMessage %q, message %q, %v points; want %q in them, 0 points", got.Name, got.CheckerMessage, got.Message, got.Points, message)
		}
	}
}

func tests(n int, stdin string) []Test {
	ts := make([]Test, n)
	for i := range ts {
		ts[i] = Test{Name: fmt.Sprint(i), Stdin: stdin, Points: 1}
	}
	return ts
}

// TestJudgeInteractiveSubmissionLeavesEarly: a submission that ends while
// the interactor still writes to it is judged the same every time, by the
// interactor, never IE. The interactor (checklib, like testlib, leaves
// SIGPIPE alone) replies to the one guess as the submission exits: its
// write lands in the pipe or fails (EPIPE) depending on timing, never
// kills it, and its next read finds the end.
func TestJudgeInteractiveSubmissionLeavesEarly(t *testing.T) {
	const n = 20
	r := judgeGuess(t, guessAndExit(0), "guess", tests(n, "100 50\n")...)
	sameVerdicts(t, r, n, "WA", "the submission stopped after 1 guesses")
}

// TestJudgeInteractiveWriteAfterEnd: an interactor that writes only once
// the submission has surely ended (its output closed) finds its write
// failed and reads the end: PE, each time. One that restored SIGPIPE's
// default dies by it; the submission had ended first, so the verdict is
// the submission's (WA for a clean exit, RE for a crash), not IE.
func TestJudgeInteractiveWriteAfterEnd(t *testing.T) {
	const n = 10
	cases := []struct {
		name, stdin     string
		code            int
		verdict, reason string
	}{
		{"ignored", "100 0\n", 0, "PE", "unexpected end of file in the submission's output"},
		{"ignored, crash", "100 0\n", 3, "RE", "unexpected end of file in the submission's output"},
		{"default", "100 1\n", 0, "WA", "the submission ended before the interactor was done with it"},
		{"default, crash", "100 1\n", 3, "RE", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := judgeGuess(t, guessAndExit(c.code), "latewrite", tests(n, c.stdin)...)
			sameVerdicts(t, r, n, c.verdict, c.reason)
		})
	}
}
