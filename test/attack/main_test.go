// Package attack is the hostile-code suite: programs that try to get out of
// the sandbox, starve the server or make the engine lie, each asserting the
// exact safe outcome, run against the real server and sandbox.
//
// After every attack the server must answer a hello world correctly at
// once; after the suite and a shutdown, nothing of the server may be left
// on the host (testserver.Main checks processes and cgroups).
package attack

import (
	"os"
	"testing"

	"github.com/coderacer/coderacer/test/testserver"
)

// srv is the server every attack runs against (parallelism 2).
var srv *testserver.Server

func TestMain(m *testing.M) {
	os.Exit(testserver.Main(m, testserver.Options{
		Name: "attack",
		// Both sandboxes stay started, so that the attacks on the
		// sandboxes' inits (TestProcessesSignals) aim at processes that
		// only an attack could stop.
		Env: map[string]string{"CODERACER_PARALLELISM": "2", "CODERACER_WARM_BOXES": "2"},
	}, func(s *testserver.Server) error {
		srv = s
		return nil
	}))
}
