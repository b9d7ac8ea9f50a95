// Package cli holds the end-to-end tests of the command line (coderacer
// run, judge, runtimes --server) and of the Go client package (client/):
// TestMain builds the real binary and starts `coderacer serve` as root
// with the real sandbox (test/testserver); the tests run the same binary
// as its users do (files, pipes, a terminal) and call the client's
// methods against the server. Nothing is mocked.
//
// Every answer the client receives in this process is validated against
// the OpenAPI document (testserver's transport).
package cli

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coderacer/coderacer/client"
	"github.com/coderacer/coderacer/test/testserver"
)

// srv is the shared server (parallelism 2: a session and a run at once).
var srv *testserver.Server

func TestMain(m *testing.M) {
	os.Exit(testserver.Main(m, testserver.Options{
		Name: "cli",
		Env:  map[string]string{"CODERACER_PARALLELISM": "2"},
	}, func(s *testserver.Server) error { srv = s; return nil }))
}

// newClient is a client of the shared server.
func newClient(t *testing.T) *client.Client {
	t.Helper()
	c, err := client.New(srv.URL, client.WithUserAgent("test/cli"))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// testContext is a context that ends with the test, within a minute.
func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// files writes files into a new directory and returns it.
func files(t *testing.T, contents map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range contents {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// cliEnv is the environment of a command: the test's without any
// CODERACER_ setting, plus CODERACER_URL of the shared server.
func cliEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "CODERACER_") {
			env = append(env, kv)
		}
	}
	return append(env, "CODERACER_URL="+srv.URL)
}

// result is what a command did.
type result struct {
	code           int
	stdout, stderr string
	took           time.Duration
}

// run runs `coderacer args...` in dir with stdin (nil: /dev/null).
func run(t *testing.T, dir string, stdin io.Reader, args ...string) result {
	t.Helper()
	return runEnv(t, dir, stdin, cliEnv(), args...)
}

// runEnv is run in the environment env.
func runEnv(t *testing.T, dir string, stdin io.Reader, env []string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, srv.Bin, args...)
	cmd.Dir, cmd.Env, cmd.Stdin = dir, env, stdin
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	start := time.Now()
	err := cmd.Run()
	r := result{stdout: out.String(), stderr: errOut.String(), took: time.Since(start)}
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit):
		r.code = exit.ExitCode()
	default:
		t.Fatalf("coderacer %s: %v", strings.Join(args, " "), err)
	}
	t.Logf("coderacer %s: exit %d in %v\nstdout: %q\nstderr: %q", strings.Join(args, " "), r.code, r.took.Round(time.Millisecond), r.stdout, r.stderr)
	return r
}

// expect fails the test unless r exited with code and printed stdout.
func (r result) expect(t *testing.T, code int, stdout string) {
	t.Helper()
	if r.code != code || r.stdout != stdout {
		t.Errorf("exit %d, stdout %q; want exit %d, stdout %q (stderr %q)", r.code, r.stdout, code, stdout, r.stderr)
	}
}

// lastLine is the last line of s.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return lines[len(lines)-1]
}
