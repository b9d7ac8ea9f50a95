package judge

import (
	"strings"
	"testing"
	"time"

	"github.com/coderacer/coderacer/test/testserver"
)

// guesser is a C++ submission of the guessing game; body runs after it
// has read n, with ask(g) sending a guess and returning the reply.
func guesser(body string) Request {
	return cpp(`#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <unistd.h>
#include <vector>
static char ask(long long g) {
    std::printf("%lld\n", g);
    std::fflush(stdout);
    char r[8] = "";
    if (std::scanf("%7s", r) != 1) std::exit(0);
    return r[0];
}
int main() {
    long long n;
    if (std::scanf("%lld", &n) != 1) return 0;
` + body + `
}
`)
}

const binarySearch = `
    long long lo = 1, hi = n;
    for (;;) {
        long long m = lo + (hi - lo) / 2;
        char r = ask(m);
        if (r == '=') return 0;
        if (r == '<') hi = m - 1; else lo = m + 1;
    }`

// interactor is testdata/interactors/<name>.cpp with checklib.h.
func interactor(t testing.TB, name string) *Program {
	return &Program{
		Language:   "c++",
		Entrypoint: name + ".cpp",
		Files:      testdata(t, "interactors/"+name+".cpp", "checklib.h"),
		Protocol:   "testlib",
	}
}

// judgeGuess judges sub against the guess interactor on tests "n secret".
func judgeGuess(t *testing.T, sub Request, inter string, tests ...Test) *Response {
	t.Helper()
	sub.Interactor = interactor(t, inter)
	sub.Limits = &Limits{CPUTimeMs: 1000, WallTimeMs: 3000, MemoryBytes: 64 << 20}
	sub.Tests = tests
	return judge(t, sub)
}

// TestJudgeInteractive: the number-guessing problem; a binary search is
// accepted within the limit of guesses, on any n.
func TestJudgeInteractive(t *testing.T) {
	r := judgeGuess(t, guesser(binarySearch), "guess",
		Test{Name: "one", Stdin: "1 1\n"},
		Test{Name: "hundred", Stdin: "100 37\n"},
		Test{Name: "billion", Stdin: "1000000000 123456789\n"},
		Test{Name: "top", Stdin: "1000000000000 1000000000000\n"},
	)
	expectVerdicts(t, r, "one=AC", "hundred=AC", "billion=AC", "top=AC")
	if len(r.Tests) == 4 && !strings.Contains(r.Tests[2].CheckerMessage, "found 123456789 in") {
		t.Errorf("checkerMessage %q, want the interactor's \"ok found 123456789 in ...\"", r.Tests[2].CheckerMessage)
	}
}

// TestJudgeInteractiveVerdicts: what the interactor and the submission do
// wrong, each told apart.
func TestJudgeInteractiveVerdicts(t *testing.T) {
	linear := `
    for (long long g = 1;; g++) if (ask(g) == '=') return 0;`
	cases := []struct {
		name, body, inter, stdin, verdict, message string
		points                                     float64
	}{
		{"partial points", linear, "guess", "100 12\n", "WA", "points 0.5 found 12 in 12 guesses", 0.5},
		{"too many guesses", linear, "guess", "100 90\n", "WA", "16 guesses and not found", 0},
		{"out of range", `ask(n + 1); return 0;`, "guess", "100 5\n", "WA", "outside [1, 100]", 0},
		{"presentation error", `std::printf("banana\n"); std::fflush(stdout); ask(1); return 0;`, "guess", "100 5\n", "PE", "expected an integer", 0},
		// The submission crashes while the interactor waits for it: its
		// crash, not the interactor's "stopped" that follows from it.
		{"crash", `ask(1); return 3;`, "guess", "100 5\n", "RE", "", 0},
		// The interactor rejects a guess and ends; the submission then
		// reads the end of its input and crashes: the rejection came first.
		{"crash after rejection", `std::printf("%lld\n", n + 1); std::fflush(stdout); char r[8]; if (std::scanf("%7s", r) != 1) return 3; return 0;`, "guess", "100 5\n", "WA", "outside [1, 100]", 0},
		{"stops reading and exits", `return 0;`, "guess", "100 5\n", "WA", "the submission stopped after 0 guesses", 0},
		{"stops reading and hangs", `for (;;) pause();`, "guess", "100 5\n", "TLE", "", 0},
		{"time limit", `for (volatile long i = 0;; i++) {}`, "guess", "100 5\n", "TLE", "", 0},
		{"memory limit", `std::vector<char *> v; for (;;) { char *p = (char *)std::malloc(1 << 20); std::memset(p, 1, 1 << 20); v.push_back(p); }`, "guess", "100 5\n", "MLE", "", 0},
		{"interactor fails", binarySearch, "guess", "10 50\n", "IE", "bad test: secret 50 is not in [1, 10]", 0},
		{"interactor exits early", binarySearch, "early", "100 5\n", "WA", "the interactor gives up", 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			start := time.Now()
			r := judgeGuess(t, guesser(c.body), c.inter, Test{Name: "1", Stdin: c.stdin, Points: 1})
			took := time.Since(start)
			expectVerdicts(t, r, "1="+c.verdict)
			if len(r.Tests) != 1 {
				return
			}
			got := r.Tests[0]
			if !strings.Contains(got.CheckerMessage+" "+got.Message, c.message) {
				t.Errorf("checkerMessage %q, message %q; want %q in them", got.CheckerMessage, got.Message, c.message)
			}
			if got.Points != c.points {
				t.Errorf("%v points, want %v", got.Points, c.points)
			}
			// No side is left blocked: only the cases that hang may reach
			// the 3 s wall limit.
			if c.verdict != "TLE" && c.verdict != "MLE" && took > 20*time.Second {
				t.Errorf("the request took %v", took)
			}
			wall := testserver.Duration(t, "wallTime", got.WallTime)
			if c.name != "stops reading and hangs" && wall > 2500*time.Millisecond {
				t.Errorf("the submission's wall time is %v: a side waited for the other", wall)
			}
		})
	}
}

// TestJudgeInteractiveWithChecker: the interactor writes the number of
// guesses to tout.txt, which a checker (ncmp) then judges against the
// expected output.
func TestJudgeInteractiveWithChecker(t *testing.T) {
	sub := guesser(binarySearch)
	sub.Checker = checker(t, "ncmp")
	r := judgeGuess(t, sub, "guess",
		Test{Name: "right count", Stdin: "8 1\n", ExpectedOutput: "3\n"},
		Test{Name: "wrong count", Stdin: "8 4\n", ExpectedOutput: "3\n"},
	)
	// 8 1: guesses 4, 2, 1 (three); 8 4: found at once (one).
	expectVerdicts(t, r, "right count=AC", "wrong count=WA")
}
