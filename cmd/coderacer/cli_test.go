package main

import (
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/coderacer/coderacer/client"
)

func TestParseInterleaved(t *testing.T) {
	cases := []struct {
		args            []string
		files, rest     []string
		language, stdin string
	}{
		{[]string{"a.py"}, []string{"a.py"}, nil, "", ""},
		{[]string{"a.c", "--stdin", "in.txt", "b.h", "-l", "c"}, []string{"a.c", "b.h"}, nil, "c", "in.txt"},
		{[]string{"--stdin", "-", "a.py", "--args", "x", "--stdin", "y"}, []string{"a.py"}, []string{"x", "--stdin", "y"}, "", "-"},
		{[]string{"a.py", "--", "-v"}, []string{"a.py"}, []string{"-v"}, "", ""},
	}
	for _, tc := range cases {
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		var lang, stdin string
		fs.StringVar(&lang, "l", "", "")
		fs.StringVar(&stdin, "stdin", "", "")
		files, rest, err := parseInterleaved(fs, tc.args)
		if err != nil || !slices.Equal(files, tc.files) || !slices.Equal(rest, tc.rest) || lang != tc.language || stdin != tc.stdin {
			t.Errorf("%q: files %q rest %q language %q stdin %q err %v", tc.args, files, rest, lang, stdin, err)
		}
	}
}

func TestGuessLanguage(t *testing.T) {
	rts := []client.Runtime{
		{Language: "c", Entrypoint: "main.c", Aliases: []string{"gcc"}},
		{Language: "c++", Entrypoint: "main.cpp", Aliases: []string{"cpp", "cc"}},
		{Language: "python3", Entrypoint: "main.py", Aliases: []string{"py"}},
		{Language: "objective-c", Entrypoint: "main.m"},
		{Language: "octave", Entrypoint: "main.m"},
		{Language: "java", Entrypoint: "Main.java"},
		{Language: "java", Entrypoint: "Main.java"}, // a second version
		{Language: "oldlang", Aliases: []string{"old"}},
		{Language: "c-clang", Entrypoint: "main.c", Aliases: []string{"clang"}},
		{Language: "tcc", Entrypoint: "main.c"},
		{Language: "pypy3", Entrypoint: "main.py", Aliases: []string{"pypy"}},
		{Language: "dash", Entrypoint: "main.sh"},
		{Language: "mksh", Entrypoint: "main.sh"},
	}
	cases := map[string]string{
		"x/hello.py": "python3", "a.c": "c", "B.CPP": "c++", "s.cc": "c++", "Main.java": "java", "p.old": "oldlang",
		"p.m":      "error: .m is the extension of objective-c and octave; say which with --language",
		"p.sh":     "error: .sh is the extension of dash and mksh; say which with --language",
		"Makefile": "error: cannot tell the language of Makefile: it has no extension; give --language",
		"a.zzz":    "error: no runtime of the server takes .zzz files (coderacer runtimes --server URL lists them); give --language",
	}
	for file, want := range cases {
		got, err := guessLanguage(rts, file)
		if err != nil {
			got = "error: " + err.Error()
		}
		if got != want {
			t.Errorf("%s: got %q, want %q", file, got, want)
		}
	}
}

