package metrics

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// SubmissionSource is the queue of asynchronous submissions as metrics
// see it (internal/store).
type SubmissionSource interface {
	Pending(ctx context.Context) (queued, running int, err error)
}

// pendingTimeout bounds the store's answer at a scrape: a scrape must not
// hang on an up NATS.
const pendingTimeout = 2 * time.Second

// submissionsCollector reads the queue's depth at each scrape.
type submissionsCollector struct {
	source          SubmissionSource
	queued, running *prometheus.Desc
	up              *prometheus.Desc
}

// WatchSubmissions adds the queue of asynchronous submissions to the
// metrics.
func (m *Metrics) WatchSubmissions(source SubmissionSource) {
	if m == nil {
		return
	}
	desc := func(name, help string) *prometheus.Desc {
		return prometheus.NewDesc(prometheus.BuildFQName(namespace, "", name), help, nil, nil)
	}
	m.registry.MustRegister(&submissionsCollector{
		source:  source,
		queued:  desc("submissions_queued", "Asynchronous submissions queued, not yet taken by a worker."),
		running: desc("submissions_running", "Asynchronous submissions a worker has taken and not finished."),
		up:      desc("submissions_store_up", "1 when the submission store answered this scrape, else 0."),
	})
}

func (c *submissionsCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.queued
	ch <- c.running
	ch <- c.up
}

func (c *submissionsCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), pendingTimeout)
	defer cancel()
	queued, running, err := c.source.Pending(ctx)
	up := 1.0
	if err != nil {
		up = 0
	} else {
		ch <- prometheus.MustNewConstMetric(c.queued, prometheus.GaugeValue, float64(queued))
		ch <- prometheus.MustNewConstMetric(c.running, prometheus.GaugeValue, float64(running))
	}
	ch <- prometheus.MustNewConstMetric(c.up, prometheus.GaugeValue, up)
}
