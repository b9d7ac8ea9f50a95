// Package store is the durable home of asynchronous submissions: a
// JetStream work-queue stream carries the jobs, a key-value bucket keeps
// each submission's state and result, an object store bucket keeps the
// values too large for a message. It knows nothing of the engine: a
// payload, a meta and a result are opaque bytes.
//
// With no URL it runs its own nats-server in the process (JetStream file
// storage under DataDir, no listening socket unless told to listen, or
// to join other embedded servers in a cluster); with a URL it uses an
// external NATS.
//
// # Nodes
//
// Several servers share the submissions through one NATS: an external
// cluster (URL, with credentials, TLS or a token), or their embedded
// servers clustered by routes (ClusterListen, Routes), each taking the
// others' clients if it listens (Listen). With Replicas 3 on three
// servers the stream, its consumer and both buckets outlive the loss of
// one: its jobs are redelivered to the others after AckWait, and
// requests lost while leaders change fail with a timeout and are
// retried (a job's claim or end after its redelivery). Open waits, as
// long as its ctx lasts, for a cluster's JetStream to be ready.
//
// # The life of a submission
//
//	Submit ──▶ queued ──claim──▶ running ──finish──▶ done (Result, or Error)
//	             │                  │
//	             │ Cancel           │ Cancel: CancelRequested, still running;
//	             ▼                  ▼ its worker cancels the handler's ctx
//	         cancelled ◀────────────┘ (Error "cancelled", no Result)
//
// Submit writes the state "queued" with the submitter's Meta, then
// queues the job (the payload). A worker of Consume fetches the job and
// claims it: "running", with the job's stream sequence (Seq) and one
// more Runs. It runs the handler, stores the final state once, calls
// Config.OnDone with it and only then acks the job.
//
// Who writes: Submit creates the state; Cancel writes "cancelled" to a
// queued one, CancelRequested to a running one; the worker writes all
// else. Every write is a compare-and-set on the key's revision, so that
// a Cancel and a finish never lose one another: once Cancel returned nil
// the submission ends cancelled, even if its handler returned a result.
//
// A Cancel of a running job also publishes on the job's cancel subject
// (core NATS): the store running it, in any process, cancels the
// handler's ctx at once; it read the state once more when the job
// started, so an earlier Cancel is not missed. A job cancelled while queued is acked without
// running by the worker that fetches it, after OnDone.
//
// OnDone at least once: a job is acked only once its final state is
// stored and OnDone returned nil. A job redelivered (its worker died, or
// OnDone failed) that finds its submission over with its own Seq calls
// OnDone again, then acks; it is redelivered until OnDone succeeds or
// the state expires. OnDone may thus be called more than once for one
// submission.
//
// A failed run is retried on the job's next delivery, up to
// Config.MaxDeliver runs; the last failure ends the submission done with
// its Error, as does a worker dying on the last run. Runs, not
// deliveries, are counted: a job redelivered for OnDone's sake does not
// run again.
//
// Blobs: a payload, a meta or a result larger than Config.InlineBytes is
// kept in the blob bucket (BlobBucketName); the job or the state holds
// its name, and Get, Wait, the handler and OnDone see the full bytes. A
// payload's blob is deleted once its job is acked; the others expire
// with the bucket's TTL, which outlives the states that name them.
package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Defaults, the one place they live. Open applies them to zero fields.
const (
	DefaultDataDir = "/var/lib/coderacer"
	DefaultWorkers = 4
	// DefaultAckWait is how long the job of a worker that died waits
	// to run again; a live worker says it is in progress every third.
	DefaultAckWait = 10 * time.Second
	// DefaultStopGrace is how long running jobs may finish once
	// Consume's ctx ends, as requests do at a shutdown.
	DefaultStopGrace   = 10 * time.Second
	DefaultMaxDeliver  = 5
	DefaultDedupWindow = 10 * time.Minute
	DefaultResultTTL   = 24 * time.Hour
	// DefaultMaxPayload bounds a submission: its payload and meta together.
	DefaultMaxPayload = 16 << 20
	// DefaultInlineBytes is the largest value kept in a message or a
	// state; larger ones go to the blob bucket. A state holds a meta and a
	// result, base64-encoded: with this bound it stays well under the 1
	// MiB of NATS's default max_payload.
	DefaultInlineBytes = 256 << 10
	// DefaultMaxQueued bounds the jobs queued or running at once.
	DefaultMaxQueued = 100_000

	StreamName     = "CODERACER_SUBMISSIONS"
	Subject        = "coderacer.submissions"
	ConsumerName   = "coderacer-workers"
	BucketName     = "coderacer_submissions"
	BlobBucketName = "coderacer_blobs"

	// embeddedMaxPayload is the embedded server's largest message, NATS's
	// own default: nothing larger is ever sent, large values being blobs.
	embeddedMaxPayload = 1 << 20
	// blobMargin is how much longer than two ResultTTLs a blob is kept. A
	// meta's blob is written at Submit and must outlive its state: a state
	// is kept ResultTTL after its last write, which comes at most
	// ResultTTL after Submit (it expires while queued otherwise), plus the
	// time its runs take.
	blobMargin = 6 * time.Hour
)

