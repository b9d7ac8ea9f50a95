package bench

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coderacer/coderacer/test/testserver"
)

// ---- talking to the server ----

// httpClient keeps connections alive (the throughput benchmark has four
// clients at once) and never goes through a proxy.
var httpClient = &http.Client{
	Timeout:   testserver.RequestTimeout,
	Transport: &http.Transport{MaxIdleConns: 16, MaxIdleConnsPerHost: 16, IdleConnTimeout: time.Minute},
}

// request builds a one-file POST /api/v1/execute body.
func request(lang, entry, src string) []byte {
	body, err := json.Marshal(map[string]any{
		"language": lang, "entrypoint": entry,
		"files": []map[string]string{{"name": entry, "content": src}},
	})
	if err != nil {
		panic(err)
	}
	return body
}

// post sends body to /api/v1/execute and returns the answer and the round
// trip as the client saw it: from sending the request to having read the
// whole answer. The answer must be a 200 with status OK and stdout want.
func post(body []byte, want string) (*testserver.TimedResponse, time.Duration, error) {
	start := time.Now()
	resp, err := httpClient.Post(baseURL+"/api/v1/execute", "application/json", bytes.NewReader(body))
	if err != nil {
		return nil, 0, err
	}
	data, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	elapsed := time.Since(start)
	if err != nil {
		return nil, 0, err
	}
	var r testserver.TimedResponse
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, 0, fmt.Errorf("answer %d is not JSON (%v): %s", resp.StatusCode, err, testserver.Shorten(string(data), 500))
	}
	if resp.StatusCode != http.StatusOK || r.Status != "OK" || r.Stdout != want {
		return nil, 0, fmt.Errorf("answer %d, want status OK and stdout %q: %s", resp.StatusCode, want, testserver.Shorten(string(data), 1500))
	}
	return &r, elapsed, nil
}

// mustPost is post that fails the benchmark on error.
func mustPost(b *testing.B, body []byte, want string) (*testserver.TimedResponse, time.Duration) {
	b.Helper()
	r, d, err := post(body, want)
	if err != nil {
		b.Fatalf("POST /api/v1/execute: %v", err)
	}
	return r, d
}

// ---- the bare side ----

// bareRun runs argv in dir with env (nil: the test's own) and checks that
// it printed want; it returns how long that took, start to exit.
func bareRun(dir string, env []string, want string, argv ...string) (time.Duration, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Env = env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	out, err := cmd.Output()
	elapsed := time.Since(start)
	if err != nil || (want != "" && string(out) != want) {
		return 0, fmt.Errorf("%s: %v, stdout %q, stderr %q", strings.Join(argv, " "), err, out, testserver.Shorten(stderr.String(), 1500))
	}
	return elapsed, nil
}

// runtimeFile is what the bare side takes of a runtimes/*.json file, so
// that it runs the very commands and environment the engine runs.
type runtimeFile struct {
	Compile  []string `json:"compile"`
	Artifact string   `json:"artifact"`
	Run      []string `json:"run"`
	Env      []string `json:"env"`
}

// bareToolchain is a runtime's compile and run commands rewritten for a
// host directory: the sandbox's /w is dir, its /tmp is dir/tmp.
type bareToolchain struct {
	Dir     string
	Compile []string
	Run     []string
	Env     []string
}

// loadBareToolchain reads runtimes/<lang>.json of the repository and
// rewrites it for dir (created, with dir/tmp) and the single source file
// entry. The environment is the engine's base environment (see baseEnv in
// internal/engine) plus the runtime's, with paths moved under dir.
func loadBareToolchain(lang, dir, entry string) (*bareToolchain, error) {
	root, err := testserver.RepoRoot()
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(filepath.Join(root, "runtimes", lang+".json"))
	if err != nil {
		return nil, err
	}
	var rf runtimeFile
	if err := json.Unmarshal(data, &rf); err != nil {
		return nil, fmt.Errorf("runtimes/%s.json: %v", lang, err)
	}
	if len(rf.Compile) == 0 || len(rf.Run) == 0 {
		return nil, fmt.Errorf("runtimes/%s.json has no compile or run command", lang)
	}
	if err := os.MkdirAll(filepath.Join(dir, "tmp"), 0o755); err != nil {
		return nil, err
	}
	path := func(p string) string {
		switch {
		case p == "/w" || strings.HasPrefix(p, "/w/"):
			return dir + p[len("/w"):]
		case p == "/tmp" || strings.HasPrefix(p, "/tmp/"):
			return filepath.Join(dir, "tmp") + p[len("/tmp"):]
		}
		return p
	}
	expand := func(tmpl []string) []string {
		var out []string
		for _, a := range tmpl {
			if a == "{options}" { // the request's compilerOptions: none here, as in the engine's requests
				continue
			}
			a = strings.ReplaceAll(a, "{sources}", entry)
			a = strings.ReplaceAll(a, "{entrypointStem}", strings.TrimSuffix(entry, filepath.Ext(entry)))
			a = strings.ReplaceAll(a, "{entrypoint}", entry)
			out = append(out, path(a))
		}
		return out
	}
	tmp := filepath.Join(dir, "tmp")
	env := []string{"PATH=/usr/bin:/bin", "HOME=" + tmp, "TMPDIR=" + tmp, "LANG=C.UTF-8", "LC_ALL=C.UTF-8"}
	for _, kv := range rf.Env {
		k, v, _ := strings.Cut(kv, "=")
		env = append(env, k+"="+path(v))
	}
	return &bareToolchain{Dir: dir, Compile: expand(rf.Compile), Run: expand(rf.Run), Env: env}, nil
}

