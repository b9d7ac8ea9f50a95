// Package playground tests the playground page (GET /) in a real browser:
// playground.test.mjs drives Debian's Chromium with playwright-core
// (package-lock.json pins it) against the real server and sandbox.
package playground

import (
	"os"
	"testing"

	"github.com/coderacer/coderacer/test/testserver"
)

// srv is the server every test talks to. Its run wall-time maximum is
// below the 30 s the page asks for interactive runs, so that every such
// run goes through the page's second try at the server's maximum (the
// refusal names it).
var srv *testserver.Server

func TestMain(m *testing.M) {
	os.Exit(testserver.Main(m, testserver.Options{
		Name: "playground",
		Env:  map[string]string{"CODERACER_PARALLELISM": "2", "CODERACER_RUN_WALL_TIME_MAX": "20s"},
	}, func(s *testserver.Server) error {
		srv = s
		return nil
	}))
}