// Config says where the store lives and how jobs are delivered.
type Config struct {
	// URL is an external NATS with JetStream: one URL or several,
	// comma-separated, of one cluster (nats://host:4222, tls://...;
	// user:password@ or token@ in a URL as nats.go reads them). Empty:
	// an embedded server.
	URL string
	// CredsFile is a NATS credentials file (a user's JWT and NKey seed)
	// to authenticate to the external NATS with.
	CredsFile string
	// TLSCA is a PEM file of the CAs the external NATS's certificate is
	// checked against; with it, as with a tls:// URL, the connection
	// must be TLS.
	TLSCA string
	// TLSCert and TLSKey are a PEM client certificate and its key, for
	// an external NATS that asks for one; both or neither.
	TLSCert, TLSKey string
	// Token: the embedded server requires it of every client and route
	// (a listening one has no authentication otherwise); this store's
	// own connection, to an embedded or external NATS, presents it.
	Token string

	// The embedded server as a node of a deployment. All empty: it
	// listens nowhere and stands alone, as it always did.
	//
	// Listen (host:port) makes it accept client connections, e.g. of
	// nodes given its URL. Without a Token anyone who reaches it may
	// read and write every submission: listen on a private network only.
	Listen string
	// ServerName names this node in its cluster, unique in it and
	// stable across restarts (JetStream knows its peers by name).
	// Empty: a name made of the host's name and random hex, kept in the
	// data directory for the next start.
	ServerName string
	// ClusterListen (host:port) takes the routes of the other servers
	// of the cluster; it needs Routes.
	ClusterListen string
	// Routes are every server's cluster address, nats-route://host:port
	// (this server's own may be among them: it is ignored). With a
	// Token they authenticate with it unless they carry credentials.
	Routes []string
	// ClusterName is the name the servers of the cluster share; empty:
	// DefaultClusterName.
	ClusterName string
	// Replicas is how many servers keep the stream, the consumer and
	// both buckets, at create and at every Open (an existing stream is
	// updated): 1 (the default) on a standalone server, 3 on a cluster
	// of 3 to outlive one server's loss. At most MaxReplicas; more than
	// 1 needs Routes or an external NATS cluster. Every store of a
	// deployment needs the same: each applies its own at Open.
	Replicas int

	DataDir     string        // embedded server's JetStream storage
	Workers     int           // Consume's concurrent handlers
	AckWait     time.Duration // a job not acked (nor in progress) within it is redelivered
	StopGrace   time.Duration // running jobs' time to finish once Consume's ctx ended; negative: none
	MaxDeliver  int           // handler runs of one job at most (a failed run is retried)
	DedupWindow time.Duration // a resubmitted id within it is not queued again
	ResultTTL   time.Duration // a state (and its result) is kept this long after its last write
	MaxPayload  int           // a submission's payload and meta together, at most (ErrTooLarge)
	// InlineBytes: larger values are kept in the blob bucket. A state
	// holds a meta and a result inline, base64-encoded: keep it under a
	// third of the server's max_payload.
	InlineBytes int
	// MaxQueued bounds the jobs queued or running; Submit beyond it is
	// ErrQueueFull.
	MaxQueued int
	// SyncAlways fsyncs every write of the embedded server: survives a
	// machine crash, not only a killed process, at a cost in speed.
	SyncAlways bool
	// OnDone, if set, is called with a submission's final state (done,
	// or cancelled), Result and Meta in full, after it is stored and
	// before its job is acked. An error leaves the job unacked: it is
	// redelivered after a delay and OnDone is called again, as it is
	// after a worker died between storing and acking. It is called at
	// least once per submission a worker ended or found cancelled, and
	// may be called more than once for one: it must be idempotent.
	OnDone func(ctx context.Context, st State) error
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
	if c.StopGrace == 0 {
		c.StopGrace = DefaultStopGrace // negative: none
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
	if c.MaxQueued <= 0 {
		c.MaxQueued = DefaultMaxQueued
	}
	if c.InlineBytes <= 0 {
		c.InlineBytes = DefaultInlineBytes
	}
	if c.ClusterName == "" {
		c.ClusterName = DefaultClusterName
	}
	if c.Replicas == 0 {
		c.Replicas = 1
	}
	return c
}

// Store is a connection to the submissions' stream, consumer and bucket.
type Store struct {
	cfg   Config
	srv   *server.Server // nil with an external NATS
	lock  *os.File       // the data directory's, held with srv
	nc    *nats.Conn
	js    jetstream.JetStream
	cons  jetstream.Consumer
	kv    jetstream.KeyValue
	blobs jetstream.ObjectStore
	// running lists the jobs this store runs, for their Cancel.
	running runningJobs
}

// Open starts or connects to NATS and creates (or updates) the stream,
// the consumer and the bucket.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	s := &Store{cfg: cfg}
	if err := s.connect(); err != nil {
		s.Close()
		return nil, err
	}
	if err := s.setupWhenReady(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func (s *Store) connect() error {
	opts := append([]nats.Option{nats.Name("coderacer"), nats.MaxReconnects(-1)}, s.cfg.clientOptions()...)
	url := s.cfg.URL
	if url == "" {
		srv, lock, err := startEmbedded(s.cfg)
		if err != nil {
			return err
		}
		s.srv, s.lock = srv, lock
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

// JetStream is the store's connection, for another package to share.
func (s *Store) JetStream() jetstream.JetStream { return s.js }

// Pending counts the jobs not yet fetched by a worker (queued) and those
// fetched and not yet acked (running, or waiting for a redelivery).
func (s *Store) Pending(ctx context.Context) (queued, running int, err error) {
	info, err := s.cons.Info(ctx)
	if err != nil {
		return 0, 0, fmt.Errorf("store: consumer %s: %w", ConsumerName, err)
	}
	return int(info.NumPending), info.NumAckPending, nil
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
		s.lock.Close()
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
