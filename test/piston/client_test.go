package piston

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/coderacer/coderacer/test/testserver"
)

// pistonClientVersion is the piston-client release package.json pins.
const pistonClientVersion = "1.0.2"

// TestPistonClient runs piston-client.test.mjs with `node --test` against
// the server, installing the package with `npm ci` (package-lock.json)
// when node_modules does not hold it.
func TestPistonClient(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node is not installed (%v): the piston-client compatibility test needs Node.js ≥ 18 and npm (Debian: apt-get install nodejs npm)", err)
	}
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()

	testserver.NpmCI(ctx, t, dir, "piston-client", pistonClientVersion)

	cmd := exec.CommandContext(ctx, node, "--test", "--test-reporter=spec", "piston-client.test.mjs")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "PISTON_URL="+srv.URL, "NO_COLOR=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("node --test piston-client.test.mjs failed (%v):\n%s", err, out)
	}
	t.Logf("node --test piston-client.test.mjs:\n%s", strings.TrimSpace(string(out)))
}
