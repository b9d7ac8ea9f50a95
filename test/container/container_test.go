// Package container proves the Docker deployment with Podman: it runs
// scripts/container-test.sh, which builds the repository's real Dockerfile,
// runs the image with exactly the privileges README.md ("Docker") names,
// executes the README's example, a C compile and run, an MLE and a TLE
// through the published port, shows that the server does not serve without
// each of those privileges, and runs compose.yaml with podman-compose.
//
// It needs root, podman, runc, podman-compose and curl (scripts/setup.sh
// --all installs them) and fails, saying so, when one is missing.
package container

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/coderacer/coderacer/test/testserver"
)

// scriptTimeout bounds the whole script: a first run on a fresh machine
// makes the base images and downloads the core runtimes' packages (about
// 4 minutes here). It is below make test's -timeout=20m, so that a stuck
// run ends with the script's own cleanup and output, not a panic.
const scriptTimeout = 15 * time.Minute

func TestContainerImage(t *testing.T) {
	requirePrerequisites(t)
	root, err := testserver.RepoRoot()
	if err != nil {
		t.Fatalf("find the repository: %v", err)
	}
	script := filepath.Join(root, "scripts", "container-test.sh")
	// Unique per test process: image tag, container, network, compose project.
	id := fmt.Sprintf("gt%d", os.Getpid())
	env := append(os.Environ(), "CODERACER_TEST_ID="+id, "LANGUAGES=core")

	// The script removes what it started when it ends, failed or not; if it
	// is killed, --cleanup removes by the same ID what it left.
	t.Cleanup(func() {
		cmd := exec.Command("bash", script, "--cleanup")
		cmd.Env = env
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("container-test.sh --cleanup: %v\n%s", err, out)
		}
	})

	out, err := runScript(t, script, env)
	if err != nil {
		t.Fatalf("scripts/container-test.sh failed: %v\n%s", err, lastLines(out, 40))
	}
	for _, want := range []string{
		"ok: README example (node)", "ok: C compile and run", "ok: MLE", "ok: TLE",
		"ok: no route out of the container", "ok: HEALTHCHECK", "exit code 0",
		"each privilege needed", "compose: up, example, down", "PASS",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the script's output lacks %q:\n%s", want, lastLines(out, 40))
		}
	}
}

// requirePrerequisites fails the test, naming what to install, when the
// machine cannot run it.
func requirePrerequisites(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Fatal("the container test must run as root (podman builds and runs the image rootful)")
	}
	var missing []string
	for _, tool := range []string{"podman", "runc", "podman-compose", "curl"} {
		if _, err := exec.LookPath(tool); err != nil {
			missing = append(missing, tool)
		}
	}
	if len(missing) > 0 {
		t.Fatalf("%s not found: run scripts/setup.sh --all (it installs podman, runc, podman-compose, containernetworking-plugins, slirp4netns, uidmap)",
			strings.Join(missing, ", "))
	}
}

// runScript runs the script, its progress shown as it goes, and returns
// its output. On timeout the script gets SIGTERM, so that it cleans up.
func runScript(t *testing.T, script string, env []string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), scriptTimeout)
	defer cancel()
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, "bash", script)
	cmd.Env = env
	cmd.Stdout = io.MultiWriter(os.Stderr, &out)
	cmd.Stderr = cmd.Stdout
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = time.Minute
	start := time.Now()
	err := cmd.Run()
	t.Logf("scripts/container-test.sh took %v", time.Since(start).Round(time.Second))
	if ctx.Err() != nil {
		err = fmt.Errorf("timed out after %v: %w", scriptTimeout, err)
	}
	return out.String(), err
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
