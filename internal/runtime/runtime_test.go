package runtime

import (
	"slices"
	"testing"

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
	if _, ok := c.Lookup("cobol"); ok {
		t.Error("Lookup(cobol) found a runtime")
	}
}

func TestExpand(t *testing.T) {
	c, err := Load(runtimes.Files)
	if err != nil {
		t.Fatal(err)
	}
	java, _ := c.Lookup("java")
	files := []string{"Main.java", "util/Helper.java", "data.txt"}
	got := java.RunArgs("Main.java", files, []string{"a b", "c"})
	if got[len(got)-3] != "Main" || got[len(got)-2] != "a b" {
		t.Errorf("RunArgs = %q", got)
	}
	cc := java.CompileArgs("Main.java", files)
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
