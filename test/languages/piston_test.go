package languages

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/coderacer/coderacer/test/testserver"
)

// pistonDir, under testdata, holds programs written the way Piston's users
// and Piston's own package tests write them (TestPiston); it is no
// runtime's directory.
const pistonDir = "piston"

// v2File is a file of a Piston v2 request; an empty name is left out, as
// Piston's clients often do.
type v2File struct {
	Name    string `json:"name,omitempty"`
	Content string `json:"content"`
}

// v2Stage is a stage of a Piston v2 answer.
type v2Stage struct {
	Stdout string  `json:"stdout"`
	Stderr string  `json:"stderr"`
	Code   *int    `json:"code"`
	Signal *string `json:"signal"`
	Status *string `json:"status"`
}

// v2Answer is a POST /api/v2/execute answer.
type v2Answer struct {
	Language string   `json:"language"`
	Run      v2Stage  `json:"run"`
	Compile  *v2Stage `json:"compile"`
	raw      []byte
}

func (a *v2Answer) String() string { return testserver.Shorten(string(a.raw), 3000) }

// executeV2 posts files as Piston's package CI does (args [], stdin as
// given, any version) and requires a 200.
func executeV2(t *testing.T, language string, files []v2File, stdin string) *v2Answer {
	t.Helper()
	body, err := json.Marshal(map[string]any{
		"language": language, "version": "*", "files": files, "args": []string{}, "stdin": stdin,
	})
	if err != nil {
		t.Fatal(err)
	}
	status, _, data := testserver.Do(t, srv, http.MethodPost, "/api/v2/execute", body)
	a := &v2Answer{raw: data}
	if status != http.StatusOK {
		t.Fatalf("POST /api/v2/execute: want 200, got %d: %s", status, a)
	}
	if err := json.Unmarshal(data, a); err != nil {
		t.Fatalf("POST /api/v2/execute: %v: %s", err, a)
	}
	return a
}

// okV2 checks a run that exited 0 and printed want, after a successful
// compilation when the language has one: what Piston's package tests
// check. Stderr is the caller's.
func okV2(t *testing.T, a *v2Answer, compiled bool, want string) {
	t.Helper()
	if compiled != (a.Compile != nil) {
		t.Errorf("compile stage present = %v, want %v: %s", a.Compile != nil, compiled, a)
	}
	if c := a.Compile; c != nil && (c.Code == nil || *c.Code != 0) {
		t.Fatalf("compilation failed: %s", a)
	}
	r := a.Run
	if r.Code == nil || *r.Code != 0 || r.Status != nil || r.Signal != nil {
		t.Fatalf("want code 0, status and signal null: %s", a)
	}
	if r.Stdout != want {
		t.Errorf("stdout %q, want %q: %s", r.Stdout, want, a)
	}
}

// quietV2 checks that a run wrote nothing on stderr.
func quietV2(t *testing.T, a *v2Answer) {
	t.Helper()
	if a.Run.Stderr != "" {
		t.Errorf("stderr %q, want it empty: %s", a.Run.Stderr, a)
	}
}

// TestPiston runs programs through POST /api/v2/execute as Piston's own
// package tests run them: one file named test.<extension> (or no name at
// all, as many Piston clients send it), args [] and stdin "". Every
// runtime file's hello world must pass so; then Piston-style programs that
// once failed here: Java's public class under another file name, COBOL in
// free format, Scala's main object not called Main, and programs that
// count on Piston's newline at the end of stdin.
func TestPiston(t *testing.T) {
	t.Run("hello", func(t *testing.T) {
		for _, rt := range catalog(t).All() {
			t.Run(rt.Language, func(t *testing.T) {
				t.Parallel()
				src := programs(t, rt)[caseHello].source
				installed(t, rt)
				for _, name := range []string{"test." + rt.Extension, ""} {
					a := executeV2(t, rt.Language, []v2File{{Name: name, Content: src}}, "")
					if a.Language == "" {
						t.Errorf("answer without a language: %s", a)
					}
					okV2(t, a, rt.Compiled(), helloOutput)
					if a.Run.Stderr != "" {
						// Piston's tests look at stdout only; so does this
						// one (Octave warns that test.m shadows its test
						// function, as it does under Piston).
						t.Logf("file %q: stderr %q", name, a.Run.Stderr)
					}
				}
			})
		}
	})
	t.Run("programs", testPistonPrograms)
}

// pistonCase is a request of Piston-style programs: its files (the first
// the main one) as testdata/piston/<source> sent under name.
type pistonCase struct {
	name, language string
	files          [][2]string // {source, name sent}; "" sends no name
	stdin, stdout  string
}

