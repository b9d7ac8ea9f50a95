package e2e

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/coderacer/coderacer/test/testserver"
)

// scrape reads GET /metrics of the shared server with Prometheus's own
// text parser.
func scrape(t *testing.T) map[string]*dto.MetricFamily {
	t.Helper()
	code, header, body := testserver.Do(t, srv, http.MethodGet, "/metrics", nil)
	if code != http.StatusOK {
		t.Fatalf("GET /metrics: %d %s", code, body)
	}
	if ct := header.Get("Content-Type"); !bytes.HasPrefix([]byte(ct), []byte("text/plain")) {
		t.Errorf("GET /metrics Content-Type %q, want the text format", ct)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("parse /metrics: %v\n%s", err, testserver.Shorten(string(body), 2000))
	}
	return families
}

// value is the value of the series of family with exactly these labels
// (a counter's, a gauge's, or a histogram's count), 0 when absent.
func value(families map[string]*dto.MetricFamily, family string, labels map[string]string) float64 {
	f, ok := families[family]
	if !ok {
		return 0
	}
	for _, m := range f.GetMetric() {
		if !sameLabels(m.GetLabel(), labels) {
			continue
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue()
		case m.Gauge != nil:
			return m.Gauge.GetValue()
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount())
		}
	}
	return 0
}

func sameLabels(got []*dto.LabelPair, want map[string]string) bool {
	if len(got) != len(want) {
		return false
	}
	for _, l := range got {
		if want[l.GetName()] != l.GetValue() {
			return false
		}
	}
	return true
}

func TestMetrics(t *testing.T) {
	before := scrape(t)
	ok := mustExecute(t, testserver.Python(`print("hi")`))
	testserver.ExpectStatus(t, ok, "OK")
	re := mustExecute(t, testserver.Python(`raise SystemExit(3)`))
	testserver.ExpectStatus(t, re, "RE")
	// The same C program twice: a compile, then a compile-cache hit.
	c := testserver.C("#include <stdio.h>\nint main(void){puts(\"" + testserver.RandomHex(8) + "\");}")
	testserver.ExpectStatus(t, mustExecute(t, c), "OK")
	testserver.ExpectStatus(t, mustExecute(t, c), "OK")
	code, _, body := testserver.Do(t, srv, http.MethodPost, "/api/v2/execute",
		[]byte(`{"language":"python3","version":"*","files":[{"content":"print(1)"}]}`))
	if code != http.StatusOK {
		t.Fatalf("POST /api/v2/execute: %d %s", code, body)
	}
	after := scrape(t)

	for _, family := range []string{
		"coderacer_jobs_total", "coderacer_stage_duration_seconds", "coderacer_queue_depth",
		"coderacer_sandboxes", "coderacer_sandboxes_busy", "coderacer_sandboxes_started", "coderacer_compile_cache_hits_total",
		"coderacer_compile_cache_misses_total", "coderacer_compile_cache_bytes",
		"coderacer_sandbox_replacements_total", "coderacer_engine_errors_total",
		"coderacer_http_requests_total", "coderacer_http_request_duration_seconds",
		"coderacer_websocket_sessions_open", "go_goroutines", "process_resident_memory_bytes",
		"coderacer_submissions_queued", "coderacer_submissions_running", "coderacer_submissions_store_up",
	} {
		if _, ok := after[family]; !ok {
			t.Errorf("no family %s in /metrics", family)
		}
	}
	grew := func(family string, labels map[string]string, atLeast float64) {
		t.Helper()
		if d := value(after, family, labels) - value(before, family, labels); d < atLeast {
			t.Errorf("%s%v grew by %v, want at least %v", family, labels, d, atLeast)
		}
	}
	grew("coderacer_jobs_total", map[string]string{"language": "python3", "dialect": "v1", "status": "OK"}, 1)
	grew("coderacer_jobs_total", map[string]string{"language": "python3", "dialect": "v1", "status": "RE"}, 1)
	grew("coderacer_jobs_total", map[string]string{"language": "c", "dialect": "v1", "status": "OK"}, 2)
	grew("coderacer_jobs_total", map[string]string{"language": "python3", "dialect": "piston-v2", "status": "OK"}, 1)
	grew("coderacer_stage_duration_seconds", map[string]string{"stage": "run"}, 5)
	grew("coderacer_stage_duration_seconds", map[string]string{"stage": "compile"}, 1)
	grew("coderacer_compile_cache_hits_total", nil, 1)
	grew("coderacer_http_requests_total", map[string]string{"route": "POST /api/v1/execute", "code": "200"}, 4)
	grew("coderacer_http_requests_total", map[string]string{"route": "GET /metrics", "code": "200"}, 1)

	if got := value(after, "coderacer_sandboxes", nil); got != 2 {
		t.Errorf("coderacer_sandboxes = %v, want the pool's 2", got)
	}
	if busy := value(after, "coderacer_sandboxes_busy", nil); busy < 0 || busy > 2 {
		t.Errorf("coderacer_sandboxes_busy = %v, want 0 to 2", busy)
	}
	if started := value(after, "coderacer_sandboxes_started", nil); started < 1 || started > 2 {
		t.Errorf("coderacer_sandboxes_started = %v, want 1 to 2", started)
	}
	if up := value(after, "coderacer_submissions_store_up", nil); up != 1 {
		t.Errorf("coderacer_submissions_store_up = %v, want 1 (the embedded NATS answers)", up)
	}
	if q := value(after, "coderacer_queue_depth", nil); q < 0 {
		t.Errorf("coderacer_queue_depth = %v", q)
	}
	if rss := value(after, "process_resident_memory_bytes", nil); rss < 1<<20 || rss > 4<<30 {
		t.Errorf("process_resident_memory_bytes = %v, not a server's", rss)
	}
}

// TestMetricsOwnAddress: with CODERACER_METRICS_ADDR the metrics leave the
// API port for an address of their own.
func TestMetricsOwnAddress(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	s, err := testserver.Start(srv.Bin, srv.Root, testserver.Options{Name: "metrics-addr",
		Env: map[string]string{"CODERACER_PARALLELISM": "1", "CODERACER_METRICS_ADDR": addr}})
	if err != nil {
		t.Fatalf("start a server with CODERACER_METRICS_ADDR: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Stop(testserver.StopTimeout); err != nil {
			t.Error(err)
		}
	})
	if err := s.WaitHealthy(testserver.HealthTimeout); err != nil {
		t.Fatalf("the server with CODERACER_METRICS_ADDR: %v\n%s", err, s.LogTail(4096))
	}
	if code, _, body := testserver.Do(t, s, http.MethodGet, "/metrics", nil); code != http.StatusNotFound {
		t.Errorf("GET /metrics on the API port: %d %s, want 404", code, testserver.Shorten(string(body), 200))
	}
	var resp *http.Response
	for range 50 {
		if resp, err = http.Get("http://" + addr + "/metrics"); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("GET /metrics on %s: %v", addr, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !bytes.Contains(body, []byte("coderacer_sandboxes 1")) {
		t.Errorf("GET /metrics on %s: %d, %s", addr, resp.StatusCode, testserver.Shorten(string(body), 300))
	}
}
