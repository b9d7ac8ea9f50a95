package langs

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/coderacer/coderacer/runtimes"
)

func TestEmbeddedCatalog(t *testing.T) {
	c, err := Load(runtimes.Files)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"python3", "node", "go", "php", "java", "ruby", "c", "c++", "bash", "python", "py", "js", "cpp", "PY"} {
		if _, ok := c.Lookup(name); !ok {
			t.Errorf("Lookup(%q) found nothing", name)
		}
	}
	if _, ok := c.Lookup("no-such-language"); ok {
		t.Error("Lookup(no-such-language) found a runtime")
	}
}

func TestCore(t *testing.T) {
	c, err := Load(runtimes.Files)
	if err != nil {
		t.Fatal(err)
	}
	core := []string{"bash", "c", "c++", "go", "java", "node", "php", "python3", "ruby"}
	var got []string
	for _, r := range c.All() {
		if r.Core {
			got = append(got, r.Language)
		}
		if len(r.Packages) == 0 {
			t.Errorf("%s declares no packages", r.Language)
		}
	}
	if !slices.Equal(got, core) {
		t.Errorf("core runtimes = %v, want %v", got, core)
	}
	corePkgs, allPkgs := c.Packages(false), c.Packages(true)
	if !slices.Contains(corePkgs, "python3") || !slices.Contains(corePkgs, "default-jdk-headless") {
		t.Errorf("Packages(false) = %v, want python3 and default-jdk-headless among them", corePkgs)
	}
	for _, p := range corePkgs {
		if !slices.Contains(allPkgs, p) {
			t.Errorf("Packages(true) lacks the core package %s", p)
		}
	}
	if npm := c.NPMPackages(false); len(npm) != 0 {
		t.Errorf("core runtimes need npm packages %v, want none", npm)
	}
	seen := map[string]bool{}
	for _, p := range allPkgs {
		if seen[p] {
			t.Errorf("Packages(true) lists %s twice", p)
		}
		seen[p] = true
	}
}

func TestParseCore(t *testing.T) {
	const base = `{"language":"x","extension":"x","entrypoint":"m.x","version":{"command":["/bin/x"],"pattern":"(.*)"},"run":["/bin/x"]`
	r, err := Parse([]byte(base + `,"core":true}`))
	if err != nil || !r.Core {
		t.Errorf("Parse with core true = %+v, %v; want Core", r, err)
	}
	r, err = Parse([]byte(base + `}`))
	if err != nil || r.Core {
		t.Errorf("Parse without core = %+v, %v; want not Core", r, err)
	}
	if _, err := Parse([]byte(base + `,"core":"yes"}`)); err == nil {
		t.Error(`Parse accepted "core":"yes"`)
	}
	r, err = Parse([]byte(base + `,"npm":["@types/node@18.11.18","left-pad@1.3.0"]}`))
	if err != nil || len(r.NPM) != 2 {
		t.Errorf("Parse with pinned npm packages = %+v, %v", r, err)
	}
	for _, bad := range []string{`"@types/node"`, `"left-pad"`, `"left-pad@"`, `"@1.0"`, `"a b@1"`} {
		if _, err := Parse([]byte(base + `,"npm":[` + bad + `]}`)); err == nil {
			t.Errorf("Parse accepted the npm package %s", bad)
		}
	}
}

func TestExpand(t *testing.T) {
	c, err := Load(runtimes.Files)
	if err != nil {
		t.Fatal(err)
	}
	java, _ := c.Lookup("java")
	files := []string{"Main.java", "util/Helper.java", "data.txt"}
	stem := &Runtime{Run: []string{"/usr/bin/java", "{entrypointStem}"}}
	got := stem.RunArgs("Main.java", files, []string{"a b", "c"})
	if got[len(got)-3] != "Main" || got[len(got)-2] != "a b" {
		t.Errorf("RunArgs = %q", got)
	}
	cc := java.CompileArgs("Main.java", files, nil)
	if !slices.Contains(cc, "util/Helper.java") || slices.Contains(cc, "data.txt") || slices.Contains(cc, "{sources}") {
		t.Errorf("CompileArgs = %q", cc)
	}
}

