package piston

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
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

	if v := installedVersion(dir); v != pistonClientVersion {
		npm, err := exec.LookPath("npm")
		if err != nil {
			t.Fatalf("npm is not installed (%v) and test/piston/node_modules does not hold piston-client %s: install npm (Debian: apt-get install npm)", err, pistonClientVersion)
		}
		t.Logf("piston-client %s not in node_modules (found %q): running npm ci", pistonClientVersion, v)
		cmd := exec.CommandContext(ctx, npm, "ci", "--no-audit", "--no-fund")
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("npm ci in %s failed: %v\n%s", dir, err, out)
		}
		if v := installedVersion(dir); v != pistonClientVersion {
			t.Fatalf("after npm ci, node_modules holds piston-client %q, want %s", v, pistonClientVersion)
		}
	}

	cmd := exec.CommandContext(ctx, node, "--test", "--test-reporter=spec", "piston-client.test.mjs")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "PISTON_URL="+srv.URL, "NO_COLOR=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("node --test piston-client.test.mjs failed (%v):\n%s", err, out)
	}
	t.Logf("node --test piston-client.test.mjs:\n%s", strings.TrimSpace(string(out)))
}

func installedVersion(dir string) string {
	data, err := os.ReadFile(filepath.Join(dir, "node_modules", "piston-client", "package.json"))
	if err != nil {
		return ""
	}
	var pkg struct {
		Version string `json:"version"`
	}
	json.Unmarshal(data, &pkg)
	return pkg.Version
}
