package testserver

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// Main runs a suite against one shared server and returns the exit code
// for os.Exit. It requires root, builds the binary into a new temporary
// directory (bin/coderacer), starts the server with opts, waits for it to
// be healthy and calls setup (if not nil; an error fails the run before
// any test). Then it runs the tests, stops the server with SIGTERM within
// StopTimeout and fails the run if any server started in this process
// left a process or a cgroup behind. On failure it prints the tail of the
// server's log and keeps the temporary directory; on success it removes
// it.
func Main(m *testing.M, opts Options, setup func(*Server) error) (code int) {
	if os.Geteuid() != 0 {
		logf("these tests start the real server, which must run as root; run them as root")
		return 1
	}
	tmpRoot, err := os.MkdirTemp("", "coderacer-"+suite+"-")
	if err != nil {
		logf("%v", err)
		return 1
	}
	// The temp directory is removed only after the leftover checks (they
	// compare processes' executables against the binary inside it).
	defer func() {
		if code == 0 {
			os.RemoveAll(tmpRoot)
		} else {
			logf("kept %s (server logs are there)", tmpRoot)
		}
	}()

	violations, err := startValidation()
	if err != nil {
		logf("%v", err)
		return 1
	}
	bin, err := Build(filepath.Join(tmpRoot, "bin"))
	if err != nil {
		logf("%v", err)
		return 1
	}
	srv, err := Start(bin, tmpRoot, opts)
	if err != nil {
		logf("%v", err)
		return 1
	}
	if err := srv.WaitHealthy(HealthTimeout); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n--- server stderr (%s) ---\n%s\n", suite, err, srv.LogPath, srv.LogTail(64<<10))
		srv.Kill()
		return 1
	}
	if setup != nil {
		if err := setup(srv); err != nil {
			logf("setup: %v", err)
			srv.Kill()
			return 1
		}
	}

	code = m.Run()

	if opts.Teardown != nil {
		if err := opts.Teardown(); err != nil {
			logf("FAIL: teardown: %v", err)
			code = 1
		}
	}

	if err := srv.Stop(StopTimeout); err != nil {
		logf("FAIL: %v", err)
		code = 1
	}
	if !reportViolations(violations) {
		code = 1
	}
	for _, problem := range Leftovers(Started(), bin) {
		logf("FAIL: left behind: %s", problem)
		code = 1
	}
	if code != 0 {
		fmt.Fprintf(os.Stderr, "--- %s server stderr, last 64 KiB (%s) ---\n%s\n--- end of server stderr ---\n",
			srv.Name, srv.LogPath, srv.LogTail(64<<10))
	}
	return code
}

// reportViolations prints the answers that did not validate against the
// OpenAPI document; false if there were any.
func reportViolations(violations func() ([]string, map[int]int)) bool {
	found, checked := violations()
	total, byStatus := 0, []string{}
	for _, code := range slices.Sorted(maps.Keys(checked)) {
		total += checked[code]
		byStatus = append(byStatus, fmt.Sprintf("%d×%d", checked[code], code))
	}
	logf("openapi: %d answers validated against internal/apidoc/openapi.yaml (%s), %d violations",
		total, strings.Join(byStatus, " "), len(found))
	for i, v := range found {
		if i == 20 {
			logf("FAIL: ... and %d more", len(found)-i)
			break
		}
		logf("FAIL: %s", v)
	}
	return len(found) == 0
}