func TestParseVersion(t *testing.T) {
	c, _ := Load(runtimes.Files)
	cases := map[string]string{
		"python3": "Python 3.11.2\n",
		"node":    "v20.20.2\n",
		"go":      "go version go1.19.8 linux/amd64\n",
		"java":    "javac 17.0.15\n",
		"c":       "12.2.0\n",
		"bash":    "GNU bash, version 5.2.15(1)-release (x86_64-pc-linux-gnu)\n",
	}
	want := map[string]string{"python3": "3.11.2", "node": "20.20.2", "go": "1.19.8", "java": "17.0.15", "c": "12.2.0", "bash": "5.2.15"}
	for lang, out := range cases {
		r, _ := c.Lookup(lang)
		v, err := r.ParseVersion(out)
		if err != nil || v != want[lang] {
			t.Errorf("%s: ParseVersion = %q, %v; want %q", lang, v, err, want[lang])
		}
	}
	r, _ := c.Lookup("python3")
	if _, err := r.ParseVersion("command not found"); err == nil {
		t.Error("ParseVersion accepted garbage")
	}
}

func TestParseRejects(t *testing.T) {
	bad := []string{
		`{}`,
		`{"language":"x","extension":"x","entrypoint":"m.x","version":{"command":["/bin/x"],"pattern":"(.*)"},"run":["x"]}`,
		`{"language":"x","extension":"x","entrypoint":"m.x","version":{"command":["/bin/x"],"pattern":".*"},"run":["/bin/x"]}`,
		`{"language":"x","extension":"x","entrypoint":"m.x","version":{"command":["/bin/x"],"pattern":"(.*)"},"run":["/bin/x"],"paths":["/"]}`,
		`{"language":"x","unknown":1}`,
	}
	for _, b := range bad {
		if _, err := Parse([]byte(b)); err == nil {
			t.Errorf("Parse(%s) accepted it", b)
		}
	}
}

func TestCompilerOptions(t *testing.T) {
	rt, err := Parse([]byte(`{"language": "c", "extension": "c", "entrypoint": "main.c",
		"version": {"command": ["/usr/bin/gcc"], "pattern": "([0-9]+)"},
		"compile": ["/usr/bin/gcc", "-O2", "{options}", "-o", "/w/a", "{sources}"],
		"compilerOptions": ["-O0", "-DONLINE_JUDGE"], "run": ["/w/a"]}`))
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(rt.CompileArgs("main.c", []string{"main.c"}, []string{"-DONLINE_JUDGE", "-O0"}), " ")
	if want := "/usr/bin/gcc -O2 -DONLINE_JUDGE -O0 -o /w/a main.c"; got != want {
		t.Errorf("compile args %q, want %q", got, want)
	}
	if got := strings.Join(rt.CompileArgs("main.c", []string{"main.c"}, nil), " "); got != "/usr/bin/gcc -O2 -o /w/a main.c" {
		t.Errorf("without options: %q", got)
	}
	if err := rt.CheckOptions([]string{"-O0", "-DONLINE_JUDGE"}); err != nil {
		t.Error(err)
	}
	var optErr *OptionError
	if err := rt.CheckOptions([]string{"-O0", "-fplugin=/tmp/x.so"}); !errors.As(err, &optErr) || optErr.Index != 1 ||
		err.Error() != `compilerOptions[1] "-fplugin=/tmp/x.so" is not allowed for c (allowed: -O0 -DONLINE_JUDGE)` {
		t.Errorf("a flag outside the list: %v", err)
	}
	for _, bad := range []string{
		`"compile": ["/usr/bin/gcc", "{sources}"], "compilerOptions": ["-O0"]`,
		`"compile": ["/usr/bin/gcc", "{options}", "{options}"], "compilerOptions": ["-O0"]`,
		`"compile": ["/usr/bin/gcc", "{options}"], "compilerOptions": ["O0"]`,
		`"compile": ["/usr/bin/gcc", "{options}"], "compilerOptions": ["-O0 -O3"]`,
	} {
		_, err := Parse([]byte(`{"language": "c", "extension": "c", "entrypoint": "main.c",
			"version": {"command": ["/usr/bin/gcc"], "pattern": "([0-9]+)"}, "run": ["/w/a"], ` + bad + `}`))
		if err == nil {
			t.Errorf("%s: accepted", bad)
		}
	}
}

