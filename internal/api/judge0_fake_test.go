package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coderacer/coderacer/internal/engine"
	"github.com/coderacer/coderacer/internal/store"
)

// fakeSubmissions is an in-memory Submissions: a submitted job runs at
// once, synchronously, through the server's worker side (RunSubmission),
// unless hold is set; then it stays queued until runQueued.
type fakeSubmissions struct {
	mu       sync.Mutex
	states   map[string]store.State
	payloads map[string][]byte
	order    []string
	hold     bool
	run      func(ctx context.Context, id string, payload []byte) ([]byte, error)
	done     func(ctx context.Context, st store.State) error
}

func newFakeSubmissions() *fakeSubmissions {
	return &fakeSubmissions{states: map[string]store.State{}, payloads: map[string][]byte{}}
}

func (f *fakeSubmissions) Submit(ctx context.Context, id string, payload, meta []byte) error {
	f.mu.Lock()
	f.states[id] = store.State{Token: id, Status: store.StatusQueued, Meta: meta, Created: time.Now().UTC()}
	f.payloads[id] = payload
	f.order = append(f.order, id)
	hold := f.hold
	f.mu.Unlock()
	if !hold {
		f.runOne(ctx, id)
	}
	return nil
}

// runOne runs a queued submission as a worker would.
func (f *fakeSubmissions) runOne(ctx context.Context, id string) {
	f.mu.Lock()
	payload := f.payloads[id]
	f.mu.Unlock()
	result, err := f.run(ctx, id, payload)
	f.mu.Lock()
	st := f.states[id]
	st.Status, st.Result, st.Finished = store.StatusDone, result, time.Now().UTC()
	if err != nil {
		st.Error = err.Error()
	}
	f.states[id] = st
	f.mu.Unlock()
	if f.done != nil {
		f.done(ctx, st)
	}
}

func (f *fakeSubmissions) runQueued(ctx context.Context) {
	f.mu.Lock()
	var queued []string
	for _, id := range f.order {
		if f.states[id].Status == store.StatusQueued {
			queued = append(queued, id)
		}
	}
	f.mu.Unlock()
	for _, id := range queued {
		f.runOne(ctx, id)
	}
}

func (f *fakeSubmissions) Get(ctx context.Context, id string) (store.State, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	st, ok := f.states[id]
	if !ok {
		return store.State{}, fmt.Errorf("%w: %s", store.ErrNotFound, id)
	}
	return st, nil
}

func (f *fakeSubmissions) Wait(ctx context.Context, id string) (store.State, error) {
	return f.Get(ctx, id)
}

func (f *fakeSubmissions) Cancel(ctx context.Context, id string) error { return store.ErrFinished }

func (f *fakeSubmissions) Delete(ctx context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	st, ok := f.states[id]
	switch {
	case !ok:
		return store.ErrNotFound
	case !over(st):
		return store.ErrNotOver
	}
	delete(f.states, id)
	return nil
}

func (f *fakeSubmissions) IDs(ctx context.Context) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var ids []string
	for _, id := range f.order {
		if _, ok := f.states[id]; ok {
			ids = append(ids, id)
		}
	}
	return ids, nil
}

// fakeCallbacks records deliveries.
type fakeCallbacks struct {
	mu         sync.Mutex
	deliveries []delivery
}

type delivery struct {
	id, url, method string
	body            []byte
}

func (c *fakeCallbacks) Check(ctx context.Context, rawURL string) error {
	if strings.Contains(rawURL, "forbidden") {
		return fmt.Errorf("callback URL %q is not allowed", rawURL)
	}
	return nil
}

func (c *fakeCallbacks) Deliver(ctx context.Context, id, rawURL, method string, body []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.deliveries = append(c.deliveries, delivery{id, rawURL, method, body})
	return nil
}

// judge0Runtimes adds a compiled runtime with compiler options to the
// fake's.
var judge0Runtimes = append(slices.Clone(defaultRuntimes),
	engine.RuntimeInfo{Language: "c++", Version: "12.2.0", Compiled: true, CompilerOptions: []string{"-O2"}})

// judge0Env is a server with a fake engine and a fake store.
type judge0Env struct {
	exec  *fakeExec
	subs  *fakeSubmissions
	cbs   *fakeCallbacks
	h     http.Handler
	users []string
}

func newJudge0Env(t *testing.T, opts Options) *judge0Env {
	t.Helper()
	e := &judge0Env{exec: &fakeExec{runtimes: judge0Runtimes}, subs: newFakeSubmissions(), cbs: &fakeCallbacks{}}
	opts.Logger = quietLogger()
	opts.Submissions.Store = e.subs
	opts.Submissions.Callbacks = e.cbs
	srv := NewServer(e.exec, opts)
	e.subs.run, e.subs.done = srv.RunSubmission, srv.SubmissionDone
	e.h = srv.Handler()
	return e
}

// call sends a request and decodes a JSON answer into out (unless nil).
func (e *judge0Env) call(t *testing.T, method, target, body string, want int, out any) {
	t.Helper()
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	for _, u := range e.users {
		req.Header.Set("X-Auth-User", u)
	}
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	if rec.Code != want {
		t.Fatalf("%s %s: status %d, want %d; body %s", method, target, rec.Code, want, rec.Body)
	}
	if out != nil {
		if err := json.Unmarshal(rec.Body.Bytes(), out); err != nil {
			t.Fatalf("%s %s: body %q: %v", method, target, rec.Body, err)
		}
	}
}

// submit posts one submission and returns its token.
func (e *judge0Env) submit(t *testing.T, query, body string) string {
	t.Helper()
	var tok struct{ Token string }
	e.call(t, http.MethodPost, "/judge0/submissions"+query, body, http.StatusCreated, &tok)
	if tok.Token == "" {
		t.Fatal("no token")
	}
	return tok.Token
}

// get reads a submission with fields=* (plain text).
func (e *judge0Env) get(t *testing.T, token string) map[string]any {
	t.Helper()
	var m map[string]any
	e.call(t, http.MethodGet, "/judge0/submissions/"+token+"?fields=*", "", http.StatusOK, &m)
	return m
}

func statusID(m map[string]any) int {
	s, _ := m["status"].(map[string]any)
	id, _ := s["id"].(float64)
	return int(id)
}
