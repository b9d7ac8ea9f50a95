package engine

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// File-name bounds. 255 is the longest name most Linux file systems accept
// for one component; 1024 keeps a whole path well under PATH_MAX even after
// the sandbox prefixes its work directory. The bound on the number of files
// is a setting: DefaultMaxFiles.
const (
	MaxComponentSize = 255
	MaxNameSize      = 1024
)

// FileError reports a job's files that cannot be written into a sandbox.
// Name is the offending file name, or empty when the problem concerns the
// set of files as a whole (none, too many, a missing entrypoint).
type FileError struct {
	Name   string
	Reason string
}

func (e *FileError) Error() string {
	if e.Name == "" {
		return e.Reason
	}
	// %q, not %s: names come from users and may hold control bytes or
	// invalid UTF-8 that must never reach a log or a terminal raw.
	return fmt.Sprintf("invalid file name %q: %s", e.Name, e.Reason)
}

// ValidateFiles checks that files can be written under a work directory
// without escaping it or colliding with each other, and that entrypoint is
// one of them. maxFiles <= 0 means DefaultMaxFiles, so that a zero config
// never silently means "unbounded". The error, if any, is a *FileError.
func ValidateFiles(files []File, entrypoint string, maxFiles int) error {
	if maxFiles <= 0 {
		maxFiles = DefaultMaxFiles
	}
	switch {
	case len(files) == 0:
		return &FileError{Reason: "at least one file is required"}
	case len(files) > maxFiles:
		return &FileError{Reason: fmt.Sprintf("too many files: %d, the maximum is %d", len(files), maxFiles)}
	}

	names := make(map[string]struct{}, len(files))
	// dirs maps every directory implied by some name to one such name, so a
	// file that shadows a directory can be reported with its counterpart.
	dirs := make(map[string]string)
	for _, f := range files {
		if err := validateName(f.Name); err != nil {
			return err
		}
		if _, dup := names[f.Name]; dup {
			return &FileError{Name: f.Name, Reason: "duplicate"}
		}
		names[f.Name] = struct{}{}
		for i := 0; i < len(f.Name); i++ {
			if f.Name[i] == '/' {
				if _, ok := dirs[f.Name[:i]]; !ok {
					dirs[f.Name[:i]] = f.Name
				}
			}
		}
	}
	// A second pass, because "a/b" may come before or after "a".
	for _, f := range files {
		if other, ok := dirs[f.Name]; ok {
			return &FileError{Name: f.Name, Reason: fmt.Sprintf("is also a directory of %q", other)}
		}
	}

	if entrypoint == "" {
		return &FileError{Reason: "entrypoint is required"}
	}
	if _, ok := names[entrypoint]; !ok {
		return &FileError{Reason: fmt.Sprintf("entrypoint %q is not among the files", entrypoint)}
	}
	return nil
}

func validateName(name string) error {
	bad := func(reason string) error { return &FileError{Name: name, Reason: reason} }
	switch {
	case name == "":
		return &FileError{Reason: "a file name is empty"}
	case len(name) > MaxNameSize:
		return bad(fmt.Sprintf("longer than %d bytes", MaxNameSize))
	case !utf8.ValidString(name):
		return bad("not valid UTF-8")
	}
	for _, r := range name {
		// unicode.IsControl covers C0, DEL and C1: none has any business in
		// a file name and several (NUL, newline, ESC) are dangerous in one.
		if unicode.IsControl(r) {
			return bad(fmt.Sprintf("contains control character %U", r))
		}
	}
	switch {
	case strings.ContainsRune(name, '\\'):
		// Not special on Linux, but a Windows-minded client means a separator
		// by it, and a file literally named `a\..\b` only invites confusion.
		return bad("contains a backslash")
	case name[0] == '/':
		return bad("is absolute")
	case name[0] == '-':
		// Commands name files as arguments: a compiler or interpreter
		// would take "-c" or "--version" for one of its options.
		return bad(`starts with "-"`)
	}
	for c := range strings.SplitSeq(name, "/") {
		switch {
		case c == "":
			return bad("has an empty path component")
		case c == ".":
			return bad(`contains "."`)
		case c == "..":
			return bad(`contains ".."`)
		case len(c) > MaxComponentSize:
			return bad(fmt.Sprintf("has a path component longer than %d bytes", MaxComponentSize))
		}
	}
	return nil
}