// The Judge0 dialect's language ids: Judge0's for the languages it has
// (clients hard-code them), ours above MaxJudge0ID for the rest, each
// once (Load refuses a duplicate).
func TestEmbeddedJudge0IDs(t *testing.T) {
	c, err := Load(runtimes.Files)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"python3": 71, "c++": 54, "c": 50, "java": 62, "node": 63, "go": 60, "ruby": 72,
		"php": 68, "rust": 73, "csharp": 51, "kotlin": 78, "typescript": 74, "bash": 46}
	seen := make(map[int]string)
	for _, r := range c.All() {
		if r.Judge0 == nil {
			t.Errorf("%s has no judge0 entry", r.Language)
			continue
		}
		if other, ok := seen[r.Judge0.ID]; ok {
			t.Errorf("judge0 id %d of %s already used by %s", r.Judge0.ID, r.Language, other)
		}
		seen[r.Judge0.ID] = r.Language
		if id, ok := want[r.Language]; ok && r.Judge0.ID != id {
			t.Errorf("%s: judge0 id %d, want Judge0's %d", r.Language, r.Judge0.ID, id)
		}
		if r.Judge0.ID > 89 && r.Judge0.ID <= MaxJudge0ID {
			t.Errorf("%s: judge0 id %d is neither Judge0's (<= 89) nor ours (> %d)", r.Language, r.Judge0.ID, MaxJudge0ID)
		}
	}
	for lang := range want {
		if _, ok := c.Lookup(lang); !ok {
			t.Errorf("%s is missing from the catalog", lang)
		}
	}
}

func TestJudge0Validation(t *testing.T) {
	base := `{"language": "x", "extension": "x", "entrypoint": "main.x", "run": ["/bin/x"],
		"version": {"command": ["/bin/x"], "pattern": "(.*)"}, "judge0": %s}`
	for _, tc := range []struct {
		judge0 string
		ok     bool
	}{
		{`{"id": 71, "name": "X ({version})"}`, true},
		{`null`, true},
		{`{"id": 0, "name": "X"}`, false},
		{`{"id": -3, "name": "X"}`, false},
		{`{"id": 5, "name": " "}`, false},
		{`{"id": 5, "name": "X", "extra": 1}`, false},
		{`{"id": "5", "name": "X"}`, false},
	} {
		_, err := Parse([]byte(fmt.Sprintf(base, tc.judge0)))
		if (err == nil) != tc.ok {
			t.Errorf("judge0 %s: error %v, want ok=%v", tc.judge0, err, tc.ok)
		}
	}
}

func TestJudge0DuplicateID(t *testing.T) {
	file := `{"language": %q, "extension": "x", "entrypoint": "main.x", "run": ["/bin/x"],
		"version": {"command": ["/bin/x"], "pattern": "(.*)"}, "judge0": {"id": 71, "name": "X"}}`
	fsys := fstest.MapFS{
		"a.json": {Data: []byte(fmt.Sprintf(file, "a"))},
		"b.json": {Data: []byte(fmt.Sprintf(file, "b"))},
	}
	_, err := Load(fsys)
	if err == nil || !strings.Contains(err.Error(), "judge0 id 71 already used by a") {
		t.Fatalf("Load with a duplicate judge0 id: %v", err)
	}
}

