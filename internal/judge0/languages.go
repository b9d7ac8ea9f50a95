package judge0

import (
	"fmt"
	"sort"
	"strings"

	"github.com/coderacer/coderacer/internal/langs"
)

// Language is an entry of GET /languages.
type Language struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
}

// LanguageDetail is GET /languages/{id}. Judge0's compile_cmd and
// run_cmd are shell lines; ours are the runtime's commands for its usual
// entrypoint, arguments joined by spaces, shown for information only.
type LanguageDetail struct {
	ID         int     `json:"id"`
	Name       string  `json:"name"`
	IsArchived bool    `json:"is_archived"`
	SourceFile string  `json:"source_file"`
	CompileCmd *string `json:"compile_cmd"`
	RunCmd     string  `json:"run_cmd"`
}

// Installed is a runtime the server can run, with its version.
type Installed struct {
	Runtime *langs.Runtime
	Version string
}

// Catalog is the Judge0 view of the installed runtimes, by language id.
type Catalog struct {
	byID map[int]Installed
}

// NewCatalog indexes the installed runtimes that declare a judge0 entry;
// versions maps a runtime's language to its installed version, and a
// runtime absent from it is not installed. The catalog's ids are unique
// (langs.Load checks them).
func NewCatalog(c *langs.Catalog, versions map[string]string) *Catalog {
	out := &Catalog{byID: make(map[int]Installed)}
	for _, r := range c.All() {
		v, ok := versions[r.Language]
		if !ok || r.Judge0 == nil {
			continue
		}
		out.byID[r.Judge0.ID] = Installed{Runtime: r, Version: v}
	}
	return out
}

// Languages lists GET /languages: every installed language, sorted by
// name as Judge0 sorts it (then by id, for equal names).
func (c *Catalog) Languages() []Language {
	out := make([]Language, 0, len(c.byID))
	for id, in := range c.byID {
		out = append(out, Language{ID: id, Name: name(in)})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Name != out[j].Name {
			return out[i].Name < out[j].Name
		}
		return out[i].ID < out[j].ID
	})
	return out
}

// Lookup finds an installed language by Judge0 id.
func (c *Catalog) Lookup(id int) (Installed, bool) {
	in, ok := c.byID[id]
	return in, ok
}

// Detail is GET /languages/{id}; false for an id not installed.
func (c *Catalog) Detail(id int) (LanguageDetail, bool) {
	in, ok := c.byID[id]
	if !ok {
		return LanguageDetail{}, false
	}
	r := in.Runtime
	files := []string{r.Entrypoint}
	d := LanguageDetail{ID: id, Name: name(in), SourceFile: r.Entrypoint,
		RunCmd: strings.Join(r.RunArgs(r.Entrypoint, files, nil), " ")}
	if r.Compiled() {
		cmd := strings.Join(r.CompileArgs(r.Entrypoint, files, nil), " ")
		d.CompileCmd = &cmd
	}
	return d, true
}

// name is the runtime's Judge0 name with {version} replaced.
func name(in Installed) string {
	return strings.ReplaceAll(in.Runtime.Judge0.Name, "{version}", in.Version)
}

// CheckLanguage is Judge0's 422 for a language_id that is not installed.
func (c *Catalog) CheckLanguage(id int) error {
	if _, ok := c.byID[id]; ok {
		return nil
	}
	return ValidationErrors{"language_id": {fmt.Sprintf("language with id %d doesn't exist", id)}}
}
