package metrics

import "github.com/prometheus/client_golang/prometheus"

// engineCollector reads the engine's load and cache at each scrape, so the
// engine itself knows nothing of Prometheus.
type engineCollector struct {
	source                      StatsSource
	queue, busy, total, started *prometheus.Desc
	replacements                *prometheus.Desc
	cacheHits, cacheMisses      *prometheus.Desc
	cacheBytes, slots, inflight *prometheus.Desc
}

func newEngineCollector(source StatsSource) *engineCollector {
	desc := func(name, help string) *prometheus.Desc {
		return prometheus.NewDesc(prometheus.BuildFQName(namespace, "", name), help, nil, nil)
	}
	return &engineCollector{
		source:       source,
		queue:        desc("queue_depth", "Jobs waiting for a sandbox."),
		inflight:     desc("jobs_in_flight", "Jobs running or waiting for a sandbox."),
		slots:        desc("slots", "Jobs that may run at once."),
		busy:         desc("sandboxes_busy", "Sandboxes of the pool taken by a job."),
		total:        desc("sandboxes", "Sandboxes of the pool: jobs that may run at once."),
		started:      desc("sandboxes_started", "Sandboxes started, running a job or idle (the others start when a job needs them)."),
		replacements: desc("sandbox_replacements_total", "Sandboxes destroyed and replaced because they could not be wiped."),
		cacheHits:    desc("compile_cache_hits_total", "Compiles served from the compile cache."),
		cacheMisses:  desc("compile_cache_misses_total", "Cacheable compiles the cache did not hold."),
		cacheBytes:   desc("compile_cache_bytes", "Bytes of artifacts the compile cache holds."),
	}
}

func (c *engineCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.queue, c.inflight, c.slots, c.busy, c.total, c.started,
		c.replacements, c.cacheHits, c.cacheMisses, c.cacheBytes} {
		ch <- d
	}
}

func (c *engineCollector) Collect(ch chan<- prometheus.Metric) {
	st := c.source.Stats()
	busy := st.Pool.Size - st.Pool.Free
	queued := max(st.InFlight-int64(busy), 0)
	gauge := func(d *prometheus.Desc, v float64) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v)
	}
	counter := func(d *prometheus.Desc, v float64) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v)
	}
	gauge(c.queue, float64(queued))
	gauge(c.inflight, float64(st.InFlight))
	gauge(c.slots, float64(st.Slots))
	gauge(c.busy, float64(busy))
	gauge(c.total, float64(st.Pool.Size))
	gauge(c.started, float64(st.Pool.Started))
	counter(c.replacements, float64(st.Pool.Replacements))
	counter(c.cacheHits, float64(st.CacheHits))
	counter(c.cacheMisses, float64(st.CacheMisses))
	gauge(c.cacheBytes, float64(st.CacheBytes))
}
