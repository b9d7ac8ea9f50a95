package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coderacer/coderacer/internal/engine"
	"github.com/coderacer/coderacer/test/bench/scalecurve"
	"github.com/coderacer/coderacer/test/testserver"
)

// The scale curve (issue 19): throughput and latency of python3 hellos
// against the number of concurrent clients, on the shared server (its
// default queue), with the bare side at the same concurrency in the same
// run. scripts/plotscale draws the JSON it writes (make bench-scale).

var (
	scaleClients = flag.String("bench.scaleclients", "1,2,4,8,16,64,128", "concurrent clients of each point of BenchmarkScaleCurve, comma-separated")
	scaleWindow  = flag.Duration("bench.scalewindow", 3*time.Second, "duration of each side's window in one round of a point of BenchmarkScaleCurve")
	scaleRounds  = flag.Int("bench.scalerounds", 3, "rounds per point of BenchmarkScaleCurve (each is a window of each side, interleaved)")
	scaleOut     = flag.String("bench.scaleout", "", "write BenchmarkScaleCurve's points as JSON to this file (for scripts/plotscale); empty: not written")
	scaleHonour  = flag.Bool("bench.scaleretryafter", true, "clients of BenchmarkScaleCurve wait a 503's Retry-After before their next request; false: they retry at once (a flood)")
)

// scaleHTTP keeps a connection alive for each client of the largest point
// (the shared client keeps 16), so that no point pays for new connections.
var scaleHTTP = &http.Client{
	Timeout:   testserver.RequestTimeout,
	Transport: &http.Transport{MaxIdleConns: 1024, MaxIdleConnsPerHost: 1024, IdleConnTimeout: time.Minute},
}

// outcome is how one request of the engine side ended.
type outcome int

const (
	outcomeOK        outcome = iota // 200, status OK, the expected stdout
	outcomeQueueFull                // 503, the execution queue is full
	outcomeOther                    // anything else: a failure of the curve
)

// classify tells what an answer of POST /api/v1/execute was.
func classify(code int, body []byte, want string) outcome {
	if code == http.StatusServiceUnavailable && bytes.Contains(body, []byte("execution queue is full")) {
		return outcomeQueueFull
	}
	var r struct {
		Status string `json:"status"`
		Stdout string `json:"stdout"`
	}
	if code == http.StatusOK && json.Unmarshal(body, &r) == nil && r.Status == "OK" && r.Stdout == want {
		return outcomeOK
	}
	return outcomeOther
}

// retryAfter is a 503's Retry-After in whole seconds, 1 s when missing
// or unreadable, at most 10 s.
func retryAfter(h http.Header) time.Duration {
	n, err := strconv.Atoi(strings.TrimSpace(h.Get("Retry-After")))
	if err != nil || n < 1 {
		return time.Second
	}
	return time.Duration(min(n, 10)) * time.Second
}

// roundStats is what one side's round of a point saw.
type roundStats struct {
	ok, full, other int
	elapsed         time.Duration   // until the last client finished its last request
	latency         []time.Duration // of the completed requests
	refused         []time.Duration // round trips of the 503s
	firstErr        string
}

// merge adds what a client saw to the round's stats.
func (s *roundStats) merge(c *roundStats) {
	s.ok += c.ok
	s.full += c.full
	s.other += c.other
	s.latency = append(s.latency, c.latency...)
	s.refused = append(s.refused, c.refused...)
	if s.firstErr == "" {
		s.firstErr = c.firstErr
	}
}

// runClients runs client on n goroutines until d has passed; each returns
// its own stats, merged into the round's.
func runClients(n int, d time.Duration, client func(ctx context.Context, s *roundStats)) roundStats {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var (
		mu  sync.Mutex
		all roundStats
		wg  sync.WaitGroup
	)
	start := time.Now()
	for range n {
		wg.Go(func() {
			var s roundStats
			client(ctx, &s)
			mu.Lock()
			all.merge(&s)
			mu.Unlock()
		})
	}
	wg.Wait()
	all.elapsed = time.Since(start)
	return all
}

