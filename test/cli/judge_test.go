package cli

import (
	"strings"
	"testing"
)

func TestJudgeCommand(t *testing.T) {
	dir := files(t, map[string]string{
		"sum.c": `#include <stdio.h>
int main(void) { long a, b; if (scanf("%ld %ld", &a, &b) != 2) return 1; printf("%ld\n", a + b); return 0; }
`,
		"tests/1.in": "1 2\n", "tests/1.out": "3\n",
		"tests/2.in": "20 22\n", "tests/2.out": "42\n",
		"tests/10.in": "5 5\n", "tests/10.out": "11\n", // wrong on purpose
		"tests/README": "not a test",
		"pass/a.in":    "1 1\n", "pass/a.out": "2\n",
		"check.py": `import sys
inp, out, ans = (open(p).read().split() for p in sys.argv[1:4])
if out == ans:
    sys.exit(0)
print("expected", *ans, "found", *out, file=sys.stderr)
sys.exit(1)
`,
	})
	t.Run("one failing", func(t *testing.T) {
		r := run(t, dir, nil, "judge", "--tests", "tests", "sum.c")
		if r.code != 1 {
			t.Errorf("exit %d, want 1", r.code)
		}
		lines := strings.Split(strings.TrimRight(r.stdout, "\n"), "\n")
		if len(lines) != 6 {
			t.Fatalf("stdout has %d lines, want the header, 3 tests, 1 reason and the summary:\n%s", len(lines), r.stdout)
		}
		for i, want := range []string{"TEST VERDICT TIME WALL MEMORY POINTS", "1 AC", "2 AC", "10 WA", "10: WA: ", "WA: 2/3 tests passed, score 2/3,"} {
			if got := strings.Join(strings.Fields(lines[i]), " "); !strings.HasPrefix(got, strings.TrimSpace(want)) {
				t.Errorf("line %d %q, want it to start with %q", i, lines[i], want)
			}
		}
	})
	t.Run("all accepted", func(t *testing.T) {
		r := run(t, dir, nil, "judge", "sum.c", "--tests", "pass")
		if r.code != 0 || !strings.HasPrefix(lastLine(r.stdout), "AC: 1/1 tests passed") {
			t.Errorf("exit %d, stdout %q", r.code, r.stdout)
		}
	})
	t.Run("checker", func(t *testing.T) {
		r := run(t, dir, nil, "judge", "--tests", "tests", "sum.c", "--checker", "check.py")
		if r.code != 1 || !strings.Contains(r.stdout, "10: WA: expected 11 found 10") {
			t.Errorf("exit %d, stdout %q", r.code, r.stdout)
		}
	})
	t.Run("compile error", func(t *testing.T) {
		bad := files(t, map[string]string{"bad.c": "int main(void) { return y; }", "t/1.in": "", "t/1.out": ""})
		r := run(t, bad, nil, "judge", "--tests", "t", "bad.c")
		if r.code != 1 || !strings.Contains(r.stderr, "error:") || lastLine(r.stderr) != "coderacer: compilation failed (CE)" {
			t.Errorf("exit %d, stderr %q", r.code, r.stderr)
		}
	})
}

func TestRuntimesCommand(t *testing.T) {
	r := run(t, t.TempDir(), nil, "runtimes", "--server", srv.URL)
	if r.code != 0 {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	rows := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		f := strings.Fields(line)
		rows[f[0]] = f
	}
	for lang, ext := range map[string]string{"LANGUAGE": "EXTENSION", "python3": ".py", "c": ".c", "java": ".java"} {
		if f := rows[lang]; len(f) < 4 || f[2] != ext {
			t.Errorf("row of %s: %q, want extension %s", lang, f, ext)
		}
	}
	if r := run(t, t.TempDir(), nil, "runtimes", "--server", "http://127.0.0.1:1"); r.code != 1 || !strings.HasPrefix(r.stderr, "coderacer: http://127.0.0.1:1: ") {
		t.Errorf("no server: exit %d, stderr %q", r.code, r.stderr)
	}
}
