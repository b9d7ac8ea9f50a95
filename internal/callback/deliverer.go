package callback

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/coderacer/coderacer/internal/jsjob"
)

// Defaults, the one place they live. New applies them to zero fields.
const (
	DefaultAttempts    = 5
	DefaultTimeout     = 10 * time.Second
	DefaultBackoff     = time.Second
	DefaultMaxBackoff  = time.Minute
	DefaultWorkers     = 4
	DefaultDedupWindow = 10 * time.Minute

	StreamName   = "CODERACER_CALLBACKS"
	Subject      = "coderacer.callbacks"
	ConsumerName = "coderacer-callbacks"
)

// The target travels in a queued message's headers, the body is the data.
const (
	urlHeader    = "Coderacer-Callback-Url"
	methodHeader = "Coderacer-Callback-Method"
)

// Config says how callbacks are delivered.
type Config struct {
	Attempts    int           // deliveries of one callback at most, the first included
	Timeout     time.Duration // one attempt: connect, send, read the answer
	Backoff     time.Duration // wait after the first failed attempt; doubles after each
	MaxBackoff  time.Duration // longest wait between attempts
	Workers     int           // concurrent deliveries
	DedupWindow time.Duration // an id enqueued again within it is not queued again
	// Secret signs every delivery (SignatureHeader). Empty: no signature
	// header is sent, and receivers cannot tell a delivery from a forgery.
	Secret []byte
	// Policy is checked on every address dialled.
	Policy Policy
	// Logger gets one record per attempt; nil: slog.Default().
	Logger *slog.Logger
}

func (c Config) withDefaults() Config {
	if c.Attempts <= 0 {
		c.Attempts = DefaultAttempts
	}
	if c.Timeout <= 0 {
		c.Timeout = DefaultTimeout
	}
	if c.Backoff <= 0 {
		c.Backoff = DefaultBackoff
	}
	if c.MaxBackoff <= 0 {
		c.MaxBackoff = DefaultMaxBackoff
	}
	c.MaxBackoff = max(c.MaxBackoff, c.Backoff)
	if c.Workers <= 0 {
		c.Workers = DefaultWorkers
	}
	if c.DedupWindow <= 0 {
		c.DedupWindow = DefaultDedupWindow
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}

// ackMargin is how much longer than an attempt JetStream waits for its
// ack before delivering the message again: the ack follows the attempt.
const ackMargin = 15 * time.Second

// Deliverer queues callbacks on a JetStream work-queue stream and
// delivers them.
type Deliverer struct {
	cfg    Config
	js     jetstream.JetStream
	cons   jetstream.Consumer
	client *http.Client
}

// Target is where a callback goes.
type Target struct {
	URL    string
	Method string // http.MethodPost or http.MethodPut; empty: POST
}

// New creates (or updates) the stream and its durable consumer on js.
func New(ctx context.Context, js jetstream.JetStream, cfg Config) (*Deliverer, error) {
	cfg = cfg.withDefaults()
	_, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:       StreamName,
		Subjects:   []string{Subject},
		Retention:  jetstream.WorkQueuePolicy,
		Storage:    jetstream.FileStorage,
		Duplicates: cfg.DedupWindow,
	})
	if err != nil {
		return nil, fmt.Errorf("callback: stream %s: %w", StreamName, err)
	}
	cons, err := js.CreateOrUpdateConsumer(ctx, StreamName, jetstream.ConsumerConfig{
		Durable:   ConsumerName,
		AckPolicy: jetstream.AckExplicitPolicy,
		AckWait:   cfg.Timeout + ackMargin,
		// One more than the attempts: a delivery whose worker died on the
		// last attempt comes back once more, to be ended and logged.
		MaxDeliver:    cfg.Attempts + 1,
		FilterSubject: Subject,
	})
	if err != nil {
		return nil, fmt.Errorf("callback: consumer %s: %w", ConsumerName, err)
	}
	return &Deliverer{cfg: cfg, js: js, cons: cons, client: newClient(cfg.Policy, cfg.Timeout)}, nil
}

// Enqueue queues one delivery of body to t. id (the submission's token)
// deduplicates: the same id enqueued again within DedupWindow is
// delivered once. The URL's shape is checked here, its address at
// delivery; Policy.CheckURL is the caller's, at submission.
func (d *Deliverer) Enqueue(ctx context.Context, id string, t Target, body []byte) error {
	t, err := checkTarget(id, t)
	if err != nil {
		return err
	}
	msg := &nats.Msg{Subject: Subject, Data: body, Header: nats.Header{}}
	msg.Header.Set(urlHeader, t.URL)
	msg.Header.Set(methodHeader, t.Method)
	if _, err := d.js.PublishMsg(ctx, msg, jetstream.WithMsgID(id)); err != nil {
		return fmt.Errorf("callback: enqueue %s: %w", id, err)
	}
	return nil
}

// checkTarget checks an id and a target, queued or about to be, and
// gives the method its default.
func checkTarget(id string, t Target) (Target, error) {
	if err := checkID(id); err != nil {
		return t, err
	}
	switch t.Method {
	case "":
		t.Method = http.MethodPost
	case http.MethodPost, http.MethodPut:
	default:
		return t, fmt.Errorf("callback: method %q: want POST or PUT", t.Method)
	}
	if _, err := parseTarget(t.URL); err != nil {
		return t, err
	}
	return t, nil
}

const maxIDLength = 128

// checkID accepts what the store accepts as a token: it is also the
// message id and the first part of DeliveryHeader.
func checkID(id string) error {
	if id == "" || len(id) > maxIDLength {
		return fmt.Errorf("callback: id of length %d: want 1 to %d", len(id), maxIDLength)
	}
	for _, c := range []byte(id) {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_'
		if !ok {
			return fmt.Errorf("callback: id %q: byte %q not in [A-Za-z0-9_-]", id, c)
		}
	}
	return nil
}

// fetchWait bounds one pull request, so that workers notice ctx's end.
const fetchWait = 5 * time.Second

// Run delivers callbacks with Config.Workers workers until ctx ends (it
// then returns nil, after the attempts in flight, each bounded by
// Timeout) or the NATS connection is closed (an error).
func (d *Deliverer) Run(ctx context.Context) error {
	nc := d.js.Conn()
	closed := nc.StatusChanged(nats.CLOSED)
	defer nc.RemoveStatusListener(closed)
	wctx, stop := context.WithCancel(ctx)
	defer stop()
	// A closed connection ends the workers' pull requests at once,
	// rather than at their timeout.
	go func() {
		select {
		case <-closed:
			stop()
		case <-wctx.Done():
		}
	}()
	if nc.IsClosed() {
		stop()
	}
	var wg sync.WaitGroup
	for range d.cfg.Workers {
		wg.Go(func() { d.work(wctx) })
	}
	wg.Wait()
	d.client.CloseIdleConnections()
	if ctx.Err() == nil {
		return errors.New("callback: NATS connection closed")
	}
	return nil
}

func (d *Deliverer) work(ctx context.Context) {
	for ctx.Err() == nil {
		fctx, cancel := context.WithTimeout(ctx, fetchWait)
		msg, err := d.cons.Next(jetstream.FetchContext(fctx))
		cancel()
		if err == nil {
			d.handle(ctx, msg)
			continue
		}
		if !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, nats.ErrTimeout) {
			jsjob.Sleep(ctx, 100*time.Millisecond) // NATS unavailable: do not spin
		}
	}
}
