// Package langs is the language catalog: runtimes are data files (see the
// runtimes directory), and this package parses them, resolves names and
// aliases, and expands their command templates. It runs nothing itself.
package langs

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"
)

// Runtime is one language as its data file declares it.
type Runtime struct {
	Language string   `json:"language"`
	Aliases  []string `json:"aliases"`
	// Packages are the Debian packages that install the toolchain.
	Packages []string `json:"packages"`
	// NPM are packages of the npm registry the toolchain also needs, where
	// Debian has none, each pinned as name@version. scripts/setup.sh
	// installs them under /usr/lib/coderacer/npm/node_modules.
	NPM []string `json:"npm"`
	// Libraries are optional libraries of the language (numpy for Python,
	// Boost for C++), each installed by its own Debian packages: by
	// scripts/setup.sh --all (or --libraries), not by the core set-up, so
	// that the first install stays light.
	Libraries []Library `json:"libraries"`
	// Core runtimes are installed by the default set-up (scripts/setup.sh);
	// the others only by scripts/setup.sh --all.
	Core             bool     `json:"core"`
	Extension        string   `json:"extension"`
	SourceExtensions []string `json:"sourceExtensions"`
	Entrypoint       string   `json:"entrypoint"`
	Version          struct {
		Command []string `json:"command"`
		Pattern string   `json:"pattern"`
	} `json:"version"`
	Compile []string `json:"compile"`
	// CompilerOptions are the flags a request may add to the compile
	// command, exactly as written here; they go where the command holds
	// the placeholder {options}.
	CompilerOptions []string `json:"compilerOptions"`
	// Artifact is the one file the compile stage produces and the run
	// stage needs (e.g. /w/.coderacer-bin). Declaring it lets the engine
	// cache compilations: an identical submission skips the compiler.
	Artifact string   `json:"artifact"`
	Run      []string `json:"run"`
	Env      []string `json:"env"`
	// Paths are host paths the toolchain needs besides the system
	// directories, bound read-only into every sandbox.
	Paths  []string `json:"paths"`
	Limits struct {
		Run     Limits `json:"run"`
		Compile Limits `json:"compile"`
	} `json:"limits"`
	// Judge0 is the language's id and name in the Judge0 dialect; nil
	// leaves the runtime out of it.
	Judge0 *Judge0Language `json:"judge0"`

	versionRE *regexp.Regexp
}

// Judge0Language is a runtime's entry of Judge0's GET /languages. ID is
// Judge0's own for a language Judge0 has (clients hard-code them) and one
// of ours, above MaxJudge0ID, for the others; ids never change. Name may
// hold {version}, replaced by the installed version.
type Judge0Language struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
}

// Library is an optional library of a runtime: the name a program imports
// or includes it by, and the Debian packages that install it.
type Library struct {
	Name     string   `json:"name"`
	Packages []string `json:"packages"`
}

// MaxJudge0ID is the highest language id Judge0 itself may use; our own
// ids are above it.
const MaxJudge0ID = 999

// Limits are a runtime's overrides of the server defaults; zero keeps the
// default. Units match the v1 API's limit fields.
type Limits struct {
	WallTimeMs    int64 `json:"wallTimeMs"`
	CPUTimeMs     int64 `json:"cpuTimeMs"`
	MemoryBytes   int64 `json:"memoryBytes"`
	Processes     int64 `json:"processes"`
	OutputBytes   int64 `json:"outputBytes"`
	FileSizeBytes int64 `json:"fileSizeBytes"`
	OpenFiles     int64 `json:"openFiles"`
}

// WallTime and CPUTime convert the millisecond fields.
func (l Limits) WallTime() time.Duration { return time.Duration(l.WallTimeMs) * time.Millisecond }

// CPUTime converts CPUTimeMs.
func (l Limits) CPUTime() time.Duration { return time.Duration(l.CPUTimeMs) * time.Millisecond }

// Compiled reports whether the runtime has a compile stage.
func (r *Runtime) Compiled() bool { return len(r.Compile) > 0 }

// ParseVersion extracts the version from the output of the version command.
func (r *Runtime) ParseVersion(output string) (string, error) {
	m := r.versionRE.FindStringSubmatch(output)
	if len(m) < 2 || m[1] == "" {
		return "", fmt.Errorf("%s: version pattern %q does not match %q", r.Language, r.Version.Pattern, truncate(output, 200))
	}
	return strings.TrimRight(m[1], "."), nil
}

// CompileArgs expands the compile command for a job's files.
func (r *Runtime) CompileArgs(entrypoint string, files, options []string) []string {
	return r.expand(r.Compile, entrypoint, files, options)
}

