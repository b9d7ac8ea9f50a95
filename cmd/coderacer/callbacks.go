package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/coderacer/coderacer/internal/callback"
	"github.com/nats-io/nats.go/jetstream"
)

// callbacks adapts the deliverer to the API's Callbacks: the API knows
// URLs and methods, not the deliverer's types.
type callbacks struct {
	d      *callback.Deliverer
	policy callback.Policy
}

// newCallbacks opens the callback queue on the store's JetStream.
func newCallbacks(ctx context.Context, js jetstream.JetStream, s callbackSettings, log *slog.Logger) (*callbacks, error) {
	policy := callback.Policy{Allow: s.Allow}
	cfg := callback.Config{
		Attempts: s.Attempts,
		Timeout:  s.Timeout,
		Secret:   []byte(s.Secret),
		Policy:   policy,
		Logger:   log,
	}
	d, err := callback.New(ctx, js, cfg)
	if err != nil {
		return nil, fmt.Errorf("callbacks: %w", err)
	}
	return &callbacks{d: d, policy: policy}, nil
}

func (c *callbacks) Check(ctx context.Context, rawURL string) error {
	return c.policy.CheckURL(ctx, rawURL)
}

func (c *callbacks) Deliver(ctx context.Context, id, rawURL, method string, body []byte) error {
	return c.d.Enqueue(ctx, id, callback.Target{URL: rawURL, Method: method}, body)
}
