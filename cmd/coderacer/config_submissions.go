package main

import (
	"fmt"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/coderacer/coderacer/internal/api"
	"github.com/coderacer/coderacer/internal/callback"
	"github.com/coderacer/coderacer/internal/store"
)

// submissionSettings configure asynchronous submissions (README
// "Submissions"): where the store lives and how jobs and callbacks go.
type submissionSettings struct {
	DataDir   string
	NATSURL   string
	ResultTTL time.Duration
	// Workers run queued submissions; 0: twice the parallelism, so that
	// a freed sandbox finds the next job waiting.
	Workers  int
	MaxWait  time.Duration
	MaxBatch int
	// MaxQueued bounds the submissions queued or running.
	MaxQueued int
	// SyncAlways fsyncs every write of the embedded NATS.
	SyncAlways bool
	Callback   callbackSettings
}

type callbackSettings struct {
	Secret   string
	Allow    []netip.Prefix
	Attempts int
	Timeout  time.Duration
}

func defaultSubmissionSettings() submissionSettings {
	return submissionSettings{
		DataDir:   store.DefaultDataDir,
		ResultTTL: store.DefaultResultTTL,
		MaxWait:   api.DefaultSubmissionWait,
		MaxBatch:  api.DefaultSubmissionBatch,
		MaxQueued: store.DefaultMaxQueued,
	}
}

func (c *serveConfig) submissionSettings() []setting {
	s := &c.Submissions
	return []setting{
		{"CODERACER_DATA_DIR", "data-dir", "directory of the embedded NATS server's JetStream files (queued submissions, states, results) and of the runtimes' version cache (runtime-versions.json)", stringValue(&s.DataDir)},
		{"CODERACER_NATS_URL", "nats-url", "use this NATS (nats://host:4222, with JetStream; several URLs of one cluster comma-separated; user:password@ or token@ in a URL) instead of the embedded one", natsURL(&s.NATSURL)},
		{"CODERACER_RESULT_TTL", "result-ttl", "how long a submission's state and result are kept after its last change", durationValue(&s.ResultTTL)},
		{"CODERACER_SUBMISSION_WORKERS", "submission-workers", "queued submissions run at once (they still share the sandboxes fairly with waiting requests); 0: twice the parallelism", intValue(&s.Workers)},
		{"CODERACER_SUBMISSION_WAIT", "submission-wait", "longest ?wait=true: past it the answer is the submission as it stands (202)", durationValue(&s.MaxWait)},
		{"CODERACER_SUBMISSION_BATCH", "submission-batch", "most submissions in one batch (POST or GET)", intValue(&s.MaxBatch)},
		{"CODERACER_SUBMISSION_MAX_QUEUED", "submission-max-queued", "submissions queued or running at once; more get 503", intValue(&s.MaxQueued)},
		{"CODERACER_DATA_SYNC", "data-sync", "1: the embedded NATS fsyncs every write (survives a machine crash, not only a killed server; slower)", boolValue(&s.SyncAlways)},
		{"CODERACER_CALLBACK_SECRET", "callback-secret", "key of the HMAC-SHA256 signature of callbacks (X-Coderacer-Signature: sha256=<hex>); empty: unsigned", secretValue(&s.Callback.Secret)},
		{"CODERACER_CALLBACK_ALLOW", "callback-allow", "comma-separated CIDRs callbacks may reach although loopback, private or link-local (none: only public addresses)", value[[]netip.Prefix]{p: &s.Callback.Allow, parse: parseCallbackAllow, format: joinList[netip.Prefix]}},
		{"CODERACER_CALLBACK_ATTEMPTS", "callback-attempts", "deliveries of a callback tried at most (with exponential backoff)", intValue(&s.Callback.Attempts)},
		{"CODERACER_CALLBACK_TIMEOUT", "callback-timeout", "how long one callback delivery may take", durationValue(&s.Callback.Timeout)},
	}
}

func (c *serveConfig) checkSubmissions() error {
	s := c.Submissions
	switch {
	case s.DataDir == "" && s.NATSURL == "":
		return fmt.Errorf("a data directory (CODERACER_DATA_DIR) or a NATS URL (CODERACER_NATS_URL) is needed")
	case s.ResultTTL < time.Minute:
		return fmt.Errorf("result TTL %v: at least a minute", s.ResultTTL)
	case s.Workers < 0 || s.MaxWait <= 0 || s.MaxBatch < 1 || s.MaxQueued < 1:
		return fmt.Errorf("submission workers must not be negative; wait, batch and max queued must be positive")
	case s.Callback.Attempts < 0 || s.Callback.Timeout < 0:
		return fmt.Errorf("callback attempts and timeout must not be negative")
	}
	return checkNATSURL(s.NATSURL)
}

// checkNATSURL accepts what nats.Connect does: comma-separated URLs of
// the schemes NATS speaks, each with a host.
func checkNATSURL(list string) error {
	if list == "" {
		return nil
	}
	for _, raw := range strings.Split(list, ",") {
		u, err := url.Parse(strings.TrimSpace(raw))
		if err != nil || u.Host == "" || !slices.Contains([]string{"nats", "tls", "ws", "wss"}, u.Scheme) {
			return fmt.Errorf("CODERACER_NATS_URL (--nats-url) %q: want nats://host:port (or tls://, ws://, wss://), comma-separated", raw)
		}
	}
	return nil
}

// parseCallbackAllow is callback.ParseAllow with "none" for the empty
// list, as every list setting has.
func parseCallbackAllow(s string) ([]netip.Prefix, error) {
	if strings.TrimSpace(s) == "none" {
		return nil, nil
	}
	return callback.ParseAllow(s)
}

// workers is the number of submission workers, the default resolved.
func (s submissionSettings) workers(parallelism int) int {
	if s.Workers > 0 {
		return s.Workers
	}
	return 2 * parallelism
}
