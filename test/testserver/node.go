package testserver

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// FindChromium returns the path of Debian's Chromium, failing the test,
// naming the fix, when it is not installed; why says what needs it.
func FindChromium(t testing.TB, why string) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatalf("chromium is not installed: %s; run scripts/setup.sh --all (Debian: apt-get install chromium)", why)
	return ""
}

// NpmCI makes dir's node_modules hold pkg at version, running `npm ci`
// (from dir's package-lock.json, with args) only when it does not.
func NpmCI(ctx context.Context, t testing.TB, dir, pkg, version string, args ...string) {
	t.Helper()
	if v := NodeModuleVersion(dir, pkg); v == version {
		return
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		t.Fatalf("npm is not installed (%v) and %s/node_modules does not hold %s %s: install npm (Debian: apt-get install npm)", err, dir, pkg, version)
	}
	t.Logf("%s %s not in node_modules (found %q): running npm ci", pkg, version, NodeModuleVersion(dir, pkg))
	cmd := exec.CommandContext(ctx, npm, append([]string{"ci", "--no-audit", "--no-fund"}, args...)...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("npm ci in %s failed: %v\n%s", dir, err, out)
	}
	if v := NodeModuleVersion(dir, pkg); v != version {
		t.Fatalf("after npm ci, node_modules holds %s %q, want %s", pkg, v, version)
	}
}

// NodeModuleVersion is the version of pkg in dir's node_modules, "" when
// it is absent.
func NodeModuleVersion(dir, pkg string) string {
	data, err := os.ReadFile(filepath.Join(dir, "node_modules", pkg, "package.json"))
	if err != nil {
		return ""
	}
	var p struct {
		Version string `json:"version"`
	}
	if json.Unmarshal(data, &p) != nil {
		return ""
	}
	return p.Version
}
