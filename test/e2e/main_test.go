// Package e2e holds black-box end-to-end tests: they build the real
// coderacer binary, start `coderacer serve` as root with the real sandbox and
// talk to it over HTTP only. Nothing is mocked.
//
// TestMain (through testserver.Main) builds the binary, starts one shared
// server (parallelism 2) in a temporary working directory that holds a
// marker file and a secret in its environment (the isolation tests look for
// both from inside the sandbox), runs the tests, stops the server with
// SIGTERM and checks that no process and no cgroup of it is left behind.
package e2e

import (
	"os"
	"testing"
	"time"

	"github.com/coderacer/coderacer/test/testserver"
)

var (
	// srv is the server shared by all tests (CODERACER_PARALLELISM=2).
	srv *testserver.Server
	// repoRoot is the module's root directory, binPath the binary built
	// from it, tmpRoot the directory holding everything this run creates.
	repoRoot string
	binPath  string
	tmpRoot  string
)

func TestMain(m *testing.M) {
	os.Exit(testserver.Main(m, testserver.Options{
		Name: "shared",
		Env: map[string]string{"CODERACER_PARALLELISM": "2",
			// Callbacks reach the tests' receivers on this host, signed.
			"CODERACER_CALLBACK_ALLOW":  "127.0.0.0/8",
			"CODERACER_CALLBACK_SECRET": callbackSecret,
		},
	}, func(s *testserver.Server) (err error) {
		srv, binPath, tmpRoot = s, s.Bin, s.Root
		repoRoot, err = testserver.RepoRoot()
		return err
	}))
}

// The API's shapes, from the harness.
type (
	Limits      = testserver.Limits
	File        = testserver.File
	Request     = testserver.Request
	Stage       = testserver.Stage
	Response    = testserver.Response
	RuntimeInfo = testserver.RuntimeInfo
)

// Thin wrappers: the harness's helpers, bound to the shared server where
// they take one.

// execute posts req to the shared server.
func execute(t testing.TB, req any) (int, *Response) {
	t.Helper()
	return testserver.Execute(t, srv, req)
}

// mustExecute posts req to the shared server and requires a 200.
func mustExecute(t testing.TB, req any) *Response {
	t.Helper()
	return testserver.MustExecute(t, srv, req)
}

// runtimes fetches the shared server's GET /api/v1/runtimes once.
func runtimes(t testing.TB) []RuntimeInfo {
	t.Helper()
	return testserver.Runtimes(t, srv)
}

// requireRuntime fails the test when lang is not installed on the shared
// server.
func requireRuntime(t testing.TB, lang string) RuntimeInfo {
	t.Helper()
	return testserver.RequireRuntime(t, srv, lang)
}

func expectStatus(t testing.TB, r *Response, want string) {
	t.Helper()
	testserver.ExpectStatus(t, r, want)
}

func duration(t testing.TB, field, s string) time.Duration {
	t.Helper()
	return testserver.Duration(t, field, s)
}

func jsonOutput(t testing.TB, r *Response, v any) {
	t.Helper()
	testserver.JSONOutput(t, r, v)
}

func single(lang, entry, src string) Request { return testserver.Single(lang, entry, src) }
func python(src string) Request              { return testserver.Python(src) }
func bash(src string) Request                { return testserver.Bash(src) }
func cProgram(src string) Request            { return testserver.C(src) }
func shorten(s string, n int) string         { return testserver.Shorten(s, n) }
func randomHex(n int) string                 { return testserver.RandomHex(n) }

func processesMatching(substr string, grace time.Duration) []string {
	return testserver.ProcessesMatching(substr, grace)
}
