// Package e2e holds black-box end-to-end tests: they build the real
// coderacer binary, start `coderacer serve` as root with the real sandbox and
// talk to it over HTTP only. Nothing is mocked.
//
// TestMain builds the binary, starts one shared server (parallelism 2) in a
// temporary working directory that holds a marker file and a secret in its
// environment (the isolation tests look for both from inside the sandbox),
// runs the tests, stops the server with SIGTERM and checks that no process
// and no cgroup of it is left behind.
package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
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
	"testing"
	"time"
)

const (
	modulePath     = "github.com/coderacer/coderacer"
	markerFileName = "host-secret-marker.txt"
	healthTimeout  = 60 * time.Second
	stopTimeout    = 10 * time.Second
	requestTimeout = 3 * time.Minute
)

var (
	// repoRoot is the module's root directory, binPath the binary built
	// from it, tmpRoot the directory holding everything this run creates.
	repoRoot string
	binPath  string
	tmpRoot  string
	// srv is the server shared by all tests (CODERACER_PARALLELISM=2).
	srv *server

	serversMu sync.Mutex
	servers   []*server // every server started, for the leftover checks

	client = &http.Client{Timeout: requestTimeout}
)

// server is one running `coderacer serve`.
type server struct {
	name       string
	cmd        *exec.Cmd
	pid        int
	port       int
	baseURL    string
	workDir    string // the server's current directory
	markerPath string // absolute path of the marker file in workDir
	marker     string // the marker file's content
	secret     string // value of CODERACER_E2E_SECRET in its environment
	logPath    string
	logFile    *os.File

	exited  chan struct{} // closed when the process has exited
	waitErr error         // valid after exited is closed
}

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) (code int) {
	if os.Geteuid() != 0 {
		fmt.Fprintln(os.Stderr, "e2e: these tests start the real server, which must run as root; run them as root")
		return 1
	}
	var err error
	tmpRoot, err = os.MkdirTemp("", "coderacer-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	// The temp directory is removed only after the leftover checks (they
	// compare processes' executables against binPath inside it).
	defer func() {
		if code == 0 {
			os.RemoveAll(tmpRoot)
		} else {
			fmt.Fprintf(os.Stderr, "e2e: kept %s (server logs are there)\n", tmpRoot)
		}
	}()

	repoRoot, err = findRepoRoot()
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	binPath = filepath.Join(tmpRoot, "bin", "coderacer")
	if err := buildBinary(binPath); err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}

	srv, err = startServer("shared", map[string]string{"CODERACER_PARALLELISM": "2"})
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	if err := srv.waitHealthy(healthTimeout); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: %v\n--- server stderr (%s) ---\n%s\n", err, srv.logPath, srv.logTail(64<<10))
		srv.kill()
		return 1
	}

	code = m.Run()

	if err := srv.stop(stopTimeout); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: FAIL:", err)
		code = 1
	}
	for _, problem := range leftovers() {
		fmt.Fprintln(os.Stderr, "e2e: FAIL: left behind:", problem)
		code = 1
	}
	if code != 0 {
		fmt.Fprintf(os.Stderr, "--- shared server stderr, last 64 KiB (%s) ---\n%s\n--- end of server stderr ---\n",
			srv.logPath, srv.logTail(64<<10))
	}
	return code
}

// findRepoRoot walks up from the working directory to the go.mod of this
// module.
func findRepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && bytes.Contains(data, []byte("module "+modulePath)) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod of %s above the working directory", modulePath)
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

func buildBinary(out string) error {
	start := time.Now()
	cmd := exec.Command(goTool(), "build", "-o", out, modulePath+"/cmd/coderacer")
	cmd.Dir = repoRoot
	output, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("building the server (go build %s/cmd/coderacer in %s) failed: %v\n%s", modulePath, repoRoot, err, output)
	}
	fmt.Fprintf(os.Stderr, "e2e: built %s in %v\n", out, time.Since(start).Round(time.Millisecond))
	return nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
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

