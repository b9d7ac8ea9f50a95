package api

// Callbacks: a finished submission is delivered to the URL its client
// gave (internal/callback signs, retries and checks the target).

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/coderacer/coderacer/internal/store"
)

// Callbacks delivers finished submissions; internal/callback implements
// it.
type Callbacks interface {
	// Check refuses a target the server must not call (a loopback or
	// private address the operator did not allow); its message is
	// the client's 400.
	Check(ctx context.Context, rawURL string) error
	// Deliver queues body for delivery to the target, at least once;
	// deliveries of the same id are one.
	Deliver(ctx context.Context, id, rawURL, method string, body []byte) error
}

// callbackTarget is where and how a finished submission is delivered.
type callbackTarget struct {
	URL    string `json:"url"`
	Method string `json:"method"`
}

// callbackTarget checks a client's callback URL.
func (s *server) callbackTarget(ctx context.Context, raw, method string) (*callbackTarget, error) {
	cb := s.opts.Submissions.Callbacks
	if cb == nil {
		return nil, &submitError{http.StatusBadRequest, "callbacks are off on this server"}
	}
	if err := cb.Check(ctx, raw); err != nil {
		return nil, &submitError{http.StatusBadRequest, err.Error()}
	}
	return &callbackTarget{URL: raw, Method: method}, nil
}

// callbackBody renders a finished submission for its callback, in its
// dialect's shape.
type callbackBody func(st store.State, meta submissionMeta) ([]byte, error)

// submissionDone is the store's OnDone: it queues the callback of a
// finished submission that asked for one. It may run more than once for
// one submission (Deliver dedups by token).
func (s *server) submissionDone(ctx context.Context, st store.State) error {
	var meta submissionMeta
	if len(st.Meta) > 0 {
		if err := json.Unmarshal(st.Meta, &meta); err != nil {
			return fmt.Errorf("submission %s: decode meta: %w", st.Token, err)
		}
	}
	cb := s.opts.Submissions.Callbacks
	if meta.Callback == nil || cb == nil {
		return nil
	}
	render, ok := s.callbackBodies[meta.Kind]
	if !ok {
		render = v1CallbackBody
	}
	body, err := render(st, meta)
	if err != nil {
		return fmt.Errorf("submission %s: callback body: %w", st.Token, err)
	}
	return cb.Deliver(ctx, st.Token, meta.Callback.URL, meta.Callback.Method, body)
}

// v1CallbackBody is what GET /api/v1/submissions/{token} answers.
func v1CallbackBody(st store.State, meta submissionMeta) ([]byte, error) {
	return json.Marshal(viewOf(st, meta))
}