// pause waits d or until ctx ends.
func pause(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// engineClient posts body back to back until ctx ends. A 503 "queue
// full" is waited out (its Retry-After, unless -bench.scaleretryafter is
// false); any other failure is counted and followed by a 10 ms pause, so
// that a broken server does not turn the client into a busy loop.
func engineClient(ctx context.Context, s *roundStats, body []byte) {
	for ctx.Err() == nil {
		start := time.Now()
		resp, err := scaleHTTP.Post(baseURL+"/api/v1/execute", "application/json", bytes.NewReader(body))
		if err != nil {
			s.fail(err.Error())
			pause(ctx, 10*time.Millisecond)
			continue
		}
		data, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		took := time.Since(start)
		if err != nil {
			s.fail(err.Error())
			pause(ctx, 10*time.Millisecond)
			continue
		}
		switch classify(resp.StatusCode, data, "hi\n") {
		case outcomeOK:
			s.ok++
			s.latency = append(s.latency, took)
		case outcomeQueueFull:
			s.full++
			s.refused = append(s.refused, took)
			if *scaleHonour {
				pause(ctx, retryAfter(resp.Header))
			}
		default:
			s.fail(fmt.Sprintf("answer %d: %s", resp.StatusCode, testserver.Shorten(string(data), 300)))
			pause(ctx, 10*time.Millisecond)
		}
	}
}

func (s *roundStats) fail(msg string) {
	s.other++
	if s.firstErr == "" {
		s.firstErr = msg
	}
}

// bareClient starts python3 -c 'print("hi")' back to back until ctx ends.
func bareClient(ctx context.Context, s *roundStats) {
	for ctx.Err() == nil {
		d, err := bareRun("", nil, "hi\n", "/usr/bin/python3", "-c", pythonHello)
		if err != nil {
			s.fail(err.Error())
			pause(ctx, 10*time.Millisecond)
			continue
		}
		s.ok++
		s.latency = append(s.latency, d)
	}
}

// ---- the points ----

// The curve's format lives in scalecurve, which scripts/plotscale reads.
type (
	scalePoint = scalecurve.Point
	scaleCurve = scalecurve.Curve
)

// percentile is the nearest-rank p-th percentile (0 < p ≤ 100) of d: the
// smallest value that at least p% of d do not exceed; 0 for no values.
func percentile(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	rank := int(math.Ceil(p / 100 * float64(len(s))))
	return s[min(max(rank, 1), len(s))-1]
}

// pointFrom sums up a point's rounds: rates are medians over rounds, the
// percentiles are of every request of all rounds (one round is too short
// for a p99 at one client).
func pointFrom(clients int, eng, bare []roundStats) scalePoint {
	p := scalePoint{Clients: clients}
	var lat, refused, bareLat []time.Duration
	var window time.Duration
	for _, r := range eng {
		p.RoundsPerS = append(p.RoundsPerS, perSecond(r.ok, r.elapsed))
		p.Completed += r.ok
		p.QueueFull += r.full
		p.OtherErrors += r.other
		if p.FirstError == "" {
			p.FirstError = r.firstErr
		}
		lat = append(lat, r.latency...)
		refused = append(refused, r.refused...)
		window += r.elapsed
	}
	var bareRates []float64
	for _, r := range bare {
		bareRates = append(bareRates, perSecond(r.ok, r.elapsed))
		p.BareErrors += r.other
		bareLat = append(bareLat, r.latency...)
	}
	p.PerS, p.BarePerS = medianFloat(p.RoundsPerS), medianFloat(bareRates)
	p.P50Ms, p.P99Ms = ms(percentile(lat, 50)), ms(percentile(lat, 99))
	p.BareP50Ms, p.BareP99Ms = ms(percentile(bareLat, 50)), ms(percentile(bareLat, 99))
	p.QueueFullPerS = perSecond(p.QueueFull, window)
	p.RefusedP50Ms = ms(percentile(refused, 50))
	return p
}

func perSecond(n int, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(n) / d.Seconds()
}

// parseClients reads -bench.scaleclients: positive counts, comma-separated.
func parseClients(s string) ([]int, error) {
	var out []int
	for f := range strings.SplitSeq(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 || n > 4096 {
			return nil, fmt.Errorf("-bench.scaleclients %q: %q is not a count of clients (1 to 4096)", s, f)
		}
		out = append(out, n)
	}
	return out, nil
}

// writeCurve writes c as indented JSON to path.
func writeCurve(path string, c scaleCurve) error {
	data, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(data, '\n'), 0o644)
}

