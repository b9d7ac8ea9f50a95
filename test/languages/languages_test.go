package languages

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/coderacer/coderacer/internal/langs"
	"github.com/coderacer/coderacer/test/testserver"
)

const (
	helloOutput = "Hello, World!\n"
	// testStdin has UTF-8, an empty line, a tab and no final newline.
	testStdin = "first line\nsecond line: ünïcödé ✓\n\n\tlast line without newline"
	// notRunMarker is printed by the compile-error programs before the
	// error; it must never show up in the output.
	notRunMarker = "SHOULD-NOT-RUN"
	// unsupportedFile, in a language's testdata directory, lists the cases
	// the language cannot express, one "case: reason" a line.
	unsupportedFile = "unsupported.txt"
)

// numericVersion is the shape of a version Piston's clients can compare.
var numericVersion = regexp.MustCompile(`^[0-9]+(\.[0-9]+)*$`)

// testArgs must reach the program verbatim: no shell splits or expands them.
var testArgs = []string{"alpha", "beta gamma", "$HOME", "*", "--flag=1", "'quoted'"}

// The cases every language has, by the base name of their testdata file.
const (
	caseHello        = "hello"
	caseStdin        = "stdin"
	caseArgs         = "args"
	caseExit         = "exit"
	caseCompileError = "compile_error"
)

// catalog loads the runtime files of the repository (not the embedded
// copy: a file added since the last build is tested too).
func catalog(t testing.TB) *langs.Catalog {
	t.Helper()
	c, err := langs.Load(os.DirFS(filepath.Join(repoRoot, "runtimes")))
	if err != nil {
		t.Fatalf("loading runtimes/: %v", err)
	}
	if len(c.All()) == 0 {
		t.Fatal("runtimes/ declares no runtime")
	}
	return c
}

// installed returns what GET /api/v1/runtimes says of rt, failing the test
// when the server does not list it.
func installed(t testing.TB, rt *langs.Runtime) testserver.RuntimeInfo {
	t.Helper()
	var names []string
	for _, info := range testserver.Runtimes(t, srv) {
		if info.Language == rt.Language {
			return info
		}
		names = append(names, info.Language)
	}
	t.Fatalf("runtime %s is not installed (its toolchain is missing or its version command failed; "+
		"the server's log says why): run scripts/setup.sh --all (packages %v). GET /api/v1/runtimes lists %v",
		rt.Language, rt.Packages, names)
	return testserver.RuntimeInfo{}
}

// program is one testdata program of a language.
type program struct {
	source      string
	unsupported string // why the language cannot express the case, or ""
}

// programs reads testdata/<language>/: every case's file, named
// <case>.<extension>, or its line in unsupported.txt.
func programs(t testing.TB, rt *langs.Runtime) map[string]program {
	t.Helper()
	dir := filepath.Join("testdata", rt.Language)
	unsupported := map[string]string{}
	if data, err := os.ReadFile(filepath.Join(dir, unsupportedFile)); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			line = strings.TrimSpace(line)
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			name, reason, ok := strings.Cut(line, ":")
			if !ok || strings.TrimSpace(reason) == "" {
				t.Fatalf("%s: line %q is not \"case: reason\"", filepath.Join(dir, unsupportedFile), line)
			}
			unsupported[strings.TrimSpace(name)] = strings.TrimSpace(reason)
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		t.Fatal(err)
	}
	cases := []string{caseHello, caseStdin, caseArgs, caseExit}
	if rt.Compiled() {
		cases = append(cases, caseCompileError)
	}
	out := map[string]program{}
	for _, c := range cases {
		if reason, ok := unsupported[c]; ok {
			if c == caseHello || c == caseCompileError {
				t.Fatalf("%s: every language must have its %s program", dir, c)
			}
			out[c] = program{unsupported: reason}
			continue
		}
		name := filepath.Join(dir, c+"."+rt.Extension)
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatalf("%s has no %s program: %v (add %s, or a line %q in %s)", rt.Language, c, err, name, c+": why not", unsupportedFile)
		}
		out[c] = program{source: string(data)}
	}
	return out
}

// request is the program as a one-file job named as the runtime's default
// entrypoint.
func request(rt *langs.Runtime, p program) testserver.Request {
	return testserver.Single(rt.Language, rt.Entrypoint, p.source)
}

// TestLanguages runs the programs of every runtime file. Languages run in
// parallel (go test's -parallel, by default the number of CPUs, i.e. as
// many as the server's two sandboxes), the cases of one language in turn.
func TestLanguages(t *testing.T) {
	for _, rt := range catalog(t).All() {
		t.Run(rt.Language, func(t *testing.T) {
			t.Parallel()
			progs := programs(t, rt)
			info := installed(t, rt)
			testLanguage(t, rt, info, progs)
		})
	}
}