// startServer starts `coderacer serve` in a fresh working directory holding
// the marker file. It does not wait for health.
func startServer(name string, extraEnv map[string]string) (*server, error) {
	dir, err := os.MkdirTemp(tmpRoot, "server-"+name+"-")
	if err != nil {
		return nil, err
	}
	s := &server{
		name:    name,
		workDir: filepath.Join(dir, "work"),
		logPath: filepath.Join(dir, "server.log"),
		secret:  "e2e-secret-" + randomHex(16),
		marker:  "host-marker-content-" + randomHex(16),
		exited:  make(chan struct{}),
	}
	if err := os.MkdirAll(s.workDir, 0o755); err != nil {
		return nil, err
	}
	s.markerPath = filepath.Join(s.workDir, markerFileName)
	if err := os.WriteFile(s.markerPath, []byte(s.marker+"\n"), 0o644); err != nil {
		return nil, err
	}
	s.port, err = freePort()
	if err != nil {
		return nil, err
	}
	s.baseURL = "http://127.0.0.1:" + strconv.Itoa(s.port)
	s.logFile, err = os.Create(s.logPath)
	if err != nil {
		return nil, err
	}
	env := map[string]string{
		"CODERACER_E2E_SECRET": s.secret,
		"CODERACER_LOG_LEVEL":  "debug",
	}
	for k, v := range extraEnv {
		env[k] = v
	}
	s.cmd = exec.Command(binPath, "serve", "--port", strconv.Itoa(s.port))
	s.cmd.Dir = s.workDir
	s.cmd.Env = serverEnv(env)
	s.cmd.Stdout = s.logFile
	s.cmd.Stderr = s.logFile
	// If this test process dies, the server must not outlive it.
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := s.cmd.Start(); err != nil {
		s.logFile.Close()
		return nil, fmt.Errorf("starting %s serve: %w", binPath, err)
	}
	s.pid = s.cmd.Process.Pid
	serversMu.Lock()
	servers = append(servers, s)
	serversMu.Unlock()
	go func() {
		s.waitErr = s.cmd.Wait()
		s.logFile.Close()
		close(s.exited)
	}()
	fmt.Fprintf(os.Stderr, "e2e: started %s server pid %d on port %d (log %s)\n", name, s.pid, s.port, s.logPath)
	return s, nil
}

func (s *server) hasExited() bool {
	select {
	case <-s.exited:
		return true
	default:
		return false
	}
}

// waitHealthy polls GET /api/v1/health until it answers 200 {"status":"ok"}.
func (s *server) waitHealthy(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	hc := &http.Client{Timeout: 2 * time.Second}
	last := "no answer"
	for time.Now().Before(deadline) {
		if s.hasExited() {
			return fmt.Errorf("%s server exited before it became healthy: %v", s.name, s.waitErr)
		}
		resp, err := hc.Get(s.baseURL + "/api/v1/health")
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
	return fmt.Errorf("%s server did not become healthy within %v (last health answer: %s)", s.name, timeout, last)
}

// stop sends SIGTERM and waits for the process to exit.
func (s *server) stop(timeout time.Duration) error {
	if s.hasExited() {
		return fmt.Errorf("%s server (pid %d) had already exited before it was stopped: %v", s.name, s.pid, s.waitErr)
	}
	start := time.Now()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return fmt.Errorf("SIGTERM to %s server: %v", s.name, err)
	}
	select {
	case <-s.exited:
		fmt.Fprintf(os.Stderr, "e2e: %s server exited %v after SIGTERM (%v)\n", s.name, time.Since(start).Round(time.Millisecond), s.waitErr)
		if s.waitErr != nil {
			return fmt.Errorf("%s server (pid %d) did not shut down cleanly on SIGTERM: %v", s.name, s.pid, s.waitErr)
		}
		return nil
	case <-time.After(timeout):
		s.kill()
		return fmt.Errorf("%s server (pid %d) did not exit within %v of SIGTERM; killed it", s.name, s.pid, timeout)
	}
}

func (s *server) kill() {
	if !s.hasExited() {
		s.cmd.Process.Kill()
		<-s.exited
	}
}

