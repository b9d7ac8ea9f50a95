package judge0

import (
	"sort"
	"strings"
	"testing"

	"github.com/coderacer/coderacer/internal/langs"
	"github.com/coderacer/coderacer/runtimes"
)

func embedded(t *testing.T) *langs.Catalog {
	t.Helper()
	c, err := langs.Load(runtimes.Files)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestLanguages(t *testing.T) {
	c := NewCatalog(embedded(t), map[string]string{"python3": "3.11.2", "c++": "12.2.0", "java": "17.0.9",
		"node": "18.19.0", "tcl": "8.6", "no-such-language": "1"})
	want := []Language{
		{54, "C++ (GCC 12.2.0)"}, {62, "Java (OpenJDK 17.0.9)"}, {63, "JavaScript (Node.js 18.19.0)"},
		{71, "Python (3.11.2)"}, {1012, "Tcl (8.6)"},
	}
	got := c.Languages()
	if len(got) != len(want) {
		t.Fatalf("Languages() = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("Languages()[%d] = %v, want %v", i, got[i], want[i])
		}
	}
	if in, ok := c.Lookup(71); !ok || in.Runtime.Language != "python3" || in.Version != "3.11.2" {
		t.Errorf("Lookup(71) = %+v %v", in, ok)
	}
	if _, ok := c.Lookup(50); ok {
		t.Error("Lookup(50): C is not installed here")
	}
}

func TestLanguagesEveryInstalled(t *testing.T) {
	cat := embedded(t)
	versions := map[string]string{}
	for _, r := range cat.All() {
		versions[r.Language] = "1.0"
	}
	got := NewCatalog(cat, versions).Languages()
	if len(got) != len(cat.All()) {
		t.Fatalf("%d languages for %d runtimes", len(got), len(cat.All()))
	}
	if !sort.SliceIsSorted(got, func(i, j int) bool { return got[i].Name < got[j].Name }) {
		t.Errorf("not sorted by name: %v", got)
	}
	for _, l := range got {
		if l.Name == "" || containsPlaceholder(l.Name) {
			t.Errorf("language %d has name %q", l.ID, l.Name)
		}
	}
}

func containsPlaceholder(s string) bool { return strings.ContainsAny(s, "{}") }

func TestLanguageDetail(t *testing.T) {
	c := NewCatalog(embedded(t), map[string]string{"python3": "3.11.2", "c": "12.2.0"})
	d, ok := c.Detail(71)
	if !ok || d.Name != "Python (3.11.2)" || d.SourceFile != "main.py" || d.CompileCmd != nil ||
		d.RunCmd != "/usr/bin/python3 main.py" || d.IsArchived {
		t.Errorf("Detail(71) = %+v %v", d, ok)
	}
	d, ok = c.Detail(50)
	if !ok || d.CompileCmd == nil || containsPlaceholder(*d.CompileCmd) || !strings.Contains(*d.CompileCmd, "main.c") {
		t.Errorf("Detail(50) = %+v %v, want a compile command", d, ok)
	}
	if _, ok := c.Detail(54); ok {
		t.Error("Detail(54): C++ is not installed here")
	}
}

func TestCheckLanguage(t *testing.T) {
	c := NewCatalog(embedded(t), map[string]string{"python3": "3.11.2"})
	if err := c.CheckLanguage(71); err != nil {
		t.Errorf("CheckLanguage(71): %v", err)
	}
	err := c.CheckLanguage(54)
	if err == nil || err.Error() != "language_id language with id 54 doesn't exist" {
		t.Errorf("CheckLanguage(54): %v", err)
	}
}
