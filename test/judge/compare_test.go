package judge

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/coderacer/coderacer/test/testserver"
)

// TestJudgeCompareModes: each mode judges the same outputs as README
// says; a test's stdin is what the echoing submission prints.
func TestJudgeCompareModes(t *testing.T) {
	type tc struct{ name, out, exp, verdict string }
	modes := []struct {
		compare *Compare
		cases   []tc
	}{
		{nil, []tc{ // lines, the default
			{"trailing", "1 2  \r\n3\n\n\n", "1 2\n3", "AC"},
			{"leading space", " 3\n", "3\n", "PE"},
			{"inner blank line", "1\n\n2\n", "1\n2\n", "PE"},
			{"wrong", "4\n", "3\n", "WA"},
			{"case", "yes\n", "YES\n", "WA"},
		}},
		{&Compare{Mode: "exact"}, []tc{
			{"same", "3\n", "3\n", "AC"},
			{"crlf", "3\r\n", "3\n", "PE"},
			{"wrong", "4\n", "3\n", "WA"},
		}},
		{&Compare{Mode: "tokens", CaseSensitive: ptr(false)}, []tc{
			{"layout", " 1\n\n2\t3 ", "1 2 3\n", "AC"},
			{"case", "YES", "yes", "AC"},
			{"missing", "1 2", "1 2 3", "WA"},
		}},
		{&Compare{Mode: "float", AbsTolerance: ptr(1e-3), RelTolerance: ptr(1e-9)}, []tc{
			{"within abs", "3.1411 x\n", "3.14159 x", "AC"},
			{"beyond", "3.14 x\n", "3.14159 x", "WA"},
			{"nan inf", "nan -inf", "NaN -Infinity", "AC"},
			{"word", "3.14159 y", "3.14159 x", "WA"},
		}},
	}
	for _, m := range modes {
		name := "lines"
		if m.compare != nil {
			name = m.compare.Mode
		}
		t.Run(name, func(t *testing.T) {
			req := echo()
			req.Compare = m.compare
			var want []string
			for _, c := range m.cases {
				req.Tests = append(req.Tests, Test{Name: c.name, Stdin: c.out, ExpectedOutput: c.exp})
				want = append(want, c.name+"="+c.verdict)
			}
			expectVerdicts(t, judge(t, req), want...)
		})
	}
}

// aPlusB is a C++ submission: it prints a+b, unless a is one of the
// negative codes that make it fail one way or another.
const aPlusB = `#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>
int main() {
    long long a, b;
    if (std::scanf("%lld %lld", &a, &b) != 2) return 2;
    if (a == -1) return 3;                                  // RE
    if (a == -2) { volatile int *p = nullptr; *p = 1; }    // SG
    if (a == -3) for (volatile unsigned long i = 0;; i++) {} // TLE
    if (a == -4) {                                          // MLE
        std::vector<char *> v;
        for (;;) { char *p = (char *)std::malloc(1 << 20); std::memset(p, 1, 1 << 20); v.push_back(p); }
    }
    if (a == -5) { std::printf("%lld\n", a + b + 1); return 0; } // WA
    if (a == -6) { std::printf("\n  %lld\n", a + b); return 0; } // PE in lines
    std::printf("%lld\n", a + b);
}
`

