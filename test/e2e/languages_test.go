package e2e

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// Every language gets the same five programs: hello world, stdin echoed
// back byte for byte, its arguments joined by spaces, exit code 3, and (for
// compiled languages) a compile error.

const (
	helloOutput = "Hello, World!\n"
	// testStdin has UTF-8, an empty line, a tab and no final newline.
	testStdin = "first line\nsecond line: ünïcödé ✓\n\n\tlast line without newline"
	// notRunMarker is printed by the compile-error programs before the
	// error; it must never show up in the output.
	notRunMarker = "SHOULD-NOT-RUN"
)

// testArgs must reach the program verbatim: no shell splits or expands them.
var testArgs = []string{"alpha", "beta gamma", "$HOME", "*", "--flag=1", "'quoted'"}

type langCase struct {
	lang     string
	entry    string
	compiled bool
	hello    string
	stdin    string // copies stdin to stdout
	args     string // prints its arguments joined by spaces, then a newline
	exit3    string // exits with code 3
	compErr  string // fails to compile (compiled languages only)
}

var langCases = []langCase{
	{
		lang: "python3", entry: "main.py",
		hello: `print("Hello, World!")`,
		stdin: "import sys\nsys.stdout.buffer.write(sys.stdin.buffer.read())\n",
		args:  "import sys\nprint(\" \".join(sys.argv[1:]))\n",
		exit3: "import sys\nsys.exit(3)\n",
	},
	{
		lang: "node", entry: "main.js",
		hello: `console.log("Hello, World!");`,
		stdin: `process.stdout.write(require("fs").readFileSync(0));`,
		args:  `console.log(process.argv.slice(2).join(" "));`,
		exit3: `process.exit(3);`,
	},
	{
		lang: "go", entry: "main.go", compiled: true,
		hello:   "package main\n\nimport \"fmt\"\n\nfunc main() {\n\tfmt.Println(\"Hello, World!\")\n}\n",
		stdin:   "package main\n\nimport (\n\t\"io\"\n\t\"os\"\n)\n\nfunc main() {\n\tif _, err := io.Copy(os.Stdout, os.Stdin); err != nil {\n\t\tos.Exit(1)\n\t}\n}\n",
		args:    "package main\n\nimport (\n\t\"fmt\"\n\t\"os\"\n\t\"strings\"\n)\n\nfunc main() {\n\tfmt.Println(strings.Join(os.Args[1:], \" \"))\n}\n",
		exit3:   "package main\n\nimport \"os\"\n\nfunc main() {\n\tos.Exit(3)\n}\n",
		compErr: "package main\n\nimport \"fmt\"\n\nfunc main() {\n\tfmt.Println(\"" + notRunMarker + "\")\n\tvar x int = \"not an int\"\n\tfmt.Println(x)\n}\n",
	},
	{
		lang: "php", entry: "main.php",
		hello: "<?php\necho \"Hello, World!\\n\";\n",
		stdin: "<?php\necho stream_get_contents(STDIN);\n",
		args:  "<?php\necho implode(\" \", array_slice($argv, 1)), \"\\n\";\n",
		exit3: "<?php\nexit(3);\n",
	},
	{
		lang: "java", entry: "Main.java", compiled: true,
		hello: "public class Main {\n    public static void main(String[] args) {\n        System.out.println(\"Hello, World!\");\n    }\n}\n",
		stdin: "public class Main {\n    public static void main(String[] args) throws Exception {\n        System.in.transferTo(System.out);\n        System.out.flush();\n    }\n}\n",
		args:  "public class Main {\n    public static void main(String[] args) {\n        System.out.println(String.join(\" \", args));\n    }\n}\n",
		exit3: "public class Main {\n    public static void main(String[] args) {\n        System.exit(3);\n    }\n}\n",
		compErr: "public class Main {\n    public static void main(String[] args) {\n        System.out.println(\"" + notRunMarker + "\");\n" +
			"        int x =\n            \"not an int\";\n        System.out.println(x);\n    }\n}\n",
	},
	{
		lang: "ruby", entry: "main.rb",
		hello: `puts "Hello, World!"`,
		stdin: "$stdout.binmode\n$stdout.write($stdin.binmode.read)\n",
		args:  `puts ARGV.join(" ")`,
		exit3: `exit 3`,
	},
	{
		lang: "c", entry: "main.c", compiled: true,
		hello: "#include <stdio.h>\n\nint main(void) {\n    puts(\"Hello, World!\");\n    return 0;\n}\n",
		stdin: "#include <stdio.h>\n\nint main(void) {\n    char buf[4096];\n    size_t n;\n    while ((n = fread(buf, 1, sizeof buf, stdin)) > 0)\n        fwrite(buf, 1, n, stdout);\n    return 0;\n}\n",
		args:  "#include <stdio.h>\n\nint main(int argc, char **argv) {\n    for (int i = 1; i < argc; i++) {\n        if (i > 1) putchar(' ');\n        fputs(argv[i], stdout);\n    }\n    putchar('\\n');\n    return 0;\n}\n",
		exit3: "int main(void) {\n    return 3;\n}\n",
		compErr: "#include <stdio.h>\n\nint main(void) {\n    puts(\"" + notRunMarker + "\");\n" +
			"    return\n        undeclared_identifier;\n}\n",
	},
	{
		lang: "c++", entry: "main.cpp", compiled: true,
		hello: "#include <iostream>\n\nint main() {\n    std::cout << \"Hello, World!\" << std::endl;\n    return 0;\n}\n",
		stdin: "#include <iostream>\n\nint main() {\n    std::cout << std::cin.rdbuf();\n    return 0;\n}\n",
		args:  "#include <iostream>\n\nint main(int argc, char **argv) {\n    for (int i = 1; i < argc; i++) {\n        if (i > 1) std::cout << ' ';\n        std::cout << argv[i];\n    }\n    std::cout << '\\n';\n    return 0;\n}\n",
		exit3: "#include <cstdlib>\n\nint main() {\n    std::exit(3);\n}\n",
		compErr: "#include <iostream>\n\nint main() {\n    std::cout << \"" + notRunMarker + "\" << std::endl;\n" +
			"    return\n        undeclared_identifier;\n}\n",
	},
	{
		lang: "bash", entry: "main.sh",
		hello: `echo "Hello, World!"`,
		stdin: "cat\n",
		args:  "echo \"$*\"\n",
		exit3: "exit 3\n",
	},
}

