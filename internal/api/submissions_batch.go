package api

// Batches of asynchronous submissions: many queued by one request, many
// read by one.

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/coderacer/coderacer/internal/store"
)

// batchItem is one submission's answer in a batch: its token, or why it
// was refused.
type batchItem struct {
	Token string `json:"token,omitempty"`
	Error string `json:"error,omitempty"`
	Code  int    `json:"errorCode,omitempty"`
}

func (s *server) handleSubmitBatch(w http.ResponseWriter, r *http.Request) {
	body, release, code, msg := s.readBodyUpTo(w, r, max(s.opts.MaxBodyBytes, s.opts.Judge.MaxBodyBytes))
	if code != 0 {
		writeFailure(w, code, msg, writeError)
		return
	}
	defer release()
	var req struct {
		Submissions []json.RawMessage `json:"submissions"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		writeError(w, http.StatusBadRequest, jsonError(err, "").Error())
		return
	}
	n, most := len(req.Submissions), s.opts.Submissions.MaxBatch
	if n == 0 || n > most {
		writeError(w, http.StatusBadRequest, "submissions must hold 1 to "+strconv.Itoa(most)+" submissions, not "+strconv.Itoa(n))
		return
	}
	items := make([]batchItem, n)
	for i, one := range req.Submissions {
		token, err := s.submit(r.Context(), one)
		if err == nil {
			items[i] = batchItem{Token: token}
			continue
		}
		code, msg, ok := refused(err)
		if !ok {
			s.storeError(w, token, err) // the store failed: the batch is not accepted as a whole
			return
		}
		items[i] = batchItem{Error: msg, Code: code}
	}
	writeJSON(w, http.StatusAccepted, map[string][]batchItem{"submissions": items})
}

func (s *server) handleGetBatch(w http.ResponseWriter, r *http.Request) {
	tokens := strings.Split(r.URL.Query().Get("tokens"), ",")
	if len(tokens) == 1 && tokens[0] == "" || len(tokens) > s.opts.Submissions.MaxBatch {
		writeError(w, http.StatusBadRequest, "tokens must list 1 to "+strconv.Itoa(s.opts.Submissions.MaxBatch)+" tokens, comma-separated")
		return
	}
	views := make([]submissionView, len(tokens))
	var size int64
	for i, token := range tokens {
		st, meta, err := s.lookupSubmission(r.Context(), token, v1Kinds...)
		if err != nil && !isNotFound(err) {
			s.storeError(w, token, err)
			return
		}
		if err != nil {
			views[i] = submissionView{Token: token, Status: "unknown", Result: json.RawMessage("null"), Error: "no such submission (unknown, or expired)"}
			continue
		}
		views[i] = viewOf(st, meta)
		size += int64(len(st.Result))
	}
	done, ok := s.holdBytes(size)
	if !ok {
		writeFailure(w, http.StatusServiceUnavailable, s.responsesBusy(), writeError)
		return
	}
	defer done()
	writeJSON(w, http.StatusOK, map[string][]submissionView{"submissions": views})
}

func isNotFound(err error) bool {
	return errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrInvalidID)
}
