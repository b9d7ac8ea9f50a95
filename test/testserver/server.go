// Package testserver is the harness of the black-box suites (test/e2e,
// test/attack, test/bench): it builds the real coderacer binary, starts
// `coderacer serve` as root with the real sandbox, talks to it over HTTP
// only, stops it with SIGTERM and checks that no process and no cgroup of it
// is left behind. Nothing is mocked.
//
// A suite's TestMain is usually one call:
//
//	var srv *testserver.Server
//
//	func TestMain(m *testing.M) {
//		os.Exit(testserver.Main(m, testserver.Options{Name: "shared"},
//			func(s *testserver.Server) error { srv = s; return nil }))
//	}
//
// Every server runs in a fresh working directory holding a marker file
// (MarkerFileName, content Server.Marker) and has a secret in its
// environment (SecretEnv, value Server.Secret): isolation tests look for
// both from inside the sandbox.
//
// Every answer a suite under Main receives from its servers is validated
// against the API's OpenAPI document (openapi.go): through this package's
// helpers, RawPost, and everything that goes through http.DefaultTransport
// (http.Get, clients without a Transport of their own, WebSocket dials
// without an HTTPClient). A violation fails the read that ends the body,
// and Main fails the run.
//
// Messages go to standard error prefixed by the suite's name, the test
// binary's name without ".test" (e.g. "e2e: ").
package testserver

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

const (
	// ModulePath is the module the server is built from.
	ModulePath = "github.com/coderacer/coderacer"
	// MarkerFileName is the name of the marker file in a server's
	// working directory.
	MarkerFileName = "host-secret-marker.txt"
	// SecretEnv is the environment variable holding Server.Secret.
	SecretEnv = "CODERACER_E2E_SECRET"

	// HealthTimeout is how long Main waits for its server to be healthy.
	HealthTimeout = 60 * time.Second
	// StopTimeout is how long Main gives its server to exit after SIGTERM.
	StopTimeout = 10 * time.Second
	// RequestTimeout bounds every HTTP request of the client helpers.
	RequestTimeout = 3 * time.Minute
)

// suite prefixes the harness's messages: the test binary's name, e.g. "e2e".
var suite = strings.TrimSuffix(filepath.Base(os.Args[0]), ".test")

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, suite+": "+format+"\n", args...)
}

// RepoRoot walks up from the working directory to the go.mod of ModulePath
// and returns its directory.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && bytes.Contains(data, []byte("module "+ModulePath)) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod of %s above the working directory", ModulePath)
		}
		dir = parent
	}
}

func goTool() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return "/usr/local/go/bin/go"
}

// Build builds ./cmd/coderacer and ./cmd/coderacer-init of the repository
// (found by RepoRoot) into dir, creating dir if need be, and returns the
// server's path, dir/coderacer.
func Build(dir string) (string, error) {
	root, err := RepoRoot()
	if err != nil {
		return "", err
	}
	start := time.Now()
	// The server finds its sandboxes' init beside it, as make build
	// leaves them.
	for _, name := range []string{"coderacer", "coderacer-init"} {
		cmd := exec.Command(goTool(), "build", "-o", filepath.Join(dir, name), ModulePath+"/cmd/"+name)
		cmd.Dir = root
		if output, err := cmd.CombinedOutput(); err != nil {
			return "", fmt.Errorf("building the server (go build %s/cmd/%s in %s) failed: %v\n%s", ModulePath, name, root, err, output)
		}
	}
	out := filepath.Join(dir, "coderacer")
	logf("built %s and its init in %v", out, time.Since(start).Round(time.Millisecond))
	return out, nil
}

// Options configure one server.
type Options struct {
	// Name labels the server in messages and names its directory.
	Name string
	// Env is added to the server's environment; it may override the
	// defaults CODERACER_LOG_LEVEL=debug and SecretEnv. The test's own
	// PORT, DISABLE_NETWORKING and CODERACER_* variables are never passed
	// on.
	Env map[string]string
	// Teardown, for Main's shared server only, runs after the tests and
	// before the shared server is stopped: it stops the other servers a
	// suite started for all its tests (the leftover check follows).
	Teardown func() error
}

// Server is one `coderacer serve` started by Start.
type Server struct {
	Name       string
	Bin        string // the binary it runs
	Root       string // the directory given to Start, which holds Dir
	Dir        string // this server's own directory: WorkDir and LogPath
	WorkDir    string // the server's current directory
	MarkerPath string // absolute path of the marker file in WorkDir
	Marker     string // the marker file's content (without its newline)
	Secret     string // value of SecretEnv in its environment
	LogPath    string // the server's stdout and stderr
	Port       int
	URL        string // http://127.0.0.1:Port
	PID        int
	// UIDBase is the host uid of its first sandbox (CODERACER_BOX_UID_BASE):
	// sandbox i runs programs as UIDBase+i.
	UIDBase int

	cmd     *exec.Cmd
	logFile *os.File
	uidSlot *os.File      // holds the server's uid range (see reserveUIDSlot)
	exited  chan struct{} // closed when the process has exited
	waitErr error         // valid after exited is closed

	runtimesOnce sync.Once
	runtimes     []RuntimeInfo
	runtimesErr  error
}