// TestJudgeVerdicts: one compile, many tests, each with its verdict, in
// request order; the points, score and maxima add up; the expected
// output is never sent back.
func TestJudgeVerdicts(t *testing.T) {
	secret := "9007537" // the WA test's expected answer (the submission prints 9007532)
	req := cpp(aPlusB)
	req.Limits = &Limits{CPUTimeMs: 1000, WallTimeMs: 3000, MemoryBytes: 64 << 20}
	req.Tests = []Test{
		{Name: "small", Stdin: "1 2\n", ExpectedOutput: "3\n", Points: 2},
		{Name: "re", Stdin: "-1 0\n", ExpectedOutput: "-1\n"},
		{Name: "sg", Stdin: "-2 0\n", ExpectedOutput: "-2\n"},
		{Name: "tle", Stdin: "-3 0\n", ExpectedOutput: "-3\n"},
		{Name: "mle", Stdin: "-4 0\n", ExpectedOutput: "-4\n"},
		{Name: "wa", Stdin: "-5 9007536\n", ExpectedOutput: secret + "\n"},
		{Name: "pe", Stdin: "-6 1\n", ExpectedOutput: "-5\n"},
		{Name: "big", Stdin: "1000000000000 2000000000000\n", ExpectedOutput: "3000000000000\n", Points: 3},
	}
	r := judge(t, req)
	expectVerdicts(t, r, "small=AC", "re=RE", "sg=SG", "tle=TLE", "mle=MLE", "wa=WA", "pe=PE", "big=AC")
	if r.Compile == nil || r.Compile.Status != "OK" {
		t.Errorf("compile stage %+v, want OK", r.Compile)
	}
	if r.Score != 5 || r.MaxScore != 11 {
		t.Errorf("score %v of %v, want 5 of 11 (2 + 3 of 2+1+1+1+1+1+1+3)", r.Score, r.MaxScore)
	}
	if r.Tests[1].ExitCode != 3 || r.Tests[2].Signal == "" || r.Tests[0].Points != 2 || r.Tests[5].Points != 0 {
		t.Errorf("re exitCode %d, sg signal %q, points %v and %v", r.Tests[1].ExitCode, r.Tests[2].Signal, r.Tests[0].Points, r.Tests[5].Points)
	}
	if strings.TrimSpace(r.Tests[0].Stdout) != "3" {
		t.Errorf("test small's stdout %q, want 3", r.Tests[0].Stdout)
	}
	if strings.Contains(string(r.Raw), secret) || strings.Contains(string(r.Raw), "expectedOutput") {
		t.Errorf("the answer echoes the expected output: %s", testserver.Shorten(string(r.Raw), 3000))
	}
	tle := testserver.Duration(t, "tests[3].cpuTime", r.Tests[3].CPUTime)
	maxCPU := testserver.Duration(t, "maxCpuTime", r.MaxCPUTime)
	testserver.Duration(t, "maxWallTime", r.MaxWallTime)
	if tle < 900*time.Millisecond || maxCPU < tle {
		t.Errorf("the TLE test used %v of CPU, the maximum is %v; want ≥ 1s's limit and max ≥ it", tle, maxCPU)
	}
	if r.MaxMemory < 32<<20 {
		t.Errorf("maxMemory %d, want the MLE test's (about 64 MiB)", r.MaxMemory)
	}
}

// TestJudgeStopOnFirstFailure: after the first test that fails in test
// order, the others are SKIPPED, and the status is that failure's.
func TestJudgeStopOnFirstFailure(t *testing.T) {
	req := cpp(aPlusB)
	req.StopOnFirstFailure = true
	for i := range 6 {
		stdin, want := fmt.Sprintf("%d %d\n", i, i), fmt.Sprintf("%d\n", 2*i)
		if i == 2 {
			stdin = "-5 0\n" // WA
			want = "-5\n"
		}
		req.Tests = append(req.Tests, Test{Name: fmt.Sprint("t", i), Stdin: stdin, ExpectedOutput: want})
	}
	r := judge(t, req)
	expectVerdicts(t, r, "t0=AC", "t1=AC", "t2=WA", "t3=SKIPPED", "t4=SKIPPED", "t5=SKIPPED")
	if r.Score != 2 || r.MaxScore != 6 {
		t.Errorf("score %v of %v, want 2 of 6", r.Score, r.MaxScore)
	}
}

// TestJudgeCompileError: a submission that does not compile is CE with
// the compiler's output, and no test runs.
func TestJudgeCompileError(t *testing.T) {
	req := cpp("int main() { return undeclared_name; }\n")
	req.Tests = []Test{{Name: "1", Stdin: "", ExpectedOutput: "x"}, {Name: "2", ExpectedOutput: "y"}}
	r := judge(t, req)
	if r.Status != "CE" || r.Compile == nil || !strings.Contains(r.Compile.Stderr, "undeclared_name") {
		t.Fatalf("status %s, compile %+v; want CE with the compiler's error", r.Status, r.Compile)
	}
	if len(r.Tests) != 0 || r.Passed != 0 || r.Score != 0 {
		t.Errorf("after CE: %d tests, passed %d, score %v; want none", len(r.Tests), r.Passed, r.Score)
	}
}

// TestJudgeManyTestsInOrder: 40 tests on parallel sandboxes come back in
// request order, each with its own output.
func TestJudgeManyTestsInOrder(t *testing.T) {
	req := cpp(aPlusB)
	var want []string
	for i := range 40 {
		req.Tests = append(req.Tests, Test{Name: fmt.Sprint(i), Stdin: fmt.Sprintf("%d 1000\n", i), ExpectedOutput: fmt.Sprint(i+1000) + "\n"})
		want = append(want, fmt.Sprint(i, "=AC"))
	}
	r := judge(t, req)
	expectVerdicts(t, r, want...)
	for i, tr := range r.Tests {
		if strings.TrimSpace(tr.Stdout) != fmt.Sprint(i+1000) {
			t.Errorf("test %d printed %q, want %d", i, tr.Stdout, i+1000)
		}
	}
}
