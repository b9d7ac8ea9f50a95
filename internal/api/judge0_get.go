package api

// Reading Judge0 submissions: one, a batch, the listing, and DELETE. A
// submission is shown from what the store keeps: its record (the
// request's attributes, in the meta) and its result.

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/coderacer/coderacer/internal/judge0"
	"github.com/coderacer/coderacer/internal/store"
)

// judge0Params are the query parameters of an answer holding
// submissions.
type judge0Params struct {
	base64 bool
	fields []string
}

// judge0Query reads base64_encoded and fields; a bad one is answered 400.
func judge0Query(w http.ResponseWriter, r *http.Request) (judge0Params, bool) {
	b64, ok := boolParam(w, r, "base64_encoded")
	if !ok {
		return judge0Params{}, false
	}
	fields, err := judge0.ParseFields(r.URL.Query().Get("fields"))
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return judge0Params{}, false
	}
	return judge0Params{base64: b64, fields: fields}, true
}

// judge0View is a stored submission as Judge0 shows it; false when it is
// not one of Judge0's (a v1 submission's token).
func judge0View(st store.State, meta submissionMeta) (*judge0.View, bool) {
	if meta.Kind != kindJudge0 {
		return nil, false
	}
	var rec judge0.Record
	if err := json.Unmarshal(meta.Dialect, &rec); err != nil {
		return nil, false
	}
	v := rec.View(st.Token, st.Created, st.Status == store.StatusRunning)
	finished := st.Finished
	if finished.IsZero() {
		finished = st.Created
	}
	switch st.Status {
	case store.StatusDone:
		v.Finish(judge0ResultOf(st), finished)
	case store.StatusCancelled:
		v.Finish(judge0.Failed("the submission was cancelled"), finished)
	}
	return v, true
}

// judge0ResultOf reads a finished submission's result: the runner's, or
// an Internal Error saying why there is none.
func judge0ResultOf(st store.State) judge0.Result {
	var r submissionResult
	if err := json.Unmarshal(st.Result, &r); err != nil {
		if st.Error != "" {
			return judge0.Failed(st.Error)
		}
		return judge0.Failed("the submission's result is unreadable")
	}
	if r.Error != "" {
		return judge0.Failed(r.Error)
	}
	var res judge0.Result
	if err := json.Unmarshal(r.Response, &res); err != nil {
		return judge0.Failed("the submission's result is unreadable")
	}
	return res
}

// renderJudge0 renders a state; nil for one that is not Judge0's.
func renderJudge0(st store.State, meta submissionMeta, q judge0Params) (map[string]any, error) {
	v, ok := judge0View(st, meta)
	if !ok {
		return nil, nil
	}
	return judge0.Render(v, q.fields, q.base64)
}

// writeJudge0Submission answers one submission, within the response
// memory.
func (s *server) writeJudge0Submission(w http.ResponseWriter, code int, st store.State, meta submissionMeta, q judge0Params) {
	done, ok := s.holdBytes(int64(len(st.Result) + len(st.Meta)))
	if !ok {
		writeFailure(w, http.StatusServiceUnavailable, s.responsesBusy(), writeError)
		return
	}
	defer done()
	out, err := renderJudge0(st, meta, q)
	switch {
	case errors.Is(err, judge0.ErrNotUTF8Field):
		writeError(w, http.StatusBadRequest, judge0.ErrNotUTF8)
	case err != nil:
		writeError(w, http.StatusInternalServerError, "internal error")
	case out == nil:
		writeJudge0NotFound(w)
	default:
		writeJSON(w, code, out)
	}
}

func writeJudge0NotFound(w http.ResponseWriter) {
	writeError(w, http.StatusNotFound, "submission not found (unknown, or expired)")
}

func (s *server) handleJudge0Get(w http.ResponseWriter, r *http.Request) {
	q, ok := judge0Query(w, r)
	if !ok {
		return
	}
	token := r.PathValue("token")
	st, meta, err := s.lookupSubmission(r.Context(), token, kindJudge0)
	if isNotFound(err) {
		writeJudge0NotFound(w)
		return
	}
	if err != nil {
		s.storeError(w, token, err)
		return
	}
	s.writeJudge0Submission(w, http.StatusOK, st, meta, q)
}

func (s *server) handleJudge0GetBatch(w http.ResponseWriter, r *http.Request) {
	q, ok := judge0Query(w, r)
	if !ok {
		return
	}
	var tokens []string
	for _, t := range strings.Split(r.URL.Query().Get("tokens"), ",") {
		if t = strings.TrimSpace(t); t != "" {
			tokens = append(tokens, t)
		}
	}
	if len(tokens) == 0 || len(tokens) > s.opts.Submissions.MaxBatch {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("tokens must list 1 to %d tokens, comma-separated", s.opts.Submissions.MaxBatch))
		return
	}
	states := make([]store.State, 0, len(tokens))
	metas := make([]submissionMeta, 0, len(tokens))
	for _, token := range tokens {
		st, meta, err := s.lookupSubmission(r.Context(), token, kindJudge0)
		if err != nil && !isNotFound(err) {
			s.storeError(w, token, err)
			return
		}
		states, metas = append(states, st), append(metas, meta)
	}
	s.writeJudge0List(w, states, metas, q, nil)
}

// writeJudge0List answers {"submissions": [...]} (null for one unknown),
// with meta when the listing pages.
func (s *server) writeJudge0List(w http.ResponseWriter, states []store.State, metas []submissionMeta, q judge0Params, page map[string]any) {
	var size int64
	for _, st := range states {
		size += int64(len(st.Result) + len(st.Meta))
	}
	done, ok := s.holdBytes(size)
	if !ok {
		writeFailure(w, http.StatusServiceUnavailable, s.responsesBusy(), writeError)
		return
	}
	defer done()
	out := make([]any, len(states))
	for i := range states {
		m, err := renderJudge0(states[i], metas[i], q)
		if errors.Is(err, judge0.ErrNotUTF8Field) {
			writeError(w, http.StatusBadRequest, judge0.ErrNotUTF8Batch)
			return
		}
		if m != nil {
			out[i] = m
		}
	}
	body := map[string]any{"submissions": out}
	if page != nil {
		body["meta"] = page
	}
	writeJSON(w, http.StatusOK, body)
}