var (
	startedMu sync.Mutex
	started   []*Server
)

// Started returns every server Start has started in this process.
func Started() []*Server {
	startedMu.Lock()
	defer startedMu.Unlock()
	return append([]*Server(nil), started...)
}

// FreePort is a TCP port of the loopback free a moment ago, for a server
// a test starts (a NATS listener, a node of a cluster).
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// serverEnv is the test's environment without any setting of the server's,
// plus extra.
func serverEnv(extra map[string]string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if k == "PORT" || k == "DISABLE_NETWORKING" || strings.HasPrefix(k, "CODERACER_") {
			continue
		}
		env = append(env, kv)
	}
	for k, v := range extra {
		env = append(env, k+"="+v)
	}
	return env
}

// Start starts `bin serve` on a free port in a fresh directory under
// tmpRoot whose work/ sub-directory holds the marker file. It does not
// wait for health (see WaitHealthy). The server is killed if this process
// dies.
func Start(bin, tmpRoot string, opts Options) (*Server, error) {
	dir, err := os.MkdirTemp(tmpRoot, "server-"+opts.Name+"-")
	if err != nil {
		return nil, err
	}
	s := &Server{
		Name:    opts.Name,
		Bin:     bin,
		Root:    tmpRoot,
		Dir:     dir,
		WorkDir: filepath.Join(dir, "work"),
		LogPath: filepath.Join(dir, "server.log"),
		Secret:  "e2e-secret-" + RandomHex(16),
		Marker:  "host-marker-content-" + RandomHex(16),
		exited:  make(chan struct{}),
	}
	if err := os.MkdirAll(s.WorkDir, 0o755); err != nil {
		return nil, err
	}
	s.MarkerPath = filepath.Join(s.WorkDir, MarkerFileName)
	if err := os.WriteFile(s.MarkerPath, []byte(s.Marker+"\n"), 0o644); err != nil {
		return nil, err
	}
	s.Port, err = FreePort()
	if err != nil {
		return nil, err
	}
	s.URL = "http://127.0.0.1:" + strconv.Itoa(s.Port)
	s.uidSlot, s.UIDBase, err = reserveUIDSlot()
	if err != nil {
		return nil, err
	}
	s.logFile, err = os.Create(s.LogPath)
	if err != nil {
		s.uidSlot.Close()
		return nil, err
	}
	env := map[string]string{
		SecretEnv:                s.Secret,
		"CODERACER_LOG_LEVEL":    "debug",
		"CODERACER_BOX_UID_BASE": strconv.Itoa(s.UIDBase),
		"CODERACER_DATA_DIR":     filepath.Join(s.Dir, "data"),
	}
	for k, v := range opts.Env {
		env[k] = v
	}
	if v, ok := opts.Env["CODERACER_BOX_UID_BASE"]; ok {
		s.UIDBase, _ = strconv.Atoi(v)
	}
	s.cmd = exec.Command(bin, "serve", "--port", strconv.Itoa(s.Port))
	s.cmd.Dir = s.WorkDir
	s.cmd.Env = serverEnv(env)
	s.cmd.Stdout = s.logFile
	s.cmd.Stderr = s.logFile
	// If this test process dies, the server must not outlive it.
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := s.cmd.Start(); err != nil {
		s.logFile.Close()
		s.uidSlot.Close()
		return nil, fmt.Errorf("starting %s serve: %w", bin, err)
	}
	s.PID = s.cmd.Process.Pid
	startedMu.Lock()
	started = append(started, s)
	startedMu.Unlock()
	go func() {
		s.waitErr = s.cmd.Wait()
		s.logFile.Close()
		s.uidSlot.Close()
		close(s.exited)
	}()
	logf("started %s server pid %d on port %d (log %s)", s.Name, s.PID, s.Port, s.LogPath)
	return s, nil
}

// HasExited reports whether the server's process has exited.
func (s *Server) HasExited() bool {
	select {
	case <-s.exited:
		return true
	default:
		return false
	}
}

// ExitErr is the process's exit error (nil for a clean exit, or while it
// runs).
func (s *Server) ExitErr() error {
	if !s.HasExited() {
		return nil
	}
	return s.waitErr
}

