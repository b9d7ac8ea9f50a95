package judge

import (
	"fmt"
	"strings"
	"testing"
)

// checkerCase is a test judged by a checker: the echoing submission
// prints out; want is the verdict and a piece of the checker's message.
type checkerCase struct {
	name, out, answer, verdict, message string
}

func runCheckerCases(t *testing.T, prog *Program, cases []checkerCase) *Response {
	t.Helper()
	req := echo()
	req.Checker = prog
	var want []string
	for _, c := range cases {
		req.Tests = append(req.Tests, Test{Name: c.name, Stdin: c.out, ExpectedOutput: c.answer})
		want = append(want, c.name+"="+c.verdict)
	}
	r := judge(t, req)
	expectVerdicts(t, r, want...)
	for i, c := range cases {
		if i < len(r.Tests) && !strings.Contains(r.Tests[i].CheckerMessage, c.message) {
			t.Errorf("test %s: checkerMessage %q, want it to contain %q", c.name, r.Tests[i].CheckerMessage, c.message)
		}
	}
	return r
}

// TestJudgeCheckers: the suite's versions of testlib's standard checkers,
// sent as files with their header, judge as testlib's do.
func TestJudgeCheckers(t *testing.T) {
	checkers := map[string][]checkerCase{
		"wcmp": {
			{"same", "hello  world\n", "hello\nworld\n", "AC", "ok 2 tokens"},
			{"differs", "hello there\n", "hello world\n", "WA", "wrong answer token 2 differs"},
			{"short", "hello\n", "hello world\n", "WA", "wrong answer the output has 1 tokens"},
		},
		"ncmp": {
			{"same", "1 -2\n3\n", "1 -2 3", "AC", "ok 3 numbers"},
			{"differs", "1 2 4", "1 2 3", "WA", "number 3 differs"},
			{"not a number", "1 x", "1 2", "PE", "wrong output format expected an integer"},
		},
		"rcmp6": {
			{"close", "0.3333333\n", "0.333333333\n", "AC", "ok 1 numbers"},
			{"far", "0.3334\n", "0.333333333\n", "WA", "wrong answer number 1 differs"},
		},
		"yesno": {
			{"yes", "yes\n", "YES\n", "AC", "ok answer is YES"},
			{"no", "NO\n", "YES\n", "WA", "wrong answer found NO"},
			{"maybe", "maybe\n", "YES\n", "PE", "YES or NO expected"},
			{"extra", "YES\nYES\n", "YES\n", "PE", "Extra information in the output file"},
		},
		"lcmp": {
			{"same", "1  2\n3\n", "1 2\n3\n", "AC", "ok 2 lines"},
			{"moved", "1\n2 3\n", "1 2\n3\n", "WA", "wrong answer line 1 differs"},
		},
	}
	for name, cases := range checkers {
		t.Run(name, func(t *testing.T) {
			runCheckerCases(t, checker(t, name), cases)
		})
	}
}

// TestJudgeCheckerPoints: testlib's quitp gives partial points ("points
// 1.5 ..." on stderr, exit 7); a test short of its points is not accepted.
func TestJudgeCheckerPoints(t *testing.T) {
	req := echo()
	req.Checker = checker(t, "partial")
	req.Tests = []Test{
		{Name: "all", Stdin: "1 2 3 4", ExpectedOutput: "1 2 3 4", Points: 2},
		{Name: "three", Stdin: "1 2 0 4", ExpectedOutput: "1 2 3 4", Points: 2},
		{Name: "none", Stdin: "", ExpectedOutput: "1 2 3 4", Points: 2},
	}
	r := judge(t, req)
	expectVerdicts(t, r, "all=AC", "three=WA", "none=WA")
	for i, want := range []float64{2, 1.5, 0} {
		if i < len(r.Tests) && r.Tests[i].Points != want {
			t.Errorf("test %s earned %v points, want %v (checkerMessage %q)", r.Tests[i].Name, r.Tests[i].Points, want, r.Tests[i].CheckerMessage)
		}
	}
	if r.Score != 3.5 || r.MaxScore != 6 {
		t.Errorf("score %v of %v, want 3.5 of 6", r.Score, r.MaxScore)
	}
	if !strings.Contains(r.Tests[1].CheckerMessage, "points 1.5 3 of 4 numbers") {
		t.Errorf("checkerMessage %q, want testlib's \"points 1.5 3 of 4 numbers\"", r.Tests[1].CheckerMessage)
	}
}

// TestJudgeCheckerFailure: a checker that fails (testlib's FAIL) or
// crashes is a judge failure, IE, never the submission's fault.
func TestJudgeCheckerFailure(t *testing.T) {
	for _, name := range []string{"fail", "crash"} {
		t.Run(name, func(t *testing.T) {
			req := echo()
			req.Checker = checker(t, name)
			req.Tests = []Test{{Name: "1", Stdin: "3\n", ExpectedOutput: "3\n"}}
			r := judge(t, req)
			expectVerdicts(t, r, "1=IE")
			if name == "fail" && !strings.Contains(r.Tests[0].CheckerMessage+r.Tests[0].Message, "the jury's answer is broken") {
				t.Errorf("checkerMessage %q, message %q: want the checker's FAIL message", r.Tests[0].CheckerMessage, r.Tests[0].Message)
			}
		})
	}
}

// TestJudgeCheckerExitCode: protocol exitcode, 0 accepted, 1 wrong
// answer, anything else a judge failure.
func TestJudgeCheckerExitCode(t *testing.T) {
	prog := checker(t, "exitcode")
	prog.Protocol = "exitcode"
	runCheckerCases(t, prog, []checkerCase{
		{"same", "a  b\n", "a b", "AC", "same tokens"},
		{"differs", "a c", "a b", "WA", "tokens differ"},
		{"exit 2", "a", "", "IE", "empty answer file"},
	})
}

// TestJudgeBigHeader: a checker whose header is 200 KiB (testlib.h's
// size) is sent as files, compiled once and judges every test.
func TestJudgeBigHeader(t *testing.T) {
	prog := checker(t, "ncmp")
	header := &prog.Files[1]
	var pad strings.Builder
	for pad.Len() < 200<<10 {
		fmt.Fprintf(&pad, "// padding line %d, as long as testlib.h's comments and code together\n", pad.Len())
	}
	header.Content += pad.String()
	req := echo()
	req.Checker = prog
	for i := range 5 {
		req.Tests = append(req.Tests, Test{Name: fmt.Sprint(i), Stdin: fmt.Sprint(i), ExpectedOutput: fmt.Sprint(i)})
	}
	expectVerdicts(t, judge(t, req), "0=AC", "1=AC", "2=AC", "3=AC", "4=AC")
}
