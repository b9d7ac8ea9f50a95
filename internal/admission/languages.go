package admission

import (
	"strings"

	"github.com/coderacer/coderacer/internal/engine"
)

// checkLanguage refuses language when c has a list of languages that does
// not name it. Names and aliases are resolved through the runtimes the
// engine lists, ignoring case as the engine's catalog does; a language the
// engine does not know passes, so the engine answers with its own
// runtime-not-found.
func checkLanguage(c Client, language string, runtimes []engine.RuntimeInfo) error {
	if len(c.Languages) == 0 {
		return nil
	}
	rt, ok := findRuntime(runtimes, language)
	if !ok {
		return nil
	}
	for _, allowed := range c.Languages {
		if namesRuntime(rt, allowed) {
			return nil
		}
	}
	return &LanguageError{Language: language}
}

func findRuntime(runtimes []engine.RuntimeInfo, name string) (engine.RuntimeInfo, bool) {
	for _, rt := range runtimes {
		if namesRuntime(rt, name) {
			return rt, true
		}
	}
	return engine.RuntimeInfo{}, false
}

// namesRuntime reports whether name is rt's language or one of its aliases.
func namesRuntime(rt engine.RuntimeInfo, name string) bool {
	name = strings.ToLower(name)
	if strings.ToLower(rt.Language) == name {
		return true
	}
	for _, a := range rt.Aliases {
		if strings.ToLower(a) == name {
			return true
		}
	}
	return false
}
