package bench

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/coderacer/coderacer/test/testserver"
)

// The two sides of the judge benchmarks: POST /api/v1/judge, and the same
// work done bare (compile once, run each test one at a time, run the
// checker on each output).

const (
	judgeTests = 200
	// abSrc is an a+b submission: it reads a line and prints the sum.
	abSrc = "#include <iostream>\n\nint main() {\n\tlong long a, b;\n\tstd::cin >> a >> b;\n\tstd::cout << a + b << \"\\n\";\n\treturn 0;\n}\n"
)

// abTest is one tiny test of the a+b submission.
type abTest struct {
	Name           string `json:"name"`
	Stdin          string `json:"stdin"`
	ExpectedOutput string `json:"expectedOutput"`
}

func abTests(n int) []abTest {
	tests := make([]abTest, n)
	for i := range tests {
		a, b := int64(i)*7919, int64(i)-1000
		tests[i] = abTest{Name: fmt.Sprint(i + 1), Stdin: fmt.Sprintf("%d %d\n", a, b), ExpectedOutput: fmt.Sprintf("%d\n", a+b)}
	}
	return tests
}

// judgeProgram is a checker in a judge request.
type judgeProgram struct {
	Language   string            `json:"language"`
	Entrypoint string            `json:"entrypoint"`
	Files      []testserver.File `json:"files"`
	Protocol   string            `json:"protocol"`
}

// judgeRequest is a POST /api/v1/judge body.
type judgeRequest struct {
	Language           string            `json:"language"`
	Entrypoint         string            `json:"entrypoint"`
	Files              []testserver.File `json:"files"`
	Tests              []abTest          `json:"tests"`
	Compare            map[string]string `json:"compare"`
	Checker            *judgeProgram     `json:"checker,omitempty"`
	StopOnFirstFailure bool              `json:"stopOnFirstFailure,omitempty"`
}

// judgeAnswer is what the benchmarks read of a judge answer.
type judgeAnswer struct {
	Status  string            `json:"status"`
	Compile *testserver.Stage `json:"compile"`
	Passed  int               `json:"passed"`
	Total   int               `json:"total"`
	Tests   []struct {
		Verdict  string `json:"verdict"`
		WallTime string `json:"wallTime"`
	} `json:"tests"`
}

// judgeBody is a request judging the C++ source src on tests with the
// lines rule, or with checker when it is not nil.
func judgeBody(src string, tests []abTest, checker *judgeProgram, sequential bool) []byte {
	body, err := json.Marshal(judgeRequest{
		Language: "c++", Entrypoint: "main.cpp", Files: []testserver.File{{Name: "main.cpp", Content: src}},
		Tests: tests, Compare: map[string]string{"mode": "lines"}, Checker: checker, StopOnFirstFailure: sequential,
	})
	if err != nil {
		panic(err)
	}
	return body
}

// postJudge sends body to /api/v1/judge and returns the answer and the
// round trip as the client saw it. Every test must be accepted.
func postJudge(body []byte) (*judgeAnswer, time.Duration, error) {
	start := time.Now()
	resp, err := httpClient.Post(baseURL+"/api/v1/judge", "application/json", bytes.NewReader(body))
	if err != nil {
		return nil, 0, err
	}
	data, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	elapsed := time.Since(start)
	if err != nil {
		return nil, 0, err
	}
	var a judgeAnswer
	if err := json.Unmarshal(data, &a); err != nil {
		return nil, 0, fmt.Errorf("judge answer %d is not JSON (%v): %s", resp.StatusCode, err, testserver.Shorten(string(data), 500))
	}
	if resp.StatusCode != http.StatusOK || a.Status != "AC" || a.Passed != judgeTests || a.Total != judgeTests {
		return nil, 0, fmt.Errorf("judge answer %d, want AC with %d tests passed: %s", resp.StatusCode, judgeTests, testserver.Shorten(string(data), 1500))
	}
	return &a, elapsed, nil
}

// testsWall is the sum of the tests' wallTime: the programs' own time in
// the sandbox.
func (a *judgeAnswer) testsWall() time.Duration {
	var sum time.Duration
	for _, t := range a.Tests {
		sum += parseDur(t.WallTime)
	}
	return sum
}