func TestLibraries(t *testing.T) {
	base := `{"language": "x", "extension": "x", "entrypoint": "main.x", "run": ["/bin/x"],
		"version": {"command": ["/bin/x"], "pattern": "(.*)"}, "libraries": %s}`
	for _, tc := range []struct {
		libraries string
		ok        bool
	}{
		{`[{"name": "numpy", "packages": ["python3-numpy"]}, {"name": "boost", "packages": ["libboost-dev", "libboost-doc"]}]`, true},
		{`[]`, true},
		{`null`, true},
		{`[{"name": "", "packages": ["p"]}]`, false},
		{`[{"name": "a", "packages": ["p"]}, {"name": "a", "packages": ["q"]}]`, false},
		{`[{"name": "a", "packages": []}]`, false},
		{`[{"name": "a"}]`, false},
		{`[{"name": "a", "packages": ["--allow-unauthenticated"]}]`, false},
		{`[{"name": "a", "packages": ["p q"]}]`, false},
		{`[{"name": "a", "packages": [""]}]`, false},
		{`[{"name": "a", "packages": ["p"], "extra": 1}]`, false},
		{`{"name": "a", "packages": ["p"]}`, false},
	} {
		_, err := Parse([]byte(fmt.Sprintf(base, tc.libraries)))
		if (err == nil) != tc.ok {
			t.Errorf("libraries %s: error %v, want ok=%v", tc.libraries, err, tc.ok)
		}
	}
}

// The libraries' packages are listed apart from the toolchains' (the core
// set-up installs no library), for the core runtimes or for all.
func TestLibraryPackages(t *testing.T) {
	file := `{"language": %q, "core": %v, "packages": [%q], "extension": "x", "entrypoint": "main.x", "run": ["/bin/x"],
		"version": {"command": ["/bin/x"], "pattern": "(.*)"}, "libraries": [{"name": "l", "packages": [%q, "shared-dev"]}]}`
	fsys := fstest.MapFS{
		"a.json": {Data: []byte(fmt.Sprintf(file, "a", true, "a-bin", "a-lib"))},
		"b.json": {Data: []byte(fmt.Sprintf(file, "b", false, "b-bin", "b-lib"))},
	}
	c, err := Load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		got, want []string
	}{
		{c.Packages(false), []string{"a-bin"}},
		{c.Packages(true), []string{"a-bin", "b-bin"}},
		{c.LibraryPackages(false), []string{"a-lib", "shared-dev"}},
		{c.LibraryPackages(true), []string{"a-lib", "shared-dev", "b-lib"}},
	} {
		if !slices.Equal(tc.got, tc.want) {
			t.Errorf("got %v, want %v", tc.got, tc.want)
		}
	}
}

// The libraries the embedded runtimes promise (test/languages proves them).
func TestEmbeddedLibraries(t *testing.T) {
	c, err := Load(runtimes.Files)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		"python3": {"numpy", "scipy", "pandas", "sympy", "matplotlib", "networkx", "sortedcontainers"},
		"c++":     {"boost"},
	}
	for lang, names := range want {
		r, ok := c.Lookup(lang)
		if !ok {
			t.Fatalf("%s is missing", lang)
		}
		var got []string
		for _, l := range r.Libraries {
			got = append(got, l.Name)
		}
		if !slices.Equal(got, names) {
			t.Errorf("%s's libraries = %v, want %v", lang, got, names)
		}
	}
	for _, p := range c.LibraryPackages(true) {
		if slices.Contains(c.Packages(false), p) {
			t.Errorf("library package %s is also a core toolchain's: the core set-up would install it", p)
		}
	}
	for _, lang := range []string{"c", "c++"} {
		if r, _ := c.Lookup(lang); !slices.Contains(r.Packages, "libgmp-dev") {
			t.Errorf("%s links -lgmp: its packages %v need libgmp-dev", lang, r.Packages)
		}
	}
}
