package attack

import (
	"strings"
	"testing"
	"time"

	"github.com/coderacer/coderacer/test/testserver"
)

// attack is one hostile program and the exact safe outcome it must get.
type attack struct {
	name string
	req  testserver.Request
	// status is the exact status the run must end with.
	status string
	// stdout, when not empty, is the exact standard output; the program
	// prints what it observed (e.g. "EPERM") so the assertion is exact.
	stdout string
	// check, when set, asserts anything else about the response.
	check func(t *testing.T, r *testserver.Response)
}

// runAttacks runs each attack as a subtest and, after each, requires the
// server to serve an ordinary request correctly and at once.
func runAttacks(t *testing.T, attacks []attack) {
	t.Helper()
	for _, a := range attacks {
		t.Run(a.name, func(t *testing.T) {
			r := testserver.MustExecute(t, srv, a.req)
			// A status in parentheses is decided by a.check.
			if !strings.HasPrefix(a.status, "(") && r.Status != a.status {
				t.Errorf("status %s, want %s: %s", r.Status, a.status, r)
			}
			if a.stdout != "" && r.Stdout != a.stdout {
				t.Errorf("stdout %q, want %q (stderr %q)", r.Stdout, a.stdout, testserver.Shorten(r.Stderr, 500))
			}
			if a.check != nil {
				a.check(t, r)
			}
			requireHealthy(t)
		})
	}
}

// requireHealthy runs a hello world, which must succeed within 2 s.
func requireHealthy(t *testing.T) {
	t.Helper()
	r := testserver.MustExecute(t, srv, testserver.Bash("echo still-alive\n"))
	if r.Status != "OK" || r.Stdout != "still-alive\n" {
		t.Fatalf("the server no longer runs a hello world correctly: %s", r)
	}
	if r.Elapsed > 2*time.Second {
		t.Errorf("hello world after the attack took %v, want < 2s", r.Elapsed)
	}
}

// python, bash and c build requests; withLimits and withArgs adjust them.
func python(src string) testserver.Request { return testserver.Python(src) }
func bash(src string) testserver.Request   { return testserver.Bash(src) }
func c(src string) testserver.Request      { return testserver.C(src) }

func withLimits(r testserver.Request, l testserver.Limits) testserver.Request {
	r.Limits = &l
	return r
}

func withStdin(r testserver.Request, stdin string) testserver.Request {
	r.Stdin = stdin
	return r
}

// lines joins lines with a trailing newline, for exact stdout assertions.
func lines(l ...string) string { return strings.Join(l, "\n") + "\n" }