// ---- the benchmark ----

// runPoint measures one point: -bench.scalerounds rounds, each a
// -bench.scalewindow of n clients posting a python3 hello to the shared
// server and one of n bare workers starting python3 -c, interleaved
// (which side goes first alternates with the round and the point).
func runPoint(k, n int, body []byte) scalePoint {
	var eng, bare []roundStats
	for r := range max(*scaleRounds, 1) {
		interleave(k+r, func() {
			eng = append(eng, runClients(n, *scaleWindow, func(ctx context.Context, s *roundStats) { engineClient(ctx, s, body) }))
		}, func() {
			bare = append(bare, runClients(n, *scaleWindow, bareClient))
		})
	}
	return pointFrom(n, eng, bare)
}

// BenchmarkScaleCurve measures the curve once, whatever -benchtime (its
// length is the points × -bench.scalerounds × 2 × -bench.scalewindow),
// reports the peak and the largest point, and writes every point to
// -bench.scaleout. Clients above the server's parallelism + queue size
// must get 503s, and only they; no other error is allowed anywhere.
func BenchmarkScaleCurve(b *testing.B) {
	clients, err := parseClients(*scaleClients)
	if err != nil {
		b.Fatal(err)
	}
	body := request("python3", "main.py", pythonHello)
	mustPost(b, body, "hi\n") // warm-up
	curve := scaleCurve{
		Job: `python3 print("hi")`, Date: time.Now().UTC().Format(time.RFC3339), Machine: machine(), LoadBefore: loadAvg(),
		Parallelism: runtime.NumCPU(), QueueSize: engine.DefaultQueueSize, // TestMain's server: CODERACER_QUEUE_SIZE unset
		Window: scaleWindow.String(), Rounds: max(*scaleRounds, 1), RetryAfter: *scaleHonour,
	}
	for k, n := range clients {
		p := runPoint(k, n, body)
		b.Logf("%d clients: %.1f /s (bare %.1f), p50 %.1f ms, p99 %.1f ms (bare %.1f), 503 %d (%.1f /s, answered in %.2f ms), other errors %d %s",
			n, p.PerS, p.BarePerS, p.P50Ms, p.P99Ms, p.BareP99Ms, p.QueueFull, p.QueueFullPerS, p.RefusedP50Ms, p.OtherErrors, p.FirstError)
		curve.Points = append(curve.Points, p)
	}
	curve.LoadAfter = loadAvg()
	if *scaleOut != "" {
		if err := writeCurve(*scaleOut, curve); err != nil {
			b.Error(err)
		}
	}
	for b.Loop() { // one measurement, whatever -benchtime: see above
	}
	reportCurve(b, curve)
}

// curveProblems checks the curve: no error but 503s anywhere, no 503
// while the clients fit in the server's room (parallelism + queue), 503s
// past it, and no collapse there: past the room, the engine's rate over
// the bare side's in the same moments stays ≥ 0.8× its median over the
// saturated points within the room (from parallelism clients on). The
// comparison is with the bare side, not with the peak, because the
// machine is shared: its drift between points moves both sides.
func curveProblems(c scaleCurve) []string {
	room := c.Parallelism + c.QueueSize
	var saturated []float64
	for _, p := range c.Points {
		if p.Clients >= c.Parallelism && p.Clients <= room && p.Ratio() > 0 {
			saturated = append(saturated, p.Ratio())
		}
	}
	ref := medianFloat(saturated)
	var problems []string
	for _, p := range c.Points {
		if p.OtherErrors > 0 || p.BareErrors > 0 {
			problems = append(problems, fmt.Sprintf("%d clients: %d errors, %d bare (%s)", p.Clients, p.OtherErrors, p.BareErrors, p.FirstError))
		}
		switch {
		case p.Clients <= room && p.QueueFull > 0:
			problems = append(problems, fmt.Sprintf("%d clients: %d 503s within the server's room (%d)", p.Clients, p.QueueFull, room))
		case p.Clients > room && p.QueueFull == 0:
			problems = append(problems, fmt.Sprintf("%d clients, past the server's room (%d): no 503", p.Clients, room))
		case p.Clients > room && p.Ratio() < 0.8*ref:
			problems = append(problems, fmt.Sprintf("%d clients, past the server's room: %.2f of bare, against %.2f when saturated within it", p.Clients, p.Ratio(), ref))
		}
	}
	return problems
}

