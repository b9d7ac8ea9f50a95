// Package store is the durable home of asynchronous submissions: a
// JetStream work-queue stream carries the jobs, a key-value bucket keeps
// each submission's state and result. It knows nothing of the engine: a
// payload and a result are opaque bytes.
//
// With no URL it runs its own nats-server in the process (JetStream file
// storage under DataDir, no listening socket); with a URL it uses an
// external NATS.
package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Defaults, the one place they live. Open applies them to zero fields.
const (
	DefaultDataDir     = "/var/lib/coderacer"
	DefaultWorkers     = 4
	DefaultAckWait     = 30 * time.Second
	DefaultMaxDeliver  = 5
	DefaultDedupWindow = 10 * time.Minute
	DefaultResultTTL   = 24 * time.Hour
	// DefaultMaxPayload bounds one message (a job, or a state with its
	// result) on the embedded server; NATS's own default is 1 MiB.
	DefaultMaxPayload = 8 << 20

	StreamName   = "CODERACER_SUBMISSIONS"
	Subject      = "coderacer.submissions"
	ConsumerName = "coderacer-workers"
	BucketName   = "coderacer_submissions"
)

// Config says where the store lives and how jobs are delivered.
type Config struct {
	URL         string        // external NATS; empty: an embedded server
	DataDir     string        // embedded server's JetStream storage
	Workers     int           // Consume's concurrent handlers
	AckWait     time.Duration // a job not acked (nor in progress) within it is redelivered
	MaxDeliver  int           // deliveries of one job at most
	DedupWindow time.Duration // a resubmitted id within it is not queued again
	ResultTTL   time.Duration // a state (and its result) is kept this long after its last write
	MaxPayload  int32         // embedded server's largest message
	// SyncAlways fsyncs every write of the embedded server: survives a
	// machine crash, not only a killed process, at a cost in speed.
	SyncAlways bool
	// OnDone, if set, is called once per submission, right after the
	// worker that stored its result (never a second delivery's).
	OnDone func(State)
	// Logger tells of what a worker could not do (the job is then
	// redelivered); nil: slog.Default().
	Logger *slog.Logger
}

func (c Config) withDefaults() Config {
	if c.DataDir == "" {
		c.DataDir = DefaultDataDir
	}
	if c.Workers <= 0 {
		c.Workers = DefaultWorkers
	}
	if c.AckWait <= 0 {
		c.AckWait = DefaultAckWait
	}
	if c.MaxDeliver <= 0 {
		c.MaxDeliver = DefaultMaxDeliver
	}
	if c.DedupWindow <= 0 {
		c.DedupWindow = DefaultDedupWindow
	}
	if c.ResultTTL <= 0 {
		c.ResultTTL = DefaultResultTTL
	}
	// A state outlives its id's deduplication: an id submitted again
	// after its state expired is queued, not silently dropped.
	c.DedupWindow = min(c.DedupWindow, c.ResultTTL)
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.MaxPayload <= 0 {
		c.MaxPayload = DefaultMaxPayload
	}
	return c
}

// Store is a connection to the submissions' stream, consumer and bucket.
type Store struct {
	cfg  Config
	srv  *server.Server // nil with an external NATS
	nc   *nats.Conn
	js   jetstream.JetStream
	cons jetstream.Consumer
	kv   jetstream.KeyValue
}

// Open starts or connects to NATS and creates (or updates) the stream,
// the consumer and the bucket.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	cfg = cfg.withDefaults()
	s := &Store{cfg: cfg}
	if err := s.connect(); err != nil {
		s.Close()
		return nil, err
	}
	if err := s.setup(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func (s *Store) connect() error {
	opts := []nats.Option{nats.Name("coderacer"), nats.MaxReconnects(-1)}
	url := s.cfg.URL
	if url == "" {
		srv, err := startEmbedded(s.cfg)
		if err != nil {
			return err
		}
		s.srv = srv
		opts = append(opts, nats.InProcessServer(srv))
	}
	nc, err := nats.Connect(url, opts...)
	if err != nil {
		return fmt.Errorf("store: connect to NATS: %w", err)
	}
	s.nc = nc
	js, err := jetstream.New(nc)
	if err != nil {
		return fmt.Errorf("store: JetStream: %w", err)
	}
	s.js = js
	return nil
}

func (s *Store) setup(ctx context.Context) error {
	_, err := s.js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:       StreamName,
		Subjects:   []string{Subject},
		Retention:  jetstream.WorkQueuePolicy,
		Storage:    jetstream.FileStorage,
		Duplicates: s.cfg.DedupWindow,
		MaxMsgSize: s.cfg.MaxPayload,
	})
	if err != nil {
		return fmt.Errorf("store: stream %s: %w", StreamName, err)
	}
	s.cons, err = s.js.CreateOrUpdateConsumer(ctx, StreamName, jetstream.ConsumerConfig{
		Durable:       ConsumerName,
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       s.cfg.AckWait,
		MaxDeliver:    s.cfg.MaxDeliver,
		FilterSubject: Subject,
	})
	if err != nil {
		return fmt.Errorf("store: consumer %s: %w", ConsumerName, err)
	}
	s.kv, err = s.js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket:  BucketName,
		TTL:     s.cfg.ResultTTL,
		Storage: jetstream.FileStorage,
		History: 1,
	})
	if err != nil {
		return fmt.Errorf("store: bucket %s: %w", BucketName, err)
	}
	return nil
}

// Close drains the connection and stops the embedded server, if any,
// waiting for it. Jobs fetched and not acked are redelivered later.
func (s *Store) Close() error {
	var errs []error
	if s.nc != nil {
		if err := s.nc.Drain(); err != nil && !errors.Is(err, nats.ErrConnectionClosed) {
			errs = append(errs, fmt.Errorf("store: drain: %w", err))
		}
		waitClosed(s.nc, 5*time.Second)
	}
	if s.srv != nil {
		s.srv.Shutdown()
		s.srv.WaitForShutdown()
	}
	return errors.Join(errs...)
}

// waitClosed waits for a draining connection to close, at most d.
func waitClosed(nc *nats.Conn, d time.Duration) {
	deadline := time.Now().Add(d)
	for !nc.IsClosed() && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	nc.Close()
}
