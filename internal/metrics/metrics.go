// Package metrics is Code Racer's Prometheus instrumentation: what the API
// layer observes of jobs and requests, and what the engine says of its
// load, read at every scrape. It keeps its own registry (no global state).
package metrics

import (
	"net/http"
	"strconv"
	"time"

	"github.com/coderacer/coderacer/internal/engine"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

const namespace = "coderacer"

// StatsSource is the engine as metrics see it: engine.Local, or anything
// else that can tell its load.
type StatsSource interface {
	Stats() engine.Stats
}

// Metrics holds the collectors. The zero value is not usable; a nil
// *Metrics records nothing, so callers need no checks.
type Metrics struct {
	registry     *prometheus.Registry
	jobs         *prometheus.CounterVec
	judged       *prometheus.CounterVec
	judgedTests  *prometheus.CounterVec
	stages       *prometheus.HistogramVec
	engineErrors prometheus.Counter
	requests     *prometheus.CounterVec
	requestTime  *prometheus.HistogramVec
	wsOpen       prometheus.Gauge
}

// stageBuckets span a fast interpreted hello (a few ms) to the largest
// compile limit (60 s).
var stageBuckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60}

// New registers every collector: Go runtime and process metrics, the
// job, request and WebSocket metrics the API layer feeds, and the engine's
// load read from source at each scrape.
func New(source StatsSource) *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		jobs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "jobs_total",
			Help: "Jobs finished, by language, API dialect and status (OK, RE, SG, TLE, MLE, OLE, CE, IE).",
		}, []string{"language", "dialect", "status"}),
		judged: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "judge_submissions_total",
			Help: "Judged submissions finished, by language, API dialect and status (AC, WA, PE, TLE, MLE, OLE, RE, SG, IE, CE).",
		}, []string{"language", "dialect", "status"}),
		judgedTests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "judge_tests_total",
			Help: "Tests of judged submissions, by verdict (SKIPPED included).",
		}, []string{"verdict"}),
		stages: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Name: "stage_duration_seconds",
			Help:    "Time of a job's stages: queue (waiting for a sandbox), compile and run.",
			Buckets: stageBuckets,
		}, []string{"stage"}),
		engineErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: namespace, Name: "engine_errors_total",
			Help: "Jobs that failed inside the engine (status IE, or no result at all).",
		}),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "http_requests_total",
			Help: "HTTP requests answered, by route pattern and status code.",
		}, []string{"route", "code"}),
		requestTime: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Name: "http_request_duration_seconds",
			Help:    "Time from a request's arrival to the end of its answer, by route pattern.",
			Buckets: stageBuckets,
		}, []string{"route"}),
		wsOpen: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: namespace, Name: "websocket_sessions_open",
			Help: "WebSocket sessions open, both dialects.",
		}),
	}
	m.registry.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.jobs, m.judged, m.judgedTests, m.stages, m.engineErrors, m.requests, m.requestTime, m.wsOpen,
		newEngineCollector(source),
	)
	return m
}

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{Registry: m.registry})
}

// Job records a finished job: its status and its stages' durations. A nil
// result is an engine error.
func (m *Metrics) Job(dialect string, res *engine.Result) {
	if m == nil {
		return
	}
	if res == nil {
		m.engineErrors.Inc()
		return
	}
	m.jobs.WithLabelValues(res.Language, dialect, string(res.Status)).Inc()
	if res.Status == engine.StatusInternalError {
		m.engineErrors.Inc()
	}
	m.stages.WithLabelValues("queue").Observe(res.Timings.Queue.Seconds())
	if res.Compile != nil {
		m.stages.WithLabelValues("compile").Observe(res.Timings.Compile.Seconds())
	}
	if res.Run != nil {
		m.stages.WithLabelValues("run").Observe(res.Timings.Run.Seconds())
	}
}

// Judged records a finished judged submission: its status and each
// test's verdict. A nil result is an engine error.
func (m *Metrics) Judged(dialect string, res *engine.JudgeResult) {
	if m == nil {
		return
	}
	if res == nil {
		m.engineErrors.Inc()
		return
	}
	m.judged.WithLabelValues(res.Language, dialect, string(res.Status)).Inc()
	for _, t := range res.Tests {
		m.judgedTests.WithLabelValues(string(t.Verdict)).Inc()
	}
}

// WebSocketOpened and WebSocketClosed track the open sessions.
func (m *Metrics) WebSocketOpened() {
	if m != nil {
		m.wsOpen.Inc()
	}
}

func (m *Metrics) WebSocketClosed() {
	if m != nil {
		m.wsOpen.Dec()
	}
}

// Request records an answered request. route is the pattern the request
// matched ("" for none), so the label's values are bounded by the routes.
func (m *Metrics) Request(route string, code int, took time.Duration) {
	if m == nil {
		return
	}
	if route == "" {
		route = "unmatched"
	}
	m.requests.WithLabelValues(route, strconv.Itoa(code)).Inc()
	m.requestTime.WithLabelValues(route).Observe(took.Seconds())
}
