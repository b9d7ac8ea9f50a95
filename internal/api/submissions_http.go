package api

// The v1 routes of asynchronous submissions.

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/coderacer/coderacer/internal/admission"
	"github.com/coderacer/coderacer/internal/store"
)

const errNoSubmissions = "asynchronous submissions are off on this server (no submission store)"

// needStore answers 501 for a route of submissions on a server without
// a store.
func (s *server) needStore(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.opts.Submissions.Store == nil {
			writeError(w, http.StatusNotImplemented, errNoSubmissions)
			return
		}
		h(w, r)
	}
}

// submitRequest holds the fields a submission adds to an execute or
// judge body.
type submitRequest struct {
	Kind        *string `json:"kind"`
	CallbackURL *string `json:"callbackUrl"`
}

// submitError is a submission refused at the door: its status and
// message.
type submitError struct {
	code int
	msg  string
}

func (e *submitError) Error() string { return e.msg }

func (s *server) handleSubmit(w http.ResponseWriter, r *http.Request) {
	wait, ok := boolParam(w, r, "wait")
	if !ok {
		return
	}
	body, release, code, msg := s.readBodyUpTo(w, r, max(s.opts.MaxBodyBytes, s.opts.Judge.MaxBodyBytes))
	if code != 0 {
		writeFailure(w, code, msg, writeError)
		return
	}
	token, err := s.submit(r.Context(), body)
	release()
	if err != nil {
		s.writeSubmitError(w, token, err)
		return
	}
	if !wait {
		writeJSON(w, http.StatusAccepted, map[string]string{"token": token})
		return
	}
	s.answerWhenOver(w, r, token)
}

// answerWhenOver answers a submission's state once it is over (200), or
// as it stands when the wait bound passes first (202).
func (s *server) answerWhenOver(w http.ResponseWriter, r *http.Request, token string) {
	st, ok := s.waitOver(w, r, token)
	if !ok {
		return
	}
	code := http.StatusOK
	if !over(st) {
		code = http.StatusAccepted
	}
	s.writeSubmission(w, code, st)
}

// waitOver waits until a submission is over, at most the wait bound and
// never past the start of a shutdown (the workers stop then): its state
// then, over or not. False when nobody is to be answered (the client
// left) or the store failed (answered here).
func (s *server) waitOver(w http.ResponseWriter, r *http.Request, token string) (store.State, bool) {
	ctx, cancel := context.WithTimeout(r.Context(), s.opts.Submissions.MaxWait)
	defer cancel()
	if stopping := s.opts.Submissions.Stopping; stopping != nil {
		go func() {
			select {
			case <-stopping:
				cancel()
			case <-ctx.Done():
			}
		}()
	}
	st, err := s.opts.Submissions.Store.Wait(ctx, token)
	switch {
	case err == nil:
		return st, true
	case r.Context().Err() != nil:
		return st, false // the client left
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		if st.Token != "" {
			return st, true
		}
		// The wait ended before it saw a state (a shutdown began as the
		// submission was made): read it as it stands.
		gctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), standingReadTimeout)
		defer cancel()
		if st, err = s.opts.Submissions.Store.Get(gctx, token); err == nil {
			return st, true
		}
	}
	s.storeError(w, token, err)
	return st, false
}

// standingReadTimeout bounds the read of a submission's state once its
// wait has ended without one.
const standingReadTimeout = 5 * time.Second

// writeSubmission answers one submission's view, within the response
// memory.
func (s *server) writeSubmission(w http.ResponseWriter, code int, st store.State) {
	var meta submissionMeta
	_ = json.Unmarshal(st.Meta, &meta)
	done, ok := s.holdBytes(int64(len(st.Result)))
	if !ok {
		writeFailure(w, http.StatusServiceUnavailable, s.responsesBusy(), writeError)
		return
	}
	defer done()
	writeJSON(w, code, viewOf(st, meta))
}

func (s *server) writeSubmitError(w http.ResponseWriter, token string, err error) {
	if code, msg, ok := refused(err); ok {
		writeError(w, code, msg)
		return
	}
	s.storeError(w, token, err)
}

