package cluster

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/coderacer/coderacer/internal/engine"
)

// ClientConfig configures a Client. Zero fields take the defaults.
type ClientConfig struct {
	Logger *slog.Logger
	// Margin is added to a job's own limits for the longest wait of its
	// answer: the time it may queue and be redelivered. Past it, Execute
	// returns ErrNoAnswer.
	Margin time.Duration
	// Run and Compile are the workers' limit policies: a job's zero limit
	// is their default, in the reckoning of its wait. Zero: the engine's
	// defaults.
	Run, Compile engine.LimitPolicy
	Stream       StreamConfig
}

func (c ClientConfig) withDefaults() ClientConfig {
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Margin <= 0 {
		c.Margin = DefaultMargin
	}
	if c.Run.Default.WallTime <= 0 {
		c.Run = engine.DefaultRunPolicy()
	}
	if c.Compile.Default.WallTime <= 0 {
		c.Compile = engine.DefaultCompilePolicy()
	}
	return c
}

// Client runs jobs on the cluster's workers: an engine.Executor and an
// engine.Judger, for API nodes.
type Client struct {
	cfg     ClientConfig
	nc      *nats.Conn
	js      jetstream.JetStream
	members *members
	blobs   *blobs
	stop    context.CancelFunc
	done    chan struct{}
}

var (
	_ engine.Executor = (*Client)(nil)
	_ engine.Judger   = (*Client)(nil)
)

// NewClient creates (or updates) the jobs stream and the workers bucket
// on nc's NATS and follows the workers' advertisements until Close. It
// returns once the advertisements in the bucket are read (or ctx ended).
func NewClient(ctx context.Context, nc *nats.Conn, cfg ClientConfig) (*Client, error) {
	cfg = cfg.withDefaults()
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, fmt.Errorf("cluster: JetStream: %w", err)
	}
	if err := ensureStream(ctx, js, cfg.Stream); err != nil {
		return nil, err
	}
	kv, err := workersBucket(ctx, js)
	if err != nil {
		return nil, err
	}
	bl, err := openBlobs(ctx, js, nc)
	if err != nil {
		return nil, err
	}
	wctx, stop := context.WithCancel(context.Background())
	c := &Client{cfg: cfg, nc: nc, js: js, members: newMembers(), blobs: bl, stop: stop, done: make(chan struct{})}
	go func() {
		defer close(c.done)
		c.members.watch(wctx, kv, c.cfg.Logger.Warn)
	}()
	select {
	case <-c.members.ready:
	case <-ctx.Done():
	}
	return c, nil
}

// Close stops following the workers. Jobs under way are not cut.
func (c *Client) Close() {
	c.stop()
	<-c.done
}

// Workers lists the live workers, by id.
func (c *Client) Workers() []WorkerInfo { return c.members.live() }

// Runtimes is the union of the live workers' runtimes, draining ones
// included: a job of a runtime only they have waits in the stream for a
// worker (a restarted one) rather than being refused.
func (c *Client) Runtimes() []engine.RuntimeInfo { return runtimesOf(c.members.live()) }

// Ready reports whether at least one live worker takes new jobs.
func (c *Client) Ready() bool {
	for _, w := range c.members.live() {
		if !w.Draining {
			return true
		}
	}
	return false
}

// resolve finds the runtime a job names, among the live workers'.
func (c *Client) resolve(name string) (engine.RuntimeInfo, error) {
	for _, rt := range c.Runtimes() {
		if calledBy(rt, name) {
			return rt, nil
		}
	}
	return engine.RuntimeInfo{}, &engine.RuntimeNotFoundError{Language: name}
}

// Execute runs job on a worker that has its runtime and waits for the
// answer, ctx's end (the worker is told to stop the job) or the job's
// limits and the margin (ErrNoAnswer). A streamed job's stdin, signals
// and events flow through NATS; a streamed job whose worker died ends
// with ErrWorkerLost.
func (c *Client) Execute(ctx context.Context, job engine.Job) (*engine.Result, error) {
	rt, err := c.resolve(job.Language)
	if err != nil {
		return nil, err
	}
	wj := WireJob(job)
	rep, err := c.call(ctx, call{
		kind: kindExecute, language: rt.Language, body: request{Job: &wj},
		budget: c.execBudget(job), stream: job.Stream,
	})
	if err != nil {
		return nil, err
	}
	if rep.Result == nil {
		return nil, errors.New("cluster: a worker answered neither a result nor an error")
	}
	return rep.Result, nil
}

// Judge runs job on a worker that has its language, calling job.OnTest
// for each test as the worker tells of it (each test once; those the
// worker's news did not bring, from the result, before Judge returns).
func (c *Client) Judge(ctx context.Context, job engine.JudgeJob) (*engine.JudgeResult, error) {
	rt, err := c.resolve(job.Job.Language)
	if err != nil {
		return nil, err
	}
	// The job goes to a worker of the submission's language; the
	// checker's and interactor's must be somewhere too (a worker that
	// lacks them answers a RuntimeNotFoundError as the engine would).
	for _, p := range []*engine.Program{job.Checker, job.Interactor} {
		if p == nil {
			continue
		}
		if _, err := c.resolve(p.Language); err != nil {
			return nil, err
		}
	}
	if parts := c.judgeParts(job, rt.Language); parts > 1 {
		return c.judgeSpread(ctx, job, rt.Language, parts)
	}
	return c.judgeOne(ctx, job, rt.Language)
}

// judgeOne sends a whole judge to one worker of language.
func (c *Client) judgeOne(ctx context.Context, job engine.JudgeJob, language string) (*engine.JudgeResult, error) {
	wj := WireJudgeJob(job)
	rep, err := c.call(ctx, call{
		kind: kindJudge, language: language, body: request{Judge: &wj},
		budget: c.judgeBudget(job), onTest: job.OnTest,
	})
	if err != nil {
		return nil, err
	}
	if rep.Judge == nil {
		return nil, errors.New("cluster: a worker answered neither a judge result nor an error")
	}
	return rep.Judge, nil
}
