// Package runtimes holds the language definitions, one JSON file per
// language, embedded in the binary. Adding a language is adding a file.
package runtimes

import "embed"

// Files holds every *.json definition of this directory.
//
//go:embed *.json
var Files embed.FS