// WaitHealthy polls GET /api/v1/health until it answers 200
// {"status":"ok"}; it fails early if the server exits.
func (s *Server) WaitHealthy(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	hc := &http.Client{Timeout: 2 * time.Second}
	last := "no answer"
	for time.Now().Before(deadline) {
		if s.HasExited() {
			return fmt.Errorf("%s server exited before it became healthy: %v", s.Name, s.waitErr)
		}
		resp, err := hc.Get(s.URL + "/api/v1/health")
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			last = fmt.Sprintf("%d %s", resp.StatusCode, bytes.TrimSpace(body))
			if resp.StatusCode == http.StatusOK {
				var h struct {
					Status string `json:"status"`
				}
				if json.Unmarshal(body, &h) == nil && h.Status == "ok" {
					return nil
				}
			}
		} else {
			last = err.Error()
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("%s server did not become healthy within %v (last health answer: %s)", s.Name, timeout, last)
}

// Stop sends SIGTERM and waits up to timeout for the process to exit
// cleanly; past it, it kills the process. It is an error if the server had
// exited already, exits unclean or has to be killed.
func (s *Server) Stop(timeout time.Duration) error {
	if s.HasExited() {
		return fmt.Errorf("%s server (pid %d) had already exited before it was stopped: %v", s.Name, s.PID, s.waitErr)
	}
	start := time.Now()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return fmt.Errorf("SIGTERM to %s server: %v", s.Name, err)
	}
	select {
	case <-s.exited:
		logf("%s server exited %v after SIGTERM (%v)", s.Name, time.Since(start).Round(time.Millisecond), s.waitErr)
		if s.waitErr != nil {
			return fmt.Errorf("%s server (pid %d) did not shut down cleanly on SIGTERM: %v", s.Name, s.PID, s.waitErr)
		}
		return nil
	case <-time.After(timeout):
		s.Kill()
		return fmt.Errorf("%s server (pid %d) did not exit within %v of SIGTERM; killed it", s.Name, s.PID, timeout)
	}
}

// Kill sends SIGKILL, unless the server has exited, and waits for the
// process to exit.
func (s *Server) Kill() {
	if !s.HasExited() {
		s.cmd.Process.Kill()
		<-s.exited
	}
}

// LogTail returns the last n bytes of the server's log, from a line start.
func (s *Server) LogTail(n int64) string {
	data, err := os.ReadFile(s.LogPath)
	if err != nil {
		return "(cannot read server log: " + err.Error() + ")"
	}
	if int64(len(data)) > n {
		data = data[int64(len(data))-n:]
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			data = data[i+1:]
		}
	}
	return string(data)
}

// InitPath is the path of the sandboxes' init Build puts beside the
// server binPath.
func InitPath(binPath string) string {
	return filepath.Join(filepath.Dir(binPath), "coderacer-init")
}

// Leftovers lists, once every server has exited, the processes still
// running binPath or its init and the cgroups of the servers that still
// exist. It waits up to 3 s for them to go.
func Leftovers(servers []*Server, binPath string) []string {
	var problems []string
	// Give the kernel a moment to reap what the server killed last.
	deadline := time.Now().Add(3 * time.Second)
	initPath := InitPath(binPath)
	for {
		problems = nil
		for _, p := range HostProcesses() {
			if strings.Contains(p.Cmdline, binPath) || p.Runs(binPath) || p.Runs(initPath) {
				problems = append(problems, fmt.Sprintf("process %d (exe %q, cmdline %q)", p.PID, p.Exe, p.Cmdline))
			}
		}
		for _, s := range servers {
			for _, dir := range Cgroups(s.PID) {
				problems = append(problems, fmt.Sprintf("cgroup %s of %s server pid %d", dir, s.Name, s.PID))
			}
		}
		problems = append(problems, hostMountsAndRoots()...)
		if len(problems) == 0 || time.Now().After(deadline) {
			return problems
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// hostMountsAndRoots lists what a server could leave on the host's file
// system: mounts (a container's are in its own mount namespace, so none
// may show in the host's table) and container root directories, which
// exist only while a container starts.
func hostMountsAndRoots() []string {
	var problems []string
	if data, err := os.ReadFile("/proc/self/mountinfo"); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if strings.Contains(line, "coderacer-root-") {
				problems = append(problems, "host mount "+line)
			}
		}
	}
	roots, _ := filepath.Glob(filepath.Join(os.TempDir(), "coderacer-root-*"))
	for _, r := range roots {
		// Another test binary's server may be starting a container right
		// now; a leftover is one that stays.
		if fi, err := os.Stat(r); err == nil && time.Since(fi.ModTime()) > 2*time.Second {
			problems = append(problems, "container root directory "+r)
		}
	}
	return problems
}