// reportCurve reports the peak and the largest point, checks the curve
// and records the summary's row.
func reportCurve(b *testing.B, c scaleCurve) {
	capacity := c.Parallelism + c.QueueSize
	var peak, barePeak scalePoint
	for _, p := range c.Points {
		if p.PerS > peak.PerS {
			peak = p
		}
		if p.BarePerS > barePeak.BarePerS {
			barePeak = p
		}
	}
	problems := curveProblems(c)
	last := c.Points[len(c.Points)-1]
	for _, m := range []struct {
		v    float64
		unit string
	}{{peak.PerS, "peak-per-s"}, {barePeak.BarePerS, "bare-peak-per-s"}, {last.PerS, "last-per-s"},
		{last.P99Ms, "last-p99-ms"}, {float64(last.QueueFull), "last-503s"}, {0, "ns/op"}} {
		b.ReportMetric(m.v, m.unit)
	}
	for _, p := range problems {
		b.Error(p)
	}
	record("scale", row{
		engine: fmt.Sprintf("peak %.1f /s (%d clients)", peak.PerS, peak.Clients),
		bare:   fmt.Sprintf("peak %.1f /s (%d)", barePeak.BarePerS, barePeak.Clients),
		value: fmt.Sprintf("%d clients: %.1f /s (%.2f of bare), p99 %.0f ms, %d 503s (%.1f /s)",
			last.Clients, last.PerS, last.Ratio(), last.P99Ms, last.QueueFull, last.QueueFullPerS),
		met: len(problems) == 0,
		detail: strings.Join(append([]string{fmt.Sprintf("%d rounds of %s per side per point; room %d (%d slots + queue %d)",
			c.Rounds, c.Window, capacity, c.Parallelism, c.QueueSize)}, problems...), "; "),
	})
}

// ---- the helpers' own tests (no server; they run in go test ./...) ----

func TestPercentileNearestRank(t *testing.T) {
	var d []time.Duration
	for i := 100; i >= 1; i-- { // 100 ms down to 1 ms: the order must not matter
		d = append(d, time.Duration(i)*time.Millisecond)
	}
	for _, c := range []struct {
		p    float64
		want time.Duration
	}{{50, 50 * time.Millisecond}, {99, 99 * time.Millisecond}, {100, 100 * time.Millisecond}, {0.1, time.Millisecond}} {
		if got := percentile(d, c.p); got != c.want {
			t.Errorf("percentile(1..100 ms, %v) = %v, want %v", c.p, got, c.want)
		}
	}
	if got := percentile([]time.Duration{7}, 99); got != 7 {
		t.Errorf("percentile of one value = %v", got)
	}
	if got := percentile(nil, 99); got != 0 {
		t.Errorf("percentile of nothing = %v", got)
	}
	if d[0] != 100*time.Millisecond {
		t.Error("percentile sorted its argument in place")
	}
}

func TestClassifyAnswers(t *testing.T) {
	for _, c := range []struct {
		code int
		body string
		want outcome
	}{
		{200, `{"status":"OK","stdout":"hi\n"}`, outcomeOK},
		{200, `{"status":"OK","stdout":"ho\n"}`, outcomeOther},
		{200, `{"status":"TLE","stdout":"hi\n"}`, outcomeOther},
		{200, `not json`, outcomeOther},
		{503, `{"error":"server busy: execution queue is full, retry later"}`, outcomeQueueFull},
		{503, `{"error":"server busy: request bodies being read hold 8 of the 8 bytes allowed, retry later"}`, outcomeOther},
		{500, `{"error":"internal error"}`, outcomeOther},
	} {
		if got := classify(c.code, []byte(c.body), "hi\n"); got != c.want {
			t.Errorf("classify(%d, %s) = %d, want %d", c.code, c.body, got, c.want)
		}
	}
}