// RunArgs expands the run command and appends the program's arguments.
func (r *Runtime) RunArgs(entrypoint string, files, args []string) []string {
	return append(r.expand(r.Run, entrypoint, files, nil), args...)
}

// expand replaces the placeholders of a command template:
// {entrypoint} the entrypoint file, {entrypointStem} the same without its
// extension, {sources} every file with one of the source extensions (the
// entrypoint first), each as its own argument, {options} the request's
// compiler options, each as its own argument.
func (r *Runtime) expand(tmpl []string, entrypoint string, files, options []string) []string {
	stem := strings.TrimSuffix(entrypoint, path.Ext(entrypoint))
	out := make([]string, 0, len(tmpl)+len(files)+len(options))
	for _, arg := range tmpl {
		switch arg {
		case "{sources}":
			out = append(out, r.sources(entrypoint, files)...)
			continue
		case "{options}":
			out = append(out, options...)
			continue
		}
		arg = strings.ReplaceAll(arg, "{entrypointStem}", stem)
		arg = strings.ReplaceAll(arg, "{entrypoint}", entrypoint)
		out = append(out, arg)
	}
	return out
}

func (r *Runtime) sources(entrypoint string, files []string) []string {
	exts := r.SourceExtensions
	if len(exts) == 0 {
		exts = []string{r.Extension}
	}
	out := []string{entrypoint}
	for _, f := range files {
		ext := strings.TrimPrefix(path.Ext(f), ".")
		if f != entrypoint && slices.Contains(exts, ext) {
			out = append(out, f)
		}
	}
	return out
}

// Catalog is every runtime declared, by name and alias.
type Catalog struct {
	all    []*Runtime
	byName map[string]*Runtime
}

// Load parses every *.json file of fsys.
func Load(fsys fs.FS) (*Catalog, error) {
	names, err := fs.Glob(fsys, "*.json")
	if err != nil {
		return nil, err
	}
	c := &Catalog{byName: make(map[string]*Runtime)}
	judge0 := make(map[int]string)
	for _, name := range names {
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		r, err := Parse(data)
		if err != nil {
			return nil, fmt.Errorf("runtime file %s: %w", name, err)
		}
		for _, key := range append([]string{r.Language}, r.Aliases...) {
			key = strings.ToLower(key)
			if other, ok := c.byName[key]; ok {
				return nil, fmt.Errorf("runtime file %s: name %q already used by %s", name, key, other.Language)
			}
			c.byName[key] = r
		}
		if j := r.Judge0; j != nil {
			if other, ok := judge0[j.ID]; ok {
				return nil, fmt.Errorf("runtime file %s: judge0 id %d already used by %s", name, j.ID, other)
			}
			judge0[j.ID] = r.Language
		}
		c.all = append(c.all, r)
	}
	sort.Slice(c.all, func(i, j int) bool { return c.all[i].Language < c.all[j].Language })
	return c, nil
}

// Parse decodes and checks one runtime definition.
func Parse(data []byte) (*Runtime, error) {
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	var r Runtime
	if err := dec.Decode(&r); err != nil {
		return nil, err
	}
	var problems []string
	if r.Language == "" {
		problems = append(problems, "language is empty")
	}
	if r.Extension == "" || r.Entrypoint == "" {
		problems = append(problems, "extension and entrypoint are required")
	}
	if len(r.Run) == 0 {
		problems = append(problems, "run command is empty")
	}
	if len(r.Version.Command) == 0 {
		problems = append(problems, "version command is empty")
	}
	for _, cmd := range [][]string{r.Run, r.Compile, r.Version.Command} {
		if len(cmd) > 0 && !path.IsAbs(cmd[0]) {
			problems = append(problems, fmt.Sprintf("command %q must start with an absolute path", cmd[0]))
		}
	}
	if r.Artifact != "" && (!strings.HasPrefix(r.Artifact, "/w/") || path.Clean(r.Artifact) != r.Artifact || len(r.Compile) == 0) {
		problems = append(problems, fmt.Sprintf("artifact %q must be a clean path under /w/ of a compiled runtime", r.Artifact))
	}
	problems = append(problems, r.checkOptions()...)
	if j := r.Judge0; j != nil && (j.ID <= 0 || strings.TrimSpace(j.Name) == "") {
		problems = append(problems, fmt.Sprintf("judge0 needs a positive id and a name (id %d, name %q)", j.ID, j.Name))
	}
	for _, p := range r.Paths {
		if !path.IsAbs(p) || path.Clean(p) != p || p == "/" {
			problems = append(problems, fmt.Sprintf("path %q must be absolute, clean and not /", p))
		}
	}
	problems = append(problems, r.checkLibraries()...)
	for _, p := range r.NPM {
		if i := strings.LastIndexByte(p, '@'); i <= 0 || i == len(p)-1 || strings.ContainsAny(p, " \t\n") {
			problems = append(problems, fmt.Sprintf("npm package %q must be pinned as name@version", p))
		}
	}
	re, err := regexp.Compile(r.Version.Pattern)
	if err != nil {
		problems = append(problems, fmt.Sprintf("version pattern: %v", err))
	} else if re.NumSubexp() < 1 {
		problems = append(problems, "version pattern needs a capture group")
	}
	if len(problems) > 0 {
		return nil, errors.New(strings.Join(problems, "; "))
	}
	r.versionRE = re
	if r.Aliases == nil {
		r.Aliases = []string{}
	}
	return &r, nil
}

