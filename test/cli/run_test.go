package cli

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

const helloPy = `import sys
print("hello from python", sys.argv[1:])
print("to stderr", file=sys.stderr)
sys.exit(3)
`

const helloC = `#include <stdio.h>
int main(int argc, char **argv) {
	char line[100];
	printf("hello from C\n");
	while (fgets(line, sizeof line, stdin)) printf("read: %s", line);
	fprintf(stderr, "%d args\n", argc - 1);
	return argc > 1 ? 3 : 0;
}
`

func TestRunPython(t *testing.T) {
	dir := files(t, map[string]string{"hello.py": helloPy})
	r := run(t, dir, nil, "run", "hello.py", "--args", "a", "b c")
	r.expect(t, 3, "hello from python ['a', 'b c']\n")
	// A program's own exit code: no line of ours.
	if r.stderr != "to stderr\n" {
		t.Errorf("stderr %q, want the program's only", r.stderr)
	}
}

func TestRunC(t *testing.T) {
	dir := files(t, map[string]string{"hello.c": helloC, "in.txt": "one\ntwo\n"})
	t.Run("exit 0", func(t *testing.T) {
		r := run(t, dir, nil, "run", "hello.c")
		r.expect(t, 0, "hello from C\n")
		if r.stderr != "0 args\n" {
			t.Errorf("stderr %q", r.stderr)
		}
	})
	t.Run("exit 3", func(t *testing.T) {
		run(t, dir, nil, "run", "--language", "c", "hello.c", "--args", "x").expect(t, 3, "hello from C\n")
	})
	t.Run("--stdin file", func(t *testing.T) {
		run(t, dir, nil, "run", "hello.c", "--stdin", "in.txt").expect(t, 0, "hello from C\nread: one\nread: two\n")
	})
	t.Run("--stdin -", func(t *testing.T) {
		run(t, dir, strings.NewReader("piped\n"), "run", "hello.c", "--stdin", "-").expect(t, 0, "hello from C\nread: piped\n")
	})
	t.Run("stdin redirected from a file, streamed", func(t *testing.T) {
		f, err := os.Open(filepath.Join(dir, "in.txt"))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		run(t, dir, f, "run", "hello.c").expect(t, 0, "hello from C\nread: one\nread: two\n")
	})
}

func TestRunFailures(t *testing.T) {
	dir := files(t, map[string]string{
		"bad.c":    "int main(void) { return x; }\n",
		"loop.py":  "while True: pass\n",
		"segv.c":   "int main(void) { return *(volatile int *)0; }\n",
		"hello.py": helloPy,
		"x.zzz":    "?",
	})
	cases := []struct {
		name string
		args []string
		// the exit code (0: any non-zero) and the start of the last line
		code int
		line string
	}{
		{"compile error", []string{"run", "bad.c"}, 1, "coderacer: compilation failed (CE)"},
		{"time limit", []string{"run", "loop.py", "--wall-time", "1s", "--cpu-time", "500ms"}, 0, "coderacer: time limit exceeded (TLE)"},
		{"signal", []string{"run", "segv.c"}, 139, "coderacer: killed by SIGSEGV (SG)"},
		{"unknown language", []string{"run", "hello.py", "--language", "cobolx"}, 1, "coderacer: the server refused: "},
		{"unknown extension", []string{"run", "x.zzz"}, 1, "coderacer: no runtime of the server takes .zzz files"},
		{"no server", []string{"run", "hello.py", "--server", "http://127.0.0.1:1"}, 1, "coderacer: "},
		{"no file", []string{"run"}, 2, "    \tthe wall time limit"}, // after the usage
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := run(t, dir, nil, tc.args...)
			if r.code != tc.code && (tc.code != 0 || r.code == 0) {
				t.Errorf("exit %d, want %d (0: any but 0)", r.code, tc.code)
			}
			last := lastLine(r.stderr)
			if !strings.HasPrefix(last, tc.line) {
				t.Errorf("last line of stderr %q, want it to start with %q", last, tc.line)
			}
		})
	}
	t.Run("compile error shows the compiler's output", func(t *testing.T) {
		r := run(t, dir, nil, "run", "bad.c", "--stdin", "-")
		if r.code != 1 || !strings.Contains(r.stderr, "bad.c:1:") || !strings.Contains(r.stderr, "error:") || lastLine(r.stderr) != "coderacer: compilation failed (CE)" {
			t.Errorf("exit %d, stderr %q", r.code, r.stderr)
		}
	})
}

// TestRunSignal: SIGINT to the command (a Ctrl+C) goes to the program.
func TestRunSignal(t *testing.T) {
	dir := files(t, map[string]string{"wait.py": `import sys
print("ready", flush=True)
for line in sys.stdin:
    print("got", line.strip(), flush=True)
`})
	cmd := exec.Command(srv.Bin, "run", "wait.py", "--wall-time", "20s")
	cmd.Dir, cmd.Env = dir, cliEnv()
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var errOut bytes.Buffer
	cmd.Stderr = &errOut
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	lines := bufio.NewScanner(stdout)
	expectLine := func(want string) {
		t.Helper()
		if !lines.Scan() || lines.Text() != want {
			t.Fatalf("stdout line %q (%v), want %q; stderr %q", lines.Text(), lines.Err(), want, errOut.String())
		}
	}
	expectLine("ready")
	stdin.Write([]byte("one\n"))
	expectLine("got one")
	start := time.Now()
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	err = cmd.Wait()
	t.Logf("exit %v %v after SIGINT; stderr %q", err, time.Since(start), errOut.String())
	if cmd.ProcessState.ExitCode() != 130 || !strings.Contains(errOut.String(), "KeyboardInterrupt") ||
		lastLine(errOut.String()) != "coderacer: killed by SIGINT (SG)" {
		t.Errorf("exit %d, stderr %q; want 130, Python's KeyboardInterrupt and our line", cmd.ProcessState.ExitCode(), errOut.String())
	}
}

func TestRunSeveralFiles(t *testing.T) {
	dir := files(t, map[string]string{
		"src/main.py":     "from lib import util\nprint(util.twice(21))\n",
		"src/lib/util.py": "def twice(x):\n    return 2 * x\n",
	})
	run(t, dir, nil, "run", "src/main.py", "src/lib/util.py").expect(t, 0, "42\n")
}