// wcmpChecker is test/judge's wcmp checker with its header, as a request
// sends it, and the same files for the bare side.
func wcmpChecker() (*judgeProgram, error) {
	root, err := testserver.RepoRoot()
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(root, "test", "judge", "testdata")
	var files []testserver.File
	for _, p := range []string{"checkers/wcmp.cpp", "checklib.h"} {
		data, err := os.ReadFile(filepath.Join(dir, p))
		if err != nil {
			return nil, err
		}
		files = append(files, testserver.File{Name: filepath.Base(p), Content: string(data)})
	}
	return &judgeProgram{Language: "c++", Entrypoint: "wcmp.cpp", Files: files, Protocol: "testlib"}, nil
}

// bareJudge is the bare side: the submission compiled and run in one
// directory, the checker (if any) compiled once in another.
type bareJudge struct {
	sub     *bareToolchain
	checker *bareToolchain // nil: the output is compared in the benchmark
	tests   []abTest
}

// newBareJudge prepares the directories under dir and compiles checker,
// when not nil, with runtimes/c++.json's command.
func newBareJudge(dir string, tests []abTest, checker *judgeProgram) (*bareJudge, error) {
	sub, err := loadBareToolchain("c++", filepath.Join(dir, "sub"), "main.cpp")
	if err != nil {
		return nil, err
	}
	bj := &bareJudge{sub: sub, tests: tests}
	if checker == nil {
		return bj, nil
	}
	bj.checker, err = loadBareToolchain("c++", filepath.Join(dir, "checker"), checker.Entrypoint)
	if err != nil {
		return nil, err
	}
	for _, f := range checker.Files {
		if err := os.WriteFile(filepath.Join(bj.checker.Dir, f.Name), []byte(f.Content), 0o644); err != nil {
			return nil, err
		}
	}
	if _, err := bareRun(bj.checker.Dir, bj.checker.Env, "", bj.checker.Compile...); err != nil {
		return nil, fmt.Errorf("compiling the checker: %w", err)
	}
	return bj, nil
}

// compile writes src and compiles it; it returns the compiler's time.
func (bj *bareJudge) compile(src string) (time.Duration, error) {
	start := time.Now()
	if err := os.WriteFile(filepath.Join(bj.sub.Dir, "main.cpp"), []byte(src), 0o644); err != nil {
		return 0, err
	}
	if _, err := bareRun(bj.sub.Dir, bj.sub.Env, "", bj.sub.Compile...); err != nil {
		return 0, err
	}
	return time.Since(start), nil
}

// runAll runs every test one at a time and judges its output: with the
// checker when there is one (after writing its three files), else by
// comparing with the expected output. It returns the whole time and the
// part spent on the checker.
func (bj *bareJudge) runAll() (total, checking time.Duration, err error) {
	start := time.Now()
	for _, t := range bj.tests {
		out, err := bareExec(bj.sub.Dir, bj.sub.Env, t.Stdin, bj.sub.Run...)
		if err != nil {
			return 0, 0, fmt.Errorf("test %s: %w", t.Name, err)
		}
		if bj.checker == nil {
			if string(out) != t.ExpectedOutput {
				return 0, 0, fmt.Errorf("test %s: output %q, want %q", t.Name, out, t.ExpectedOutput)
			}
			continue
		}
		c := time.Now()
		if err := bj.check(t, out); err != nil {
			return 0, 0, fmt.Errorf("test %s: %w", t.Name, err)
		}
		checking += time.Since(c)
	}
	return time.Since(start), checking, nil
}

// check writes input.txt, output.txt and answer.txt into the checker's
// directory and runs it as testlib's convention says; it must accept.
func (bj *bareJudge) check(t abTest, out []byte) error {
	dir := bj.checker.Dir
	for name, content := range map[string][]byte{"input.txt": []byte(t.Stdin), "output.txt": out, "answer.txt": []byte(t.ExpectedOutput)} {
		if err := os.WriteFile(filepath.Join(dir, name), content, 0o644); err != nil {
			return err
		}
	}
	argv := append(bj.checker.Run[:len(bj.checker.Run):len(bj.checker.Run)], "input.txt", "output.txt", "answer.txt")
	_, err := bareExec(dir, bj.checker.Env, "", argv...)
	return err
}

// bareExec runs argv in dir with stdin and returns its stdout; a non-zero
// exit is an error.
func bareExec(dir string, env []string, stdin string, argv ...string) ([]byte, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir, cmd.Env = dir, env
	cmd.Stdin = strings.NewReader(stdin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("%s: %v, stderr %q", strings.Join(argv, " "), err, testserver.Shorten(stderr.String(), 1500))
	}
	return out, nil
}