// Packages lists the Debian packages of the runtimes' toolchains, each
// once, in the order of the runtimes (sorted by language): those of the
// core runtimes only, or of every runtime when all is true.
func (c *Catalog) Packages(all bool) []string {
	return c.packages(all, func(r *Runtime) []string { return r.Packages })
}

// LibraryPackages is Packages for the runtimes' libraries.
func (c *Catalog) LibraryPackages(all bool) []string {
	return c.packages(all, (*Runtime).LibraryPackages)
}

// LibraryPackages lists the Debian packages of the runtime's libraries.
func (r *Runtime) LibraryPackages() []string {
	var out []string
	for _, l := range r.Libraries {
		out = append(out, l.Packages...)
	}
	return out
}

// NPMPackages is Packages for the npm registry's packages.
func (c *Catalog) NPMPackages(all bool) []string {
	return c.packages(all, func(r *Runtime) []string { return r.NPM })
}

func (c *Catalog) packages(all bool, of func(*Runtime) []string) []string {
	seen := make(map[string]bool)
	var out []string
	for _, r := range c.all {
		if !all && !r.Core {
			continue
		}
		for _, p := range of(r) {
			if !seen[p] {
				seen[p] = true
				out = append(out, p)
			}
		}
	}
	return out
}

// All lists every runtime, sorted by language.
func (c *Catalog) All() []*Runtime { return c.all }

// Lookup finds a runtime by name or alias, ignoring case.
func (c *Catalog) Lookup(name string) (*Runtime, bool) {
	r, ok := c.byName[strings.ToLower(name)]
	return r, ok
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// checkLibraries checks the libraries: each named once, with packages
// that are Debian package names (no white space, no option to apt-get).
func (r *Runtime) checkLibraries() []string {
	var problems []string
	seen := make(map[string]bool)
	for _, l := range r.Libraries {
		if strings.TrimSpace(l.Name) == "" || seen[l.Name] {
			problems = append(problems, fmt.Sprintf("library %q needs a name of its own", l.Name))
		}
		seen[l.Name] = true
		if len(l.Packages) == 0 {
			problems = append(problems, fmt.Sprintf("library %q names no packages", l.Name))
		}
		for _, p := range l.Packages {
			if p == "" || strings.HasPrefix(p, "-") || strings.ContainsAny(p, " \t\n\x00") {
				problems = append(problems, fmt.Sprintf("library %q: package %q is not a Debian package name", l.Name, p))
			}
		}
	}
	return problems
}

// checkOptions checks the allow-list of compiler options: flags without
// white space, and a compile command with one {options} to put them.
func (r *Runtime) checkOptions() []string {
	var problems []string
	if n := slices.Index(r.Compile, "{options}"); len(r.CompilerOptions) > 0 && (n < 0 || slices.Index(r.Compile[n+1:], "{options}") >= 0) {
		problems = append(problems, "compilerOptions need exactly one {options} in the compile command")
	}
	for _, o := range r.CompilerOptions {
		if !strings.HasPrefix(o, "-") || strings.ContainsAny(o, " \t\n\x00") {
			problems = append(problems, fmt.Sprintf("compiler option %q must be one flag starting with -", o))
		}
	}
	return problems
}

// OptionError names a compiler option a request may not use.
type OptionError struct {
	Index    int
	Option   string
	Language string
	Allowed  []string
}

func (e *OptionError) Error() string {
	if len(e.Allowed) == 0 {
		return fmt.Sprintf("compilerOptions[%d] %q: %s takes no compiler options", e.Index, e.Option, e.Language)
	}
	return fmt.Sprintf("compilerOptions[%d] %q is not allowed for %s (allowed: %s)", e.Index, e.Option, e.Language, strings.Join(e.Allowed, " "))
}

// CheckOptions refuses the first option that is not in the allow-list.
func (r *Runtime) CheckOptions(options []string) error {
	for i, o := range options {
		if !slices.Contains(r.CompilerOptions, o) {
			return &OptionError{Index: i, Option: o, Language: r.Language, Allowed: r.CompilerOptions}
		}
	}
	return nil
}