func (s *server) logTail(n int64) string {
	data, err := os.ReadFile(s.logPath)
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

// leftovers lists processes still running the test binary and cgroups the
// servers created that still exist, once every server has exited.
func leftovers() []string {
	serversMu.Lock()
	all := append([]*server(nil), servers...)
	serversMu.Unlock()

	var problems []string
	// Give the kernel a moment to reap what the server killed last.
	deadline := time.Now().Add(3 * time.Second)
	for {
		problems = nil
		for _, p := range hostProcesses() {
			if strings.Contains(p.cmdline, binPath) || p.exe == binPath || p.exe == binPath+" (deleted)" {
				problems = append(problems, fmt.Sprintf("process %d (exe %q, cmdline %q)", p.pid, p.exe, p.cmdline))
			}
		}
		for _, s := range all {
			for _, dir := range serverCgroups(s.pid) {
				problems = append(problems, fmt.Sprintf("cgroup %s of %s server pid %d", dir, s.name, s.pid))
			}
		}
		if len(problems) == 0 || time.Now().After(deadline) {
			return problems
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// serverCgroups finds directories under /sys/fs/cgroup (three levels deep at
// most) whose name contains "coderacer" and the number pid.
func serverCgroups(pid int) []string {
	var found []string
	want := strconv.Itoa(pid)
	const root = "/sys/fs/cgroup"
	filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(root, path)
		depth := len(strings.Split(rel, string(filepath.Separator)))
		if rel == "." {
			return nil
		}
		name := d.Name()
		if strings.Contains(name, "coderacer") {
			for _, tok := range strings.FieldsFunc(name, func(r rune) bool { return r < '0' || r > '9' }) {
				if tok == want {
					found = append(found, path)
					return filepath.SkipDir
				}
			}
		}
		if depth >= 3 {
			return filepath.SkipDir
		}
		return nil
	})
	return found
}

type hostProcess struct {
	pid     int
	exe     string
	cmdline string // arguments joined by spaces
}

// hostProcesses lists the host's processes (as seen from this test), not
// counting this test process.
func hostProcesses() []hostProcess {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	self := os.Getpid()
	var procs []hostProcess
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == self {
			continue
		}
		raw, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil {
			continue
		}
		exe, _ := os.Readlink(filepath.Join("/proc", e.Name(), "exe"))
		procs = append(procs, hostProcess{
			pid:     pid,
			exe:     exe,
			cmdline: strings.TrimSpace(strings.ReplaceAll(string(raw), "\x00", " ")),
		})
	}
	return procs
}

// processesMatching returns "pid: cmdline" of host processes whose command
// line contains substr, waiting up to grace for them to disappear.
func processesMatching(substr string, grace time.Duration) []string {
	deadline := time.Now().Add(grace)
	for {
		var found []string
		for _, p := range hostProcesses() {
			if strings.Contains(p.cmdline, substr) {
				found = append(found, fmt.Sprintf("%d: %s", p.pid, p.cmdline))
			}
		}
		if len(found) == 0 || time.Now().After(deadline) {
			return found
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// ---- the API's shapes ----

// Limits is the request's limits object; zero fields are left out.
type Limits struct {
	WallTimeMs    int64 `json:"wallTimeMs,omitempty"`
	CPUTimeMs     int64 `json:"cpuTimeMs,omitempty"`
	MemoryBytes   int64 `json:"memoryBytes,omitempty"`
	Processes     int64 `json:"processes,omitempty"`
	OutputBytes   int64 `json:"outputBytes,omitempty"`
	FileSizeBytes int64 `json:"fileSizeBytes,omitempty"`
	OpenFiles     int64 `json:"openFiles,omitempty"`
}

// File is one source file of a request.
type File struct {
	Name    string `json:"name"`
	Content string `json:"content"`
}

// Request is a POST /api/v1/execute body.
type Request struct {
	Language      string   `json:"language"`
	Entrypoint    string   `json:"entrypoint"`
	Files         []File   `json:"files"`
	Stdin         string   `json:"stdin,omitempty"`
	Args          []string `json:"args,omitempty"`
	Limits        *Limits  `json:"limits,omitempty"`
	CompileLimits *Limits  `json:"compileLimits,omitempty"`
}

// Stage is one stage's result; the response's top level has the same fields.
type Stage struct {
	Stdout          string `json:"stdout"`
	Stderr          string `json:"stderr"`
	ExitCode        int    `json:"exitCode"`
	Signal          string `json:"signal"`
	Status          string `json:"status"`
	CPUTime         string `json:"cpuTime"`
	WallTime        string `json:"wallTime"`
	Memory          int64  `json:"memory"`
	StdoutTruncated bool   `json:"stdoutTruncated"`
	StderrTruncated bool   `json:"stderrTruncated"`
	Message         string `json:"message"`
}

// Response is a POST /api/v1/execute answer (or an error's body).
type Response struct {
	Language        string `json:"language"`
	Version         string `json:"version"`
	ExecutionTime   string `json:"executionTime"`
	PreparationTime string `json:"preparationTime"`
	Stage
	Compile *Stage `json:"compile"`
	Error   string `json:"error"`

	raw     []byte
	elapsed time.Duration // measured by the client
}

func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + fmt.Sprintf("...(%d bytes in all)", len(s))
}

// String describes a response for failure messages.
func (r *Response) String() string {
	if r == nil {
		return "<nil response>"
	}
	var b strings.Builder
	if r.Error != "" {
		fmt.Fprintf(&b, "error=%q ", r.Error)
	}
	fmt.Fprintf(&b, "status=%s exitCode=%d signal=%q message=%q cpu=%s wall=%s memory=%d truncated(out=%v,err=%v) took=%v\n  stdout=%q\n  stderr=%q",
		r.Status, r.ExitCode, r.Signal, r.Message, r.CPUTime, r.WallTime, r.Memory,
		r.StdoutTruncated, r.StderrTruncated, r.elapsed.Round(time.Millisecond),
		shorten(r.Stdout, 600), shorten(r.Stderr, 1500))
	if c := r.Compile; c != nil {
		fmt.Fprintf(&b, "\n  compile: status=%s exitCode=%d signal=%q message=%q cpu=%s wall=%s stdout=%q stderr=%q",
			c.Status, c.ExitCode, c.Signal, c.Message, c.CPUTime, c.WallTime, shorten(c.Stdout, 300), shorten(c.Stderr, 1500))
	}
	return b.String()
}

// ---- HTTP helpers ----

// do sends one request to s and returns its status, headers and body.
func (s *server) do(t testing.TB, method, path string, body []byte) (int, http.Header, []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), requestTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, s.baseURL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatalf("building %s %s: %v", method, path, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := client.Do(req)
	if err != nil {
		if s.hasExited() {
			t.Fatalf("%s %s: %v; the %s server has exited (%v); its log ends with:\n%s", method, path, err, s.name, s.waitErr, s.logTail(8<<10))
		}
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the body: %v", method, path, err)
	}
	return resp.StatusCode, resp.Header, data
}

// executeOn posts req (a Request, or raw []byte / string JSON) to s's
// /api/v1/execute and decodes the answer, whatever its status.
func executeOn(t testing.TB, s *server, req any) (int, *Response) {
	t.Helper()
	var body []byte
	switch v := req.(type) {
	case []byte:
		body = v
	case string:
		body = []byte(v)
	default:
		var err error
		body, err = json.Marshal(v)
		if err != nil {
			t.Fatalf("encoding the request: %v", err)
		}
	}
	start := time.Now()
	status, hdr, data := s.do(t, http.MethodPost, "/api/v1/execute", body)
	r := &Response{raw: data, elapsed: time.Since(start)}
	if err := json.Unmarshal(data, r); err != nil {
		t.Fatalf("POST /api/v1/execute answered %d with a body that is not the JSON object expected (%v), Content-Type %q: %s",
			status, err, hdr.Get("Content-Type"), shorten(string(data), 2000))
	}
	if status != http.StatusOK && r.Error == "" {
		t.Errorf("POST /api/v1/execute answered %d without an \"error\" field: %s", status, shorten(string(data), 2000))
	}
	return status, r
}

// execute posts req to the shared server.
func execute(t testing.TB, req any) (int, *Response) {
	t.Helper()
	return executeOn(t, srv, req)
}

// mustExecute posts req to the shared server and requires a 200.
func mustExecute(t testing.TB, req any) *Response {
	t.Helper()
	status, r := execute(t, req)
	if status != http.StatusOK {
		t.Fatalf("POST /api/v1/execute: want 200, got %d: %s", status, shorten(string(r.raw), 2000))
	}
	return r
}

// expectStatus fails the test unless r's status is want.
func expectStatus(t testing.TB, r *Response, want string) {
	t.Helper()
	if r.Status != want {
		t.Fatalf("want status %s, got %s", want, r)
	}
}

// duration parses one of the response's duration strings.
func duration(t testing.TB, field, s string) time.Duration {
	t.Helper()
	d, err := time.ParseDuration(s)
	if err != nil {
		t.Fatalf("field %s = %q is not a Go duration: %v", field, s, err)
	}
	return d
}

// single builds a one-file request.
func single(lang, entry, src string) Request {
	return Request{Language: lang, Entrypoint: entry, Files: []File{{Name: entry, Content: src}}}
}

func python(src string) Request { return single("python3", "main.py", src) }
func bash(src string) Request   { return single("bash", "main.sh", src) }
func cProgram(src string) Request {
	return single("c", "main.c", src)
}

// jsonOutput decodes the JSON a program printed as the last line of stdout.
func jsonOutput(t testing.TB, r *Response, v any) {
	t.Helper()
	out := strings.TrimSpace(r.Stdout)
	if i := strings.LastIndexByte(out, '\n'); i >= 0 {
		out = out[i+1:]
	}
	if err := json.Unmarshal([]byte(out), v); err != nil {
		t.Fatalf("the program's output is not the JSON expected (%v): %s", err, r)
	}
}

var errNoRuntimes = errors.New("no runtimes")

var (
	runtimesOnce sync.Once
	runtimesList []RuntimeInfo
	runtimesErr  error
)

// RuntimeInfo is one element of GET /api/v1/runtimes.
type RuntimeInfo struct {
	Language string   `json:"language"`
	Version  string   `json:"version"`
	Aliases  []string `json:"aliases"`
	Compiled bool     `json:"compiled"`
}

// runtimes fetches GET /api/v1/runtimes once.
func runtimes(t testing.TB) []RuntimeInfo {
	t.Helper()
	runtimesOnce.Do(func() {
		resp, err := client.Get(srv.baseURL + "/api/v1/runtimes")
		if err != nil {
			runtimesErr = err
			return
		}
		defer resp.Body.Close()
		data, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			runtimesErr = fmt.Errorf("GET /api/v1/runtimes answered %d: %s", resp.StatusCode, data)
			return
		}
		if err := json.Unmarshal(data, &runtimesList); err != nil {
			runtimesErr = fmt.Errorf("GET /api/v1/runtimes: %v: %s", err, shorten(string(data), 2000))
			return
		}
		if len(runtimesList) == 0 {
			runtimesErr = fmt.Errorf("GET /api/v1/runtimes: %w: %s", errNoRuntimes, data)
		}
	})
	if runtimesErr != nil {
		t.Fatalf("%v", runtimesErr)
	}
	return runtimesList
}

// requireRuntime fails the test when lang is not installed on the server.
func requireRuntime(t testing.TB, lang string) RuntimeInfo {
	t.Helper()
	var names []string
	for _, rt := range runtimes(t) {
		if rt.Language == lang {
			return rt
		}
		names = append(names, rt.Language)
	}
	t.Fatalf("runtime %s is not installed: run scripts/setup.sh (GET /api/v1/runtimes lists %v)", lang, names)
	return RuntimeInfo{}
}