// refused is the status and message of a submission refused for what it
// holds; false when the error is the server's (the store failed).
func refused(err error) (code int, msg string, ok bool) {
	var se *submitError
	var re *requestError
	switch {
	case errors.As(err, &se):
		return se.code, se.msg, true
	case errors.As(err, &re):
		return http.StatusBadRequest, re.msg, true
	}
	return 0, "", false
}

// submit checks one submission body, queues it and returns its token.
func (s *server) submit(ctx context.Context, body []byte) (string, error) {
	var req submitRequest
	if err := json.Unmarshal(body, &req); err != nil {
		// parseJob explains a broken body in the request's own terms;
		// a body it takes has a kind or callbackUrl of the wrong type.
		if _, _, perr := s.parseJob(body); perr != nil {
			return "", perr
		}
		return "", jsonError(err, "")
	}
	kind := kindExecute
	if req.Kind != nil {
		kind = *req.Kind
	}
	if err := s.checkSubmission(kind, body); err != nil {
		return "", err
	}
	client, _ := admission.ClientFrom(ctx)
	meta := submissionMeta{Kind: kind, Owner: client.Name}
	if req.CallbackURL != nil {
		t, err := s.callbackTarget(ctx, *req.CallbackURL, http.MethodPost)
		if err != nil {
			return "", err
		}
		meta.Callback = t
	}
	return s.enqueue(ctx, submissionJob{Kind: kind, Client: client, Request: body}, meta)
}

// enqueue queues a checked job under a new token.
func (s *server) enqueue(ctx context.Context, job submissionJob, meta submissionMeta) (string, error) {
	token := newToken()
	payload, err := json.Marshal(job)
	if err != nil {
		return token, err
	}
	m, err := json.Marshal(meta)
	if err != nil {
		return token, err
	}
	return token, s.opts.Submissions.Store.Submit(ctx, token, payload, m)
}

// checkSubmission parses a body as its kind's route would, so that a bad
// one is refused now rather than failing in the queue.
func (s *server) checkSubmission(kind string, body []byte) error {
	switch kind {
	case kindExecute:
		if int64(len(body)) > s.opts.MaxBodyBytes {
			return &submitError{http.StatusRequestEntityTooLarge, "an execute submission's body exceeds " + strconv.FormatInt(s.opts.MaxBodyBytes, 10) + " bytes"}
		}
		job, _, err := s.parseJob(body)
		if err != nil {
			return err
		}
		if _, ok := s.lookupRuntime(job.Language); !ok {
			return badRequest("runtime %q is unknown: GET /api/v1/runtimes lists those installed", job.Language)
		}
		return nil
	case kindJudge:
		p, err := s.parseJudge(body)
		if err != nil {
			return err
		}
		if _, ok := s.lookupRuntime(p.job.Job.Language); !ok {
			return badRequest("runtime %q is unknown: GET /api/v1/runtimes lists those installed", p.job.Job.Language)
		}
		return nil
	}
	return badRequest(`kind must be "execute" or "judge", not %q`, kind)
}

func (s *server) handleGetSubmission(w http.ResponseWriter, r *http.Request) {
	token := r.PathValue("token")
	st, _, err := s.lookupSubmission(r.Context(), token, v1Kinds...)
	if err != nil {
		s.storeError(w, token, err)
		return
	}
	s.writeSubmission(w, http.StatusOK, st)
}

func (s *server) handleCancelSubmission(w http.ResponseWriter, r *http.Request) {
	token := r.PathValue("token")
	if _, _, err := s.lookupSubmission(r.Context(), token, v1Kinds...); err != nil {
		s.storeError(w, token, err)
		return
	}
	if err := s.opts.Submissions.Store.Cancel(r.Context(), token); err != nil {
		s.storeError(w, token, err)
		return
	}
	st, _, err := s.lookupSubmission(r.Context(), token, v1Kinds...)
	if err != nil {
		s.storeError(w, token, err)
		return
	}
	s.writeSubmission(w, http.StatusOK, st)
}

// boolParam reads a query parameter that is true, false or absent; any
// other value is answered 400.
func boolParam(w http.ResponseWriter, r *http.Request, name string) (bool, bool) {
	switch v := strings.ToLower(r.URL.Query().Get(name)); v {
	case "", "false", "0":
		return false, true
	case "true", "1":
		return true, true
	default:
		writeError(w, http.StatusBadRequest, name+` must be "true" or "false", not "`+v+`"`)
		return false, false
	}
}