// compileAndRun writes src as entry, compiles it and runs the result,
// which must print want; it returns the time of the whole and of the
// compiler alone.
func (t *bareToolchain) compileAndRun(entry, src, want string) (total, compile time.Duration, err error) {
	start := time.Now()
	if err := os.WriteFile(filepath.Join(t.Dir, entry), []byte(src), 0o644); err != nil {
		return 0, 0, err
	}
	compile, err = bareRun(t.Dir, t.Env, "", t.Compile...)
	if err != nil {
		return 0, 0, err
	}
	if _, err := bareRun(t.Dir, t.Env, want, t.Run...); err != nil {
		return 0, 0, err
	}
	return time.Since(start), compile, nil
}

// ---- statistics ----

// reportMedians reports the medians of the engine's and the bare side's
// times and returns them.
func reportMedians(b *testing.B, engine, bare []time.Duration) (time.Duration, time.Duration) {
	ma, mb := median(engine), median(bare)
	b.ReportMetric(ms(ma), "api-median-ms")
	b.ReportMetric(ms(mb), "bare-median-ms")
	return ma, mb
}

func median(d []time.Duration) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}

func medianFloat(f []float64) float64 {
	if len(f) == 0 {
		return 0
	}
	s := slices.Clone(f)
	slices.Sort(s)
	return s[len(s)/2]
}

// ms is d in milliseconds, to the microsecond.
func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// interleave runs both sides, the engine first in even iterations and the
// bare side first in odd ones, so that neither always runs right after the
// other (warm caches, a CPU just freed).
func interleave(i int, engine, bare func()) {
	if i%2 == 0 {
		engine()
		bare()
	} else {
		bare()
		engine()
	}
}

// interleaveLoop runs b's iterations, pairs samples of each side in every
// one, in interleave's order.
func interleaveLoop(b *testing.B, pairs int, engine, bare func()) {
	i := 0
	for b.Loop() {
		for range pairs {
			interleave(i, engine, bare)
			i++
		}
	}
}

func parseDur(s string) time.Duration {
	d, _ := time.ParseDuration(s)
	return d
}

// samples collect the engine side of a benchmark: the client's round trip
// and, from the answers, the stages' times.
type samples struct {
	roundTrip   []time.Duration
	wall        []time.Duration // run stage: the program's wall time
	compileWall []time.Duration // compile stage: the compiler's wall time (0 if cached)
	cached      int             // answers whose compile stage was a cache hit
	compiled    int             // answers with a compile stage
	// From "timings", when the server sends it.
	queue, prep, compileStage, runStage, setup, collect, outside []time.Duration
}

func (s *samples) add(r *testserver.TimedResponse, rt time.Duration) {
	s.roundTrip = append(s.roundTrip, rt)
	s.wall = append(s.wall, parseDur(r.WallTime))
	var compileWall time.Duration
	if r.Compile != nil {
		s.compiled++
		if r.Compile.Cached {
			s.cached++
		}
		compileWall = parseDur(r.Compile.WallTime)
		s.compileWall = append(s.compileWall, compileWall)
	}
	if t := r.Timings; t != nil {
		q, p, c, run := parseDur(t.Queue), parseDur(t.Preparation), parseDur(t.Compile), parseDur(t.Run)
		s.queue = append(s.queue, q)
		s.prep = append(s.prep, p)
		s.compileStage = append(s.compileStage, c)
		s.runStage = append(s.runStage, run)
		s.setup = append(s.setup, parseDur(t.Setup))
		s.collect = append(s.collect, parseDur(t.Collection))
		s.outside = append(s.outside, rt-q-p-c-run)
	}
}