// TestLanguages runs the five programs of every language. Languages run in
// parallel (two at a time by default, matching the server's two sandboxes).
func TestLanguages(t *testing.T) {
	for _, lc := range langCases {
		t.Run(lc.lang, func(t *testing.T) {
			t.Parallel()
			rt := requireRuntime(t, lc.lang)
			if rt.Compiled != lc.compiled {
				t.Errorf("GET /api/v1/runtimes says %s compiled=%v, want %v", lc.lang, rt.Compiled, lc.compiled)
			}
			check := func(t *testing.T, r *Response) {
				t.Helper()
				if r.Language != lc.lang {
					t.Errorf("response language = %q, want %q", r.Language, lc.lang)
				}
				if r.Version != rt.Version {
					t.Errorf("response version = %q, want %q (as GET /api/v1/runtimes says)", r.Version, rt.Version)
				}
				if lc.compiled {
					if r.Compile == nil {
						t.Fatalf("a compiled language's response has no \"compile\" object: %s", r)
					}
				} else if r.Compile != nil {
					t.Errorf("an interpreted language's response has a \"compile\" object: %s", r)
				}
			}
			okRun := func(t *testing.T, r *Response, wantStdout string) {
				t.Helper()
				check(t, r)
				expectStatus(t, r, "OK")
				if lc.compiled && r.Compile.Status != "OK" {
					t.Errorf("compile.status = %q, want OK: %s", r.Compile.Status, r)
				}
				if r.ExitCode != 0 || r.Signal != "" {
					t.Errorf("exitCode=%d signal=%q, want 0 and none", r.ExitCode, r.Signal)
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

			t.Run("hello", func(t *testing.T) {
				r := mustExecute(t, single(lc.lang, lc.entry, lc.hello))
				okRun(t, r, helloOutput)
				if d := duration(t, "executionTime", r.ExecutionTime); d <= 0 {
					t.Errorf("executionTime = %v, want > 0", d)
				}
				duration(t, "preparationTime", r.PreparationTime)
				if d := duration(t, "wallTime", r.WallTime); d <= 0 || d > 10*time.Second {
					t.Errorf("wallTime = %v, want a positive value under 10s", d)
				}
				if d := duration(t, "cpuTime", r.CPUTime); d < 0 || d > 10*time.Second {
					t.Errorf("cpuTime = %v, want a value in [0, 10s]", d)
				}
				if r.Memory <= 0 {
					t.Errorf("memory = %d, want the (positive) peak memory in bytes", r.Memory)
				}
				if lc.compiled {
					duration(t, "compile.wallTime", r.Compile.WallTime)
					duration(t, "compile.cpuTime", r.Compile.CPUTime)
				}
			})

			t.Run("stdin", func(t *testing.T) {
				req := single(lc.lang, lc.entry, lc.stdin)
				req.Stdin = testStdin
				okRun(t, mustExecute(t, req), testStdin)
			})

			t.Run("args", func(t *testing.T) {
				req := single(lc.lang, lc.entry, lc.args)
				req.Args = testArgs
				okRun(t, mustExecute(t, req), strings.Join(testArgs, " ")+"\n")
			})

			t.Run("exit3", func(t *testing.T) {
				r := mustExecute(t, single(lc.lang, lc.entry, lc.exit3))
				check(t, r)
				expectStatus(t, r, "RE")
				if r.ExitCode != 3 {
					t.Errorf("exitCode = %d, want 3: %s", r.ExitCode, r)
				}
				if r.Signal != "" {
					t.Errorf("signal = %q, want none", r.Signal)
				}
				if lc.compiled && r.Compile.Status != "OK" {
					t.Errorf("compile.status = %q, want OK", r.Compile.Status)
				}
			})

			if !lc.compiled {
				return
			}
			t.Run("compile_error", func(t *testing.T) {
				r := mustExecute(t, single(lc.lang, lc.entry, lc.compErr))
				check(t, r)
				expectStatus(t, r, "CE")
				if r.Compile.Status != "CE" {
					t.Errorf("compile.status = %q, want CE: %s", r.Compile.Status, r)
				}
				if r.Compile.ExitCode == 0 {
					t.Errorf("compile.exitCode = 0, want the compiler's non-zero code: %s", r)
				}
				if strings.TrimSpace(r.Stderr) == "" {
					t.Errorf("stderr is empty, want the compiler's error: %s", r)
				}
				// The top level is the compiler's output.
				if r.Stderr != r.Compile.Stderr || r.Stdout != r.Compile.Stdout || r.ExitCode != r.Compile.ExitCode {
					t.Errorf("top-level stdout/stderr/exitCode differ from the compile stage's: %s", r)
				}
				if strings.Contains(r.Stdout, notRunMarker) || strings.Contains(r.Compile.Stdout, notRunMarker) {
					t.Errorf("the program ran although it did not compile: %s", r)
				}
				if !strings.Contains(r.Stderr, "undeclared_identifier") && !strings.Contains(r.Stderr, "not an int") {
					t.Errorf("stderr does not look like the compiler's error about the program: %s", r)
				}
			})
		})
	}
}

// TestAliases runs programs through the aliases py, js and cpp; the
// response names the canonical language.
func TestAliases(t *testing.T) {
	cases := []struct {
		alias, lang, entry, src string
	}{
		{"py", "python3", "main.py", `print("Hello, World!")`},
		{"python", "python3", "main.py", `print("Hello, World!")`},
		{"js", "node", "main.js", `console.log("Hello, World!")`},
		{"cpp", "c++", "main.cpp", "#include <cstdio>\nint main() { std::puts(\"Hello, World!\"); }\n"},
	}
	for _, c := range cases {
		t.Run(c.alias, func(t *testing.T) {
			rt := requireRuntime(t, c.lang)
			found := false
			for _, a := range rt.Aliases {
				found = found || a == c.alias
			}
			if !found {
				t.Errorf("GET /api/v1/runtimes: %s has aliases %v, want %q among them", c.lang, rt.Aliases, c.alias)
			}
			status, r := execute(t, single(c.alias, c.entry, c.src))
			if status != http.StatusOK {
				t.Fatalf("language %q: want 200, got %d: %s", c.alias, status, r.Raw)
			}
			expectStatus(t, r, "OK")
			if r.Stdout != helloOutput {
				t.Errorf("stdout = %q, want %q", r.Stdout, helloOutput)
			}
			if r.Language != c.lang {
				t.Errorf("response language = %q, want the canonical %q", r.Language, c.lang)
			}
		})
	}
}