func TestNaturalCompare(t *testing.T) {
	names := []string{"10", "b", "2", "a10", "a2", "1", "a02b", "a2a", "01"}
	slices.SortStableFunc(names, naturalCompare)
	want := []string{"1", "01", "2", "10", "a2", "a2a", "a02b", "a10", "b"}
	if !slices.Equal(names, want) {
		t.Errorf("got %q, want %q", names, want)
	}
}

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestReadTests(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"10.in": "ten", "10.out": "TEN", "2.in": "two", "2.out": "TWO",
		"empty.out": "", "notes.txt": "x", "sub/3.in": "ignored"})
	tests, err := readTests(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	got := ""
	for _, tc := range tests {
		got += tc.Name + ":" + tc.Stdin + ">" + tc.ExpectedOutput + " "
	}
	if want := "2:two>TWO 10:ten>TEN empty:> "; got != want {
		t.Errorf("tests %q, want %q", got, want)
	}
	writeFiles(t, dir, map[string]string{"11.in": "no answer"})
	if _, err := readTests(dir, false); err == nil || !strings.Contains(err.Error(), "test 11 has no 11.out") {
		t.Errorf("a test without .out: %v", err)
	}
	if tests, err := readTests(dir, true); err != nil || len(tests) != 4 {
		t.Errorf("with a checker: %d tests, %v", len(tests), err)
	}
	if _, err := readTests(t.TempDir(), false); err == nil {
		t.Error("an empty directory gave tests")
	}
}

func TestReadSources(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"src/main.py": "import pkg.util", "src/pkg/util.py": "x=1", "lib/util.py": "y", "other/util.py": "z"})
	p := func(s string) string { return filepath.Join(dir, s) }
	files, err := readSources([]string{p("src/main.py"), p("src/pkg/util.py"), p("lib/util.py")})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range files {
		names = append(names, f.Name)
	}
	if want := []string{"main.py", "pkg/util.py", "util.py"}; !slices.Equal(names, want) {
		t.Errorf("names %q, want %q", names, want)
	}
	if _, err := readSources([]string{p("src/main.py"), p("lib/util.py"), p("other/util.py")}); err == nil || !strings.Contains(err.Error(), `both be "util.py"`) {
		t.Errorf("two files of one name: %v", err)
	}
}

func TestOutcome(t *testing.T) {
	stage := func(status string, code int, signal, msg string) *client.ExecuteResponse {
		return &client.ExecuteResponse{Stage: client.Stage{Status: status, ExitCode: code, Signal: signal, Message: msg}}
	}
	cases := []struct {
		res    *client.ExecuteResponse
		code   int
		reason string
	}{
		{stage("OK", 0, "", ""), 0, ""},
		{stage("RE", 3, "", ""), 3, ""},
		{stage("SG", 139, "SIGSEGV", "killed by SIGSEGV"), 139, "killed by SIGSEGV (SG)"},
		{stage("TLE", 137, "SIGKILL", "wall time limit of 3s exceeded"), 137, "time limit exceeded (TLE): wall time limit of 3s exceeded"},
		{stage("MLE", 137, "SIGKILL", "memory limit"), 137, "memory limit exceeded (MLE): memory limit"},
		{stage("OLE", 0, "", "stdout over 1 MiB"), 1, "output limit exceeded (OLE): stdout over 1 MiB"},
		{stage("CE", 1, "", ""), 1, "compilation failed (CE)"},
		{stage("IE", 0, "", "internal error"), 1, "the server failed to run it (IE): internal error"},
	}
	for _, tc := range cases {
		code, reason := outcome(tc.res)
		if code != tc.code || !strings.HasPrefix(reason, tc.reason) || (tc.reason == "") != (reason == "") {
			t.Errorf("%s: got %d %q, want %d %q", tc.res.Status, code, reason, tc.code, tc.reason)
		}
	}
}

func TestCompleteUTF8(t *testing.T) {
	s := "aé二😀"
	for cut := 0; cut <= len(s); cut++ {
		b := []byte(s[:cut])
		n := completeUTF8(b)
		// What is kept back is a character's start, never a whole one.
		if !strings.HasPrefix(s, string(b[:n])) || len(b)-n >= 4 || !utf8Valid(b[:n]) {
			t.Errorf("cut %d: complete %d", cut, n)
		}
	}
	if n := completeUTF8([]byte{'a', 0xff}); n != 2 {
		t.Errorf("an invalid byte is kept back: %d", n)
	}
}

func utf8Valid(b []byte) bool { return strings.ToValidUTF8(string(b), "\x00") == string(b) }
