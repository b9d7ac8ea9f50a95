package cluster

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/coderacer/coderacer/internal/engine"
	"github.com/coderacer/coderacer/internal/jsjob"
)

// WorkerConfig configures a Worker. Zero fields take the defaults.
type WorkerConfig struct {
	// ID names the worker in the workers bucket: letters, digits, '-',
	// '_'; empty: the host name and a random suffix.
	ID string
	// Executor runs the jobs (on a worker node, the admission gate around
	// the local engine); if it is also an engine.Judger, judges too.
	Executor engine.Executor
	// Slots is how many jobs run at once: no job is fetched without a
	// free one.
	Slots   int
	Version string // advertised
	Logger  *slog.Logger
	// AckWait: a job its worker stopped telling about for this long is
	// redelivered; a live worker tells every third of it.
	AckWait time.Duration
	// MaxDeliver bounds the deliveries of one job (a job that kills its
	// workers is not tried forever).
	MaxDeliver int
	// StopGrace is how long running jobs may finish once Run's ctx ended.
	StopGrace time.Duration
	// FetchWait bounds one pull request: how long a drained worker may
	// still receive a job (which it then runs).
	FetchWait time.Duration
	// StdinBuffer bounds a streamed job's stdin held here; the client
	// sends more only as the program reads.
	StdinBuffer int
	// AdvertiseEvery is how often the worker's advertisement is renewed
	// (it expires after WorkerTTL).
	AdvertiseEvery time.Duration
	Stream         StreamConfig
}

func (c WorkerConfig) withDefaults() WorkerConfig {
	if c.ID == "" {
		host, _ := os.Hostname()
		c.ID = keySafe(host) + "-" + newID()[:8]
	}
	c.Slots = max(c.Slots, 1)
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.AckWait <= 0 {
		c.AckWait = DefaultAckWait
	}
	if c.MaxDeliver <= 0 {
		c.MaxDeliver = DefaultMaxDeliver
	}
	if c.StopGrace == 0 {
		c.StopGrace = DefaultStopGrace // negative: none
	}
	if c.FetchWait <= 0 {
		c.FetchWait = DefaultFetchWait
	}
	if c.StdinBuffer <= 0 {
		c.StdinBuffer = DefaultStdinBuffer
	}
	if c.AdvertiseEvery <= 0 {
		c.AdvertiseEvery = DefaultAdvertiseEvery
	}
	return c
}

// Worker serves the jobs of its executor's runtimes from the cluster.
type Worker struct {
	cfg      WorkerConfig
	nc       *nats.Conn
	kv       jetstream.KeyValue
	blobs    *blobs
	runtimes []engine.RuntimeInfo
	cons     []jetstream.Consumer // one per runtime
	slots    *slots
	running  runningJobs
	started  time.Time
	host     string
}

// NewWorker creates (or updates) the jobs stream, the consumers of the
// executor's runtimes and the workers bucket on nc's NATS.
func NewWorker(ctx context.Context, nc *nats.Conn, cfg WorkerConfig) (*Worker, error) {
	if cfg.Executor == nil {
		return nil, errors.New("cluster: a worker needs an executor")
	}
	cfg = cfg.withDefaults()
	if !validKey(cfg.ID) {
		return nil, fmt.Errorf("cluster: worker id %q: only letters, digits, '-' and '_'", cfg.ID)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, fmt.Errorf("cluster: JetStream: %w", err)
	}
	if err := ensureStream(ctx, js, cfg.Stream); err != nil {
		return nil, err
	}
	w := &Worker{cfg: cfg, nc: nc, runtimes: cfg.Executor.Runtimes(), slots: newSlots(cfg.Slots)}
	w.host, _ = os.Hostname()
	for _, rt := range w.runtimes {
		cons, err := ensureConsumer(ctx, js, rt.Language, cfg.AckWait, cfg.MaxDeliver)
		if err != nil {
			return nil, err
		}
		w.cons = append(w.cons, cons)
	}
	if w.kv, err = workersBucket(ctx, js); err != nil {
		return nil, err
	}
	if w.blobs, err = openBlobs(ctx, js, nc); err != nil {
		return nil, err
	}
	return w, nil
}

// ID is the worker's name in the workers bucket.
func (w *Worker) ID() string { return w.cfg.ID }

// Busy is how many jobs the worker runs now.
func (w *Worker) Busy() int { return w.slots.busy() }

// Run serves jobs until ctx ends, then drains: it fetches no more, says
// so in its advertisement, lets the jobs it has finish (StopGrace at
// most: then they are cancelled and go to another worker, a streamed one
// ends ErrWorkerLost) and withdraws its advertisement.
func (w *Worker) Run(ctx context.Context) error {
	w.started = time.Now().UTC()
	jobs, cancelJobs := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelJobs()
	if w.cfg.StopGrace > 0 {
		stop := context.AfterFunc(ctx, func() {
			t := time.AfterFunc(w.cfg.StopGrace, cancelJobs)
			context.AfterFunc(jobs, func() { t.Stop() })
		})
		defer stop()
	} else {
		defer context.AfterFunc(ctx, cancelJobs)()
	}
	cancels, err := w.nc.Subscribe(cancelSubject+".*", func(m *nats.Msg) {
		w.running.stop(m.Subject[len(cancelSubject)+1:])
	})
	if err != nil {
		return fmt.Errorf("cluster: subscribe to cancels: %w", err)
	}
	defer cancels.Unsubscribe()
	var ads, fetchers, handlers sync.WaitGroup
	over, stopAds := context.WithCancel(context.Background())
	defer stopAds()
	ads.Go(func() { w.advertise(ctx, over) })
	for _, cons := range w.cons {
		fetchers.Go(func() { w.fetch(ctx, cons, &handlers, jobs) })
	}
	fetchers.Wait()
	handlers.Wait()
	stopAds()
	ads.Wait()
	return nil
}

// fetch asks cons for a job whenever a slot is free, until ctx ends. A
// pull request is never cut short: a job it brings after ctx ended is
// run, not left to wait AckWait for its redelivery.
func (w *Worker) fetch(ctx context.Context, cons jetstream.Consumer, handlers *sync.WaitGroup, jobs context.Context) {
	for ctx.Err() == nil && w.slots.waitFree(ctx) {
		msg, err := cons.Next(jetstream.FetchMaxWait(w.cfg.FetchWait))
		if err == nil {
			// The slot is taken here, before the next pull, unless a
			// fetcher of another runtime took the last one meanwhile.
			taken := w.slots.tryAcquire()
			handlers.Go(func() { w.handle(jobs, msg, taken) })
			continue
		}
		if !errors.Is(err, nats.ErrTimeout) && !errors.Is(err, context.DeadlineExceeded) {
			w.cfg.Logger.Debug("cluster: fetch", "worker", w.cfg.ID, "err", err)
			jsjob.Sleep(ctx, 100*time.Millisecond) // NATS unavailable: do not spin
		}
	}
}

// keySafe replaces what may not be in a key of the workers bucket (a
// host name's dots) with '-'.
func keySafe(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !validKey(string(c)) {
			b[i] = '-'
		}
	}
	return string(b)
}

// validKey reports whether s may be a key of the workers bucket.
func validKey(s string) bool {
	if s == "" || len(s) > 128 {
		return false
	}
	for _, c := range []byte(s) {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_'
		if !ok {
			return false
		}
	}
	return true
}
