package api

// Asynchronous submissions (README "Submissions"): POST answers a token at
// once, the job waits in a durable queue (internal/store) and a worker
// runs it; GET reads its state and result, DELETE cancels it.

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/coderacer/coderacer/internal/admission"
	"github.com/coderacer/coderacer/internal/store"
)

// Submissions is the durable queue of asynchronous submissions;
// internal/store implements it.
type Submissions interface {
	// Submit records id as queued, with meta kept beside its state, and
	// queues payload for a worker.
	Submit(ctx context.Context, id string, payload, meta []byte) error
	// Get returns id's state; store.ErrNotFound for an unknown id.
	Get(ctx context.Context, id string) (store.State, error)
	// Wait returns id's state once it is over, or ctx's error with the
	// last state seen.
	Wait(ctx context.Context, id string) (store.State, error)
	// Cancel cancels a queued or running submission;
	// store.ErrFinished when it is over already.
	Cancel(ctx context.Context, id string) error
	// Delete removes an ended submission (Judge0's DELETE);
	// store.ErrNotOver while it is queued or running.
	Delete(ctx context.Context, id string) error
	// IDs lists the ids of the submissions kept (Judge0's listing).
	IDs(ctx context.Context) ([]string, error)
}

// The defaults of SubmissionOptions.
const (
	// DefaultSubmissionWait bounds ?wait=true: past it the answer is the
	// token and the state so far, and the client polls.
	DefaultSubmissionWait = 60 * time.Second
	// DefaultSubmissionBatch is the most submissions of one batch
	// (Judge0's own default).
	DefaultSubmissionBatch = 20
)

// SubmissionOptions configure the asynchronous routes. Without Store
// they answer 501.
type SubmissionOptions struct {
	Store    Submissions
	MaxWait  time.Duration // 0 means DefaultSubmissionWait
	MaxBatch int           // 0 means DefaultSubmissionBatch
	// MaxQueued is what the store holds queued or running at most
	// (Judge0's max_queue_size tells it); 0 means store.DefaultMaxQueued.
	MaxQueued int
	// Callbacks delivers finished submissions to their callback URLs;
	// nil: a submission with one is refused.
	Callbacks Callbacks
	// Stopping, closed when the server starts shutting down, ends the
	// waits of ?wait=true (answered as they stand) and of WebSocket
	// follows (closed 1001): the workers stop, nothing more will end.
	Stopping <-chan struct{}
}

func (o SubmissionOptions) withDefaults() SubmissionOptions {
	if o.MaxWait <= 0 {
		o.MaxWait = DefaultSubmissionWait
	}
	if o.MaxBatch <= 0 {
		o.MaxBatch = DefaultSubmissionBatch
	}
	if o.MaxQueued <= 0 {
		o.MaxQueued = store.DefaultMaxQueued
	}
	return o
}

// submissionMeta is what the store keeps beside a submission's state.
type submissionMeta struct {
	Kind string `json:"kind"`
	// Owner is the client that submitted it: with API keys on, only it
	// may read or cancel it.
	Owner    string          `json:"owner"`
	Callback *callbackTarget `json:"callback,omitempty"`
	// Dialect is what a dialect keeps to render the submission later
	// (Judge0 echoes the request's fields).
	Dialect json.RawMessage `json:"dialect,omitempty"`
}

// submissionView is the v1 answer about a submission.
type submissionView struct {
	Token    string          `json:"token"`
	Kind     string          `json:"kind,omitempty"`
	Status   string          `json:"status"`
	Result   json.RawMessage `json:"result"`
	Error    string          `json:"error,omitempty"`
	Code     int             `json:"errorCode,omitempty"`
	Created  *time.Time      `json:"createdAt,omitempty"`
	Started  *time.Time      `json:"startedAt,omitempty"`
	Finished *time.Time      `json:"finishedAt,omitempty"`
}

// newToken returns a random UUID (version 4): a token is a capability,
// unguessable.
func newToken() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// viewOf renders a state as the v1 answer.
func viewOf(st store.State, meta submissionMeta) submissionView {
	v := submissionView{Token: st.Token, Kind: meta.Kind, Status: string(st.Status), Result: json.RawMessage("null"), Error: st.Error}
	v.Created, v.Started, v.Finished = timeOrNil(st.Created), timeOrNil(st.Started), timeOrNil(st.Finished)
	if st.Status == store.StatusDone && len(st.Result) > 0 {
		var r submissionResult
		if err := json.Unmarshal(st.Result, &r); err == nil {
			if len(r.Response) > 0 {
				v.Result = r.Response
			}
			if r.Error != "" {
				v.Error, v.Code = r.Error, r.Code
			}
		}
	}
	return v
}

func timeOrNil(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// over reports whether a submission has ended.
func over(st store.State) bool {
	return st.Status == store.StatusDone || st.Status == store.StatusCancelled
}

// v1Kinds are the kinds the v1 routes show; Judge0's are its own.
var v1Kinds = []string{kindExecute, kindJudge}

// lookupSubmission reads a submission of one of kinds the request's
// client may see: with API keys on, another client's is not found, like
// an unknown one, and so is one of another dialect.
func (s *server) lookupSubmission(ctx context.Context, token string, kinds ...string) (store.State, submissionMeta, error) {
	st, err := s.opts.Submissions.Store.Get(ctx, token)
	if err != nil {
		return store.State{}, submissionMeta{}, err
	}
	var meta submissionMeta
	if len(st.Meta) > 0 {
		if err := json.Unmarshal(st.Meta, &meta); err != nil {
			return store.State{}, submissionMeta{}, fmt.Errorf("submission %s: decode meta: %w", token, err)
		}
	}
	c, _ := admission.ClientFrom(ctx)
	if s.opts.Keys != nil && meta.Owner != c.Name || !slices.Contains(kinds, meta.Kind) {
		return store.State{}, submissionMeta{}, fmt.Errorf("%w: %s", store.ErrNotFound, token)
	}
	return st, meta, nil
}

// storeError answers an error of the store in v1's words.
func (s *server) storeError(w http.ResponseWriter, token string, err error) {
	switch {
	case isNotFound(err):
		writeError(w, http.StatusNotFound, fmt.Sprintf("no submission %q (unknown, or expired)", token))
	case errors.Is(err, store.ErrFinished):
		writeError(w, http.StatusConflict, fmt.Sprintf("submission %q is over already", token))
	case errors.Is(err, store.ErrQueueFull):
		writeFailure(w, http.StatusServiceUnavailable, "server busy: the submission queue is full, retry later", writeError)
	case errors.Is(err, store.ErrTooLarge):
		writeError(w, http.StatusRequestEntityTooLarge, err.Error())
	default:
		s.log.Error("submission store", "token", token, "err", err)
		writeFailure(w, http.StatusServiceUnavailable, "submission store unavailable, retry later", writeError)
	}
}
