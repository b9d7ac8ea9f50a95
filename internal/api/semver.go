package api

import (
	"cmp"
	"slices"
	"strings"

	"github.com/Masterminds/semver/v3"

	"github.com/coderacer/coderacer/internal/engine"
)

// pistonLanguages are the language names Piston's own package set uses.
// A runtime of ours whose name is not one of them but which has one as an
// alias is shown to v2 clients under that alias: python3 is "python", node
// is "javascript". piston-client picks a runtime's version by comparing
// the language *name* of GET /api/v2/runtimes with what the program asked
// for, so the names must be Piston's for `execute("python", code)` to work.
var pistonLanguages = map[string]bool{
	"awk": true, "bash": true, "basic": true, "brainfuck": true, "c": true, "c++": true,
	"clojure": true, "cobol": true, "coffeescript": true, "crystal": true, "csharp": true,
	"d": true, "dart": true, "elixir": true, "emacs": true, "erlang": true, "fortran": true,
	"fsharp": true, "go": true, "groovy": true, "haskell": true, "java": true,
	"javascript": true, "julia": true, "kotlin": true, "lisp": true, "lua": true,
	"nasm": true, "nim": true, "ocaml": true, "octave": true, "pascal": true, "perl": true,
	"php": true, "powershell": true, "prolog": true, "python": true, "python2": true,
	"racket": true, "raku": true, "rscript": true, "ruby": true, "rust": true, "scala": true,
	"sqlite3": true, "swift": true, "typescript": true, "zig": true,
}

// v2Runtime is one of the executor's runtimes as the v2 dialect shows it.
type v2Runtime struct {
	info    engine.RuntimeInfo
	name    string   // the Piston-style language name
	aliases []string // every other name it answers to, ours included
	version *semver.Version
}

func newV2Runtime(rt engine.RuntimeInfo) v2Runtime {
	name := rt.Language
	if !pistonLanguages[strings.ToLower(name)] {
		for _, a := range rt.Aliases {
			if pistonLanguages[strings.ToLower(a)] {
				name = a
				break
			}
		}
	}
	aliases := []string{}
	if name != rt.Language {
		aliases = append(aliases, rt.Language)
	}
	for _, a := range rt.Aliases {
		if a != name {
			aliases = append(aliases, a)
		}
	}
	// A version that is not SemVer (none of ours today) matches only "*"
	// and itself, see matches.
	v, _ := semver.NewVersion(rt.Version)
	return v2Runtime{info: rt, name: name, aliases: aliases, version: v}
}

// answersTo reports whether the runtime is called language (any case), by
// its Piston name, its own name or an alias.
func (r v2Runtime) answersTo(language string) bool {
	return strings.EqualFold(r.name, language) || calledBy(r.info, language)
}

// matches reports whether the runtime's version satisfies a Piston version
// selector: "*", an exact version ("3.11.2"), a partial one ("3", "3.11"),
// or a SemVer range ("^3", "~3.11", ">=3.10 <4", "3.x", "1.2 || 3.11").
func (r v2Runtime) matches(selector string) bool {
	selector = strings.TrimSpace(selector)
	if selector == "*" || selector == r.info.Version {
		return true
	}
	if r.version == nil {
		return false
	}
	c, err := semver.NewConstraint(selector)
	if err != nil {
		return false
	}
	return c.Check(r.version)
}

// v2Runtimes lists the executor's runtimes in v2 form, sorted by Piston
// name then newest version first.
func (s *server) v2Runtimes() []v2Runtime {
	infos := s.exec.Runtimes()
	out := make([]v2Runtime, 0, len(infos))
	for _, rt := range infos {
		out = append(out, newV2Runtime(rt))
	}
	slices.SortStableFunc(out, func(a, b v2Runtime) int {
		if c := cmp.Compare(a.name, b.name); c != 0 {
			return c
		}
		if a.version != nil && b.version != nil {
			return b.version.Compare(a.version)
		}
		return cmp.Compare(b.info.Version, a.info.Version)
	})
	return out
}

// resolveV2 finds the newest runtime called language whose version
// satisfies selector, as Piston does.
func (s *server) resolveV2(language, selector string) (v2Runtime, bool) {
	for _, rt := range s.v2Runtimes() {
		if rt.answersTo(language) && rt.matches(selector) {
			return rt, true
		}
	}
	return v2Runtime{}, false
}
