// Package languages proves every runtime of the repository's runtimes/
// directory through the real server and sandbox: for each runtime FILE (not
// for what the server happens to list) it runs the programs of
// testdata/<language>/ — hello world, stdin echoed byte for byte, the
// command-line arguments joined by spaces, exit code 3 and, for compiled
// languages, a compile error. A runtime whose toolchain is not installed
// fails its test: run scripts/setup.sh --all.
//
// TestLanguageTable (with -args -readme, or make languages-table) measures
// every hello world through the API and rewrites the languages table of
// README.md.
package languages

import (
	"os"
	"testing"

	"github.com/coderacer/coderacer/test/testserver"
)

var (
	// srv is the server shared by all tests (CODERACER_PARALLELISM=2).
	srv *testserver.Server
	// repoRoot is the module's root directory.
	repoRoot string
)

func TestMain(m *testing.M) {
	os.Exit(testserver.Main(m, testserver.Options{
		Name: "languages",
		Env:  map[string]string{"CODERACER_PARALLELISM": "2", "CODERACER_LOG_LEVEL": "info"},
	}, func(s *testserver.Server) (err error) {
		srv = s
		repoRoot, err = testserver.RepoRoot()
		return err
	}))
}