var pistonCases = []pistonCase{
	// Piston runs Java with the single-file launcher: any file name.
	{"java_public_class_in_test.java", "java", [][2]string{{"java_public_class.java", "test.java"}}, "", "OK\n"},
	{"java_public_class_without_name", "java", [][2]string{{"java_public_class.java", ""}}, "", "OK\n"},
	{"java_class_in_test.java", "java", [][2]string{{"java_class.java", "test.java"}}, "", "OK\n"},
	{"java_package_in_test.java", "java", [][2]string{{"java_package.java", "test.java"}}, "", "OK\n"},
	// A project: the entrypoint's class runs, as before.
	{"java_multi_file", "java", [][2]string{
		{"java_multi_main.java", "Main.java"}, {"java_multi_helper.java", "Helper.java"}, {"java_multi_strings.java", "util/Strings.java"},
	}, "", "OK\n"},
	// Piston compiles COBOL with cobc -free; fixed format still works.
	{"cobol_free_in_test.cob", "cobol", [][2]string{{"cobol_free.cob", "test.cob"}}, "", "OK\n"},
	{"cobol_free_without_name", "cobol", [][2]string{{"cobol_free.cob", ""}}, "", "OK\n"},
	{"cobol_fixed_sequence_numbers", "cobol", [][2]string{{"cobol_fixed_numbered.cob", "test.cob"}}, "", "OK\n"},
	// Scala's main object is found, whatever its name.
	{"scala_app_in_test.scala", "scala", [][2]string{{"scala_app.scala", "test.scala"}}, "", "OK\n"},
	{"scala_app_without_name", "scala", [][2]string{{"scala_app.scala", ""}}, "", "OK\n"},
	{"scala_def_main_in_test.scala", "scala", [][2]string{{"scala_main.scala", "test.scala"}}, "", "OK\n"},
	{"scala_multi_file", "scala", [][2]string{{"scala_multi_main.scala", "main.scala"}, {"scala_multi_helper.scala", "helper.scala"}}, "", "OK\n"},
	{"scala3_main_in_test.scala", "scala", [][2]string{{"scala3_main.scala", "test.scala"}}, "", "OK\n"},
	// SWI-Prolog halts after loading the program: no prompt reads stdin.
	{"prolog_goal_in_test.pl", "prolog", [][2]string{{"prolog_goal.pl", "test.pl"}}, "", "OK\n"},
	// Piston ends stdin with a newline: "" arrives as "\n".
	{"awk_line_with_empty_stdin", "awk", [][2]string{{"awk_line.awk", "test.awk"}}, "", "OK\n"},
	{"python_input_with_empty_stdin", "python", [][2]string{{"python_input.py", "test.py"}}, "", "True\n"},
	{"python_input_with_stdin_ending_in_newline", "python", [][2]string{{"python_input.py", "test.py"}}, "\n", "True\n"},
}

func pistonSource(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", pistonDir, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func testPistonPrograms(t *testing.T) {
	cat := catalog(t)
	for _, c := range pistonCases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			rt, ok := cat.Lookup(c.language)
			if !ok {
				t.Fatalf("no runtime file for %s", c.language)
			}
			installed(t, rt)
			var files []v2File
			for _, f := range c.files {
				files = append(files, v2File{Name: f[1], Content: pistonSource(t, f[0])})
			}
			a := executeV2(t, c.language, files, c.stdin)
			okV2(t, a, rt.Compiled(), c.stdout)
			quietV2(t, a)
		})
	}
	t.Run("java_compile_error_in_test.java", func(t *testing.T) {
		t.Parallel()
		src := pistonSource(t, "java_compile_error.java")
		a := executeV2(t, "java", []v2File{{Name: "test.java", Content: src}}, "")
		c := a.Compile
		if c == nil || c.Code == nil || *c.Code == 0 {
			t.Fatalf("want a failed compilation: %s", a)
		}
		// javac's own message, naming the file as it was sent.
		if !strings.Contains(c.Stderr, "test.java:4: error: incompatible types") || strings.Contains(c.Stderr, ".coderacer") {
			t.Errorf("compile.stderr %q, want javac's error on test.java:4", c.Stderr)
		}
		if a.Run.Code == nil || *a.Run.Code != *c.Code || a.Run.Stderr != c.Stderr || strings.Contains(a.Run.Stdout, notRunMarker) {
			t.Errorf("run should mirror the failed compilation: %s", a)
		}
	})
	// The newline is the v2 route's: the v1 API gives stdin byte for byte.
	t.Run("python_input_with_empty_stdin_through_v1", func(t *testing.T) {
		t.Parallel()
		r := testserver.MustExecute(t, srv, testserver.Python(pistonSource(t, "python_input.py")))
		if r.Status != "RE" || !strings.Contains(r.Stderr, "EOFError") {
			t.Errorf("want input() to raise EOFError on empty stdin: %s", r)
		}
	})
}