// withoutCompile is every round trip less its compile stage (the engine's
// timings.compile when given, else compile.wallTime).
func (s *samples) withoutCompile() []time.Duration {
	out := make([]time.Duration, len(s.roundTrip))
	for i, rt := range s.roundTrip {
		switch {
		case len(s.compileStage) == len(s.roundTrip):
			rt -= s.compileStage[i]
		case len(s.compileWall) == len(s.roundTrip):
			rt -= s.compileWall[i]
		}
		out[i] = rt
	}
	return out
}

// report adds the engine side's breakdown to the benchmark's metrics.
func (s *samples) report(b *testing.B) {
	b.ReportMetric(ms(median(s.wall)), "run-wall-ms")
	if s.compiled > 0 {
		b.ReportMetric(ms(median(s.compileWall)), "compile-wall-ms")
		b.ReportMetric(float64(s.cached)/float64(s.compiled), "cached-fraction")
	}
	if len(s.queue) > 0 {
		b.ReportMetric(ms(median(s.queue)), "queue-ms")
		b.ReportMetric(ms(median(s.prep)), "prep-ms")
		if s.compiled > 0 {
			b.ReportMetric(ms(median(s.compileStage)), "compile-stage-ms")
		}
		b.ReportMetric(ms(median(s.runStage)), "run-stage-ms")
		b.ReportMetric(ms(median(s.setup)), "setup-ms")
		b.ReportMetric(ms(median(s.collect)), "collect-ms")
		b.ReportMetric(ms(median(s.outside)), "http-ms")
	}
}

// breakdown describes the engine side's medians for the summary.
func (s *samples) breakdown() string {
	var parts []string
	if s.compiled > 0 {
		parts = append(parts, fmt.Sprintf("compile.wallTime %.1f ms, cached %d/%d", ms(median(s.compileWall)), s.cached, s.compiled))
	}
	parts = append(parts, fmt.Sprintf("run wallTime %.1f ms", ms(median(s.wall))))
	if len(s.queue) > 0 {
		parts = append(parts, fmt.Sprintf("queue %.1f, prep %.1f, setup %.1f, collect %.1f, outside the engine %.1f ms",
			ms(median(s.queue)), ms(median(s.prep)), ms(median(s.setup)), ms(median(s.collect)), ms(median(s.outside))))
	}
	return strings.Join(parts, "; ")
}

// ---- memory of a process tree ----

// treeMemory is the memory of a process and all its descendants.
type treeMemory struct {
	Processes int
	RSSKiB    int64 // sum of VmRSS: shared pages counted once per process
	PSSKiB    int64 // sum of Pss (smaps_rollup): shared pages divided among their users
	RootRSS   int64 // VmRSS of the root process alone, KiB
}

func mib(kib int64) float64 { return float64(kib) / 1024 }

// descendants returns root and every process below it, from the parent
// pids of /proc/*/stat.
func descendants(root int) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return []int{root}
	}
	children := map[int][]int{}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		data, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...; comm may hold spaces and parentheses.
		i := bytes.LastIndexByte(data, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(data[i+1:]))
		if len(f) < 2 {
			continue
		}
		ppid, _ := strconv.Atoi(f[1])
		children[ppid] = append(children[ppid], pid)
	}
	out := []int{root}
	for i := 0; i < len(out); i++ {
		out = append(out, children[out[i]]...)
	}
	return out
}

// kibField returns the value of "name: N kB" in a /proc file.
func kibField(path, name string) int64 {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(data)) {
		if rest, ok := strings.CutPrefix(line, name+":"); ok {
			f := strings.Fields(rest)
			if len(f) > 0 {
				n, _ := strconv.ParseInt(f[0], 10, 64)
				return n
			}
		}
	}
	return 0
}

// measureTree sums the memory of root and its descendants.
func measureTree(root int) treeMemory {
	var m treeMemory
	for _, pid := range descendants(root) {
		dir := filepath.Join("/proc", strconv.Itoa(pid))
		rss := kibField(filepath.Join(dir, "status"), "VmRSS")
		m.Processes++
		m.RSSKiB += rss
		m.PSSKiB += kibField(filepath.Join(dir, "smaps_rollup"), "Pss")
		if pid == root {
			m.RootRSS = rss
		}
	}
	return m
}
