package attack

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coderacer/coderacer/test/testserver"
)

// attack is one hostile program and the exact safe outcome it must get.
type attack struct {
	name string
	req  testserver.Request
	// status is the exact status the run must end with, or an open
	// status: the true outcomes the kernel picks between, in parentheses
	// ("(MLE or OK)"). The run must end with one of them, and check must
	// tell which holds (an open status without a check would let the
	// case pass on the weaker outcome unexamined: runAttacks refuses it).
	status string
	// stdout, when not empty, is the exact standard output; the program
	// prints what it observed (e.g. "EPERM") so the assertion is exact.
	stdout string
	// check, when set, asserts anything else about the response.
	check func(t *testing.T, r *testserver.Response)
}

// statuses returns the statuses a run of a may end with, and whether
// the status is open (more than one, decided by a.check).
func (a attack) statuses() (allowed []string, open bool) {
	inner, ok := strings.CutPrefix(a.status, "(")
	if !ok {
		return []string{a.status}, false
	}
	inner, _ = strings.CutSuffix(inner, ")")
	return strings.Split(inner, " or "), true
}

// validate refuses a case that could pass without asserting anything
// about its outcome: no status, or an open status with no check.
func (a attack) validate() error {
	allowed, open := a.statuses()
	if slices.Contains(allowed, "") {
		return fmt.Errorf("attack %q: status %q names no status", a.name, a.status)
	}
	if open && a.check == nil {
		return fmt.Errorf("attack %q: status %q is open, but no check says which outcome holds", a.name, a.status)
	}
	return nil
}

// runAttacks runs each attack as a subtest and, after each, requires the
// server to serve an ordinary request correctly and at once. A case that
// fails validate fails the test before any attack runs.
func runAttacks(t *testing.T, attacks []attack) {
	t.Helper()
	for _, a := range attacks {
		if err := a.validate(); err != nil {
			t.Fatal(err)
		}
	}
	for _, a := range attacks {
		t.Run(a.name, func(t *testing.T) {
			r := testserver.MustExecute(t, srv, a.req)
			if allowed, _ := a.statuses(); !slices.Contains(allowed, r.Status) {
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

// The harness refuses cases that would pass unexamined, and accepts the
// kinds the suite uses.
func TestAttackCaseRules(t *testing.T) {
	check := func(*testing.T, *testserver.Response) {}
	for _, tc := range []struct {
		a  attack
		ok bool
	}{
		{attack{name: "exact", status: "OK"}, true},
		{attack{name: "exact_checked", status: "MLE", check: check}, true},
		{attack{name: "open_checked", status: "(MLE or OK)", check: check}, true},
		{attack{name: "open_unchecked", status: "(MLE or OK)"}, false},
		{attack{name: "no_status", stdout: "x\n"}, false},
		{attack{name: "open_empty", status: "(MLE or )", check: check}, false},
	} {
		if err := tc.a.validate(); (err == nil) != tc.ok {
			t.Errorf("%s: validate() = %v, want ok %v", tc.a.name, err, tc.ok)
		}
	}
	if got, open := (attack{status: "(MLE or OK)"}).statuses(); !open || !slices.Equal(got, []string{"MLE", "OK"}) {
		t.Errorf("statuses of (MLE or OK) = %q open %v", got, open)
	}
}
