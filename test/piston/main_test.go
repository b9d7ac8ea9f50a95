// Package piston is the black-box suite of the Piston v2 dialect and of
// the WebSocket sessions of both dialects, against the real server and
// sandbox: the real piston-client npm package driven by Node's test runner
// (piston-client.test.mjs), v2 execute round trips with real languages, and
// interactive sessions that echo stdin and are stopped by a signal.
package piston

import (
	"os"
	"testing"

	"github.com/coderacer/coderacer/test/testserver"
)

// srv is the server every test talks to (parallelism 2).
var srv *testserver.Server

func TestMain(m *testing.M) {
	os.Exit(testserver.Main(m, testserver.Options{
		Name: "piston",
		Env:  map[string]string{"CODERACER_PARALLELISM": "2"},
	}, func(s *testserver.Server) error {
		srv = s
		return nil
	}))
}