func testLanguage(t *testing.T, rt *langs.Runtime, info testserver.RuntimeInfo, progs map[string]program) {
	if info.Compiled != rt.Compiled() {
		t.Errorf("GET /api/v1/runtimes says %s compiled=%v, want %v", rt.Language, info.Compiled, rt.Compiled())
	}
	if !slices.Equal(info.Aliases, rt.Aliases) {
		t.Errorf("GET /api/v1/runtimes says %s has aliases %v, its file %v", rt.Language, info.Aliases, rt.Aliases)
	}
	if info.Version == "" {
		t.Errorf("GET /api/v1/runtimes gives %s no version", rt.Language)
	} else if !numericVersion.MatchString(info.Version) {
		t.Errorf("%s's version %q is not numbers and dots: Piston clients select versions by SemVer", rt.Language, info.Version)
	}
	check := func(t *testing.T, r *testserver.Response) {
		t.Helper()
		if r.Language != rt.Language {
			t.Errorf("response language = %q, want %q", r.Language, rt.Language)
		}
		if r.Version != info.Version {
			t.Errorf("response version = %q, want %q (as GET /api/v1/runtimes says)", r.Version, info.Version)
		}
		if rt.Compiled() {
			if r.Compile == nil {
				t.Fatalf("a compiled language's response has no \"compile\" object: %s", r)
			}
		} else if r.Compile != nil {
			t.Errorf("an interpreted language's response has a \"compile\" object: %s", r)
		}
	}
	okRun := func(t *testing.T, r *testserver.Response, wantStdout string) {
		t.Helper()
		check(t, r)
		if r.Status != "OK" || r.ExitCode != 0 || r.Signal != "" {
			t.Fatalf("want status OK, exit code 0 and no signal, got %s", r)
		}
		if rt.Compiled() && r.Compile.Status != "OK" {
			t.Errorf("compile.status = %q, want OK: %s", r.Compile.Status, r)
		}
		if r.Stdout != wantStdout {
			t.Errorf("stdout = %q, want %q\n%s", r.Stdout, wantStdout, r)
		}
		if r.Stderr != "" {
			t.Errorf("stderr = %q, want it empty", r.Stderr)
		}
		if r.StdoutTruncated || r.StderrTruncated {
			t.Errorf("output flagged as truncated: %s", r)
		}
	}
	run := func(name string, f func(t *testing.T, p program)) {
		t.Run(name, func(t *testing.T) {
			p := progs[name]
			if p.unsupported != "" {
				t.Skipf("%s cannot express this case: %s", rt.Language, p.unsupported)
			}
			f(t, p)
		})
	}

	run(caseHello, func(t *testing.T, p program) {
		r := testserver.MustExecute(t, srv, request(rt, p))
		okRun(t, r, helloOutput)
		if r.Memory <= 0 {
			t.Errorf("memory = %d, want the (positive) peak memory in bytes", r.Memory)
		}
		// Every alias names the same langs.
		for _, alias := range rt.Aliases {
			req := request(rt, p)
			req.Language = alias
			r := testserver.MustExecute(t, srv, req)
			if r.Language != rt.Language || r.Status != "OK" || r.Stdout != helloOutput {
				t.Errorf("through alias %q: want %s to print %q, got %s", alias, rt.Language, helloOutput, r)
			}
			if rt.Compiled() {
				break // one alias is enough where each run compiles
			}
		}
	})
	run(caseStdin, func(t *testing.T, p program) {
		req := request(rt, p)
		req.Stdin = testStdin
		okRun(t, testserver.MustExecute(t, srv, req), testStdin)
	})
	run(caseArgs, func(t *testing.T, p program) {
		req := request(rt, p)
		req.Args = testArgs
		okRun(t, testserver.MustExecute(t, srv, req), strings.Join(testArgs, " ")+"\n")
	})
	run(caseExit, func(t *testing.T, p program) {
		r := testserver.MustExecute(t, srv, request(rt, p))
		check(t, r)
		if r.Status != "RE" || r.ExitCode != 3 || r.Signal != "" {
			t.Fatalf("want status RE with exit code 3 and no signal, got %s", r)
		}
		if rt.Compiled() && r.Compile.Status != "OK" {
			t.Errorf("compile.status = %q, want OK: %s", r.Compile.Status, r)
		}
	})
	if !rt.Compiled() {
		return
	}
	run(caseCompileError, func(t *testing.T, p program) {
		r := testserver.MustExecute(t, srv, request(rt, p))
		check(t, r)
		if r.Status != "CE" || r.Compile.Status != "CE" {
			t.Fatalf("want status CE and compile.status CE, got %s", r)
		}
		if r.Compile.ExitCode == 0 {
			t.Errorf("compile.exitCode = 0, want the compiler's non-zero code: %s", r)
		}
		if strings.TrimSpace(r.Compile.Stdout+r.Compile.Stderr) == "" {
			t.Errorf("the compiler said nothing, want its error message: %s", r)
		}
		if r.Stderr != r.Compile.Stderr || r.Stdout != r.Compile.Stdout || r.ExitCode != r.Compile.ExitCode {
			t.Errorf("top-level stdout/stderr/exitCode differ from the compile stage's: %s", r)
		}
		if strings.Contains(r.Stdout+r.Stderr, notRunMarker+"\n") {
			t.Errorf("the program ran although it did not compile: %s", r)
		}
	})
}

// TestTestdata checks that testdata holds a directory for every runtime
// file and nothing else, without needing the toolchains.
func TestTestdata(t *testing.T) {
	c := catalog(t)
	entries, err := os.ReadDir("testdata")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() && (e.Name() == librariesDir || e.Name() == pistonDir) {
			continue // TestLibraries' and TestPiston's programs
		}
		if _, ok := c.Lookup(e.Name()); !ok || !e.IsDir() {
			t.Errorf("testdata/%s matches no runtime file", e.Name())
		}
	}
	for _, rt := range c.All() {
		if _, err := os.Stat(filepath.Join("testdata", rt.Language)); err != nil {
			t.Errorf("runtime %s has no tests: %v", rt.Language, err)
			continue
		}
		progs := programs(t, rt)
		if p := progs[caseCompileError]; rt.Compiled() && !strings.Contains(p.source, notRunMarker) {
			t.Errorf("%s's compile_error program should print %s before its error", rt.Language, notRunMarker)
		}
	}
}