func TestRetryAfterAndClients(t *testing.T) {
	for v, want := range map[string]time.Duration{"": time.Second, "3": 3 * time.Second, "0": time.Second, "x": time.Second, "3600": 10 * time.Second} {
		if got := retryAfter(http.Header{"Retry-After": {v}}); got != want {
			t.Errorf("retryAfter(%q) = %v, want %v", v, got, want)
		}
	}
	if got, err := parseClients("1, 2,64"); err != nil || !slices.Equal(got, []int{1, 2, 64}) {
		t.Errorf("parseClients = %v, %v", got, err)
	}
	for _, bad := range []string{"", "0", "1,,2", "-1", "two", "5000"} {
		if _, err := parseClients(bad); err == nil {
			t.Errorf("parseClients(%q) accepted", bad)
		}
	}
}

func TestPointFromRounds(t *testing.T) {
	ms := func(v ...int) []time.Duration {
		var d []time.Duration
		for _, x := range v {
			d = append(d, time.Duration(x)*time.Millisecond)
		}
		return d
	}
	eng := []roundStats{
		{ok: 10, full: 2, elapsed: time.Second, latency: ms(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), refused: ms(1, 3)},
		{ok: 30, other: 1, firstErr: "boom", elapsed: time.Second, latency: ms(100)},
		{ok: 20, elapsed: 2 * time.Second},
	}
	bare := []roundStats{{ok: 40, elapsed: time.Second, latency: ms(5, 6)}, {ok: 50, elapsed: time.Second, other: 2}}
	p := pointFrom(4, eng, bare)
	want := scalePoint{Clients: 4, PerS: 10, RoundsPerS: []float64{10, 30, 10}, P50Ms: 6, P99Ms: 100, Completed: 60,
		QueueFull: 2, QueueFullPerS: 0.5, RefusedP50Ms: 1, OtherErrors: 1, FirstError: "boom",
		BarePerS: 50, BareP50Ms: 5, BareP99Ms: 6, BareErrors: 2}
	got, _ := json.Marshal(p)
	exp, _ := json.Marshal(want)
	if !bytes.Equal(got, exp) {
		t.Errorf("pointFrom =\n%s\nwant\n%s", got, exp)
	}
}

func TestCurveProblems(t *testing.T) {
	c := scaleCurve{Parallelism: 2, QueueSize: 64, Points: []scalePoint{
		{Clients: 1, PerS: 50, BarePerS: 60},
		{Clients: 2, PerS: 90, BarePerS: 100},                  // 0.9
		{Clients: 4, PerS: 85, BarePerS: 100},                  // 0.85
		{Clients: 64, PerS: 50, BarePerS: 50},                  // 1.0: the machine got busy
		{Clients: 128, PerS: 45, BarePerS: 60, QueueFull: 100}, // 0.75 ≥ 0.8 × 0.9
	}}
	if p := curveProblems(c); len(p) != 0 {
		t.Errorf("a sound curve: %q", p)
	}
	c.Points[4].PerS = 40 // 0.67 < 0.72: a collapse
	c.Points[3].QueueFull = 1
	c.Points[1].OtherErrors, c.Points[1].FirstError = 3, "EOF"
	p := curveProblems(c)
	if len(p) != 3 || !strings.Contains(p[0], "3 errors") || !strings.Contains(p[1], "within the server's room") || !strings.Contains(p[2], "0.67 of bare") {
		t.Errorf("problems %q", p)
	}
	c.Points[4].QueueFull = 0
	if p := curveProblems(c); len(p) != 3 || !strings.Contains(p[2], "no 503") {
		t.Errorf("no 503 past the room: %q", p)
	}
}
