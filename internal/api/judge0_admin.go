package api

// Judge0's administrative routes, behind X-Auth-User: the listing of
// every submission kept, and DELETE of an ended one. They see every
// client's submissions, as Judge0's authorized users do.

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"

	"github.com/coderacer/coderacer/internal/judge0"
	"github.com/coderacer/coderacer/internal/store"
)

// judge0MaxPerPage bounds per_page: each submission of a page is read
// from the store.
const judge0MaxPerPage = 100

func (s *server) handleJudge0List(w http.ResponseWriter, r *http.Request) {
	if !s.judge0Authorized(w, r) {
		return
	}
	q, ok := judge0Query(w, r)
	if !ok {
		return
	}
	page, okPage := positiveParam(r, "page", 1)
	perPage, okPer := positiveParam(r, "per_page", 20)
	if !okPage || !okPer {
		writeError(w, http.StatusBadRequest, "page and per_page must be positive integers")
		return
	}
	perPage = min(perPage, judge0MaxPerPage)
	ids, err := s.opts.Submissions.Store.IDs(r.Context())
	if err != nil {
		s.storeError(w, "", err)
		return
	}
	slices.Reverse(ids) // newest first, as Judge0 lists
	total := len(ids)
	pages := (total + perPage - 1) / perPage
	from := min((page-1)*perPage, total)
	states, metas, err := s.judge0States(r, ids[from:min(from+perPage, total)])
	if err != nil {
		s.storeError(w, "", err)
		return
	}
	s.writeJudge0List(w, states, metas, q, map[string]any{
		"current_page": page, "next_page": pageOrNil(page+1, pages), "prev_page": pageOrNil(page-1, pages),
		"total_pages": pages, "total_count": total,
	})
}

// judge0States reads the Judge0 submissions among ids; those gone since
// the listing and those of other dialects are left out.
func (s *server) judge0States(r *http.Request, ids []string) ([]store.State, []submissionMeta, error) {
	var states []store.State
	var metas []submissionMeta
	for _, id := range ids {
		st, err := s.opts.Submissions.Store.Get(r.Context(), id)
		if isNotFound(err) {
			continue
		}
		if err != nil {
			return nil, nil, err
		}
		var meta submissionMeta
		if json.Unmarshal(st.Meta, &meta) != nil || meta.Kind != kindJudge0 {
			continue
		}
		states, metas = append(states, st), append(metas, meta)
	}
	return states, metas, nil
}

func pageOrNil(p, pages int) any {
	if p < 1 || p > pages {
		return nil
	}
	return p
}

// positiveParam reads a positive integer query parameter, def when
// absent.
func positiveParam(r *http.Request, name string, def int) (int, bool) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, true
	}
	n, err := strconv.Atoi(v)
	return n, err == nil && n > 0 && n <= 1<<30
}

// handleJudge0Delete deletes an ended submission and answers it as it
// was; one queued or running is refused (400), as in Judge0.
func (s *server) handleJudge0Delete(w http.ResponseWriter, r *http.Request) {
	if !s.judge0Authorized(w, r) {
		return
	}
	q, ok := judge0Query(w, r)
	if !ok {
		return
	}
	token := r.PathValue("token")
	st, err := s.opts.Submissions.Store.Get(r.Context(), token)
	var meta submissionMeta
	if err == nil {
		_ = json.Unmarshal(st.Meta, &meta)
	}
	v, isJudge0 := judge0View(st, meta)
	switch {
	case isNotFound(err) || err == nil && !isJudge0:
		writeJudge0NotFound(w)
		return
	case err != nil:
		s.storeError(w, token, err)
		return
	case !over(st):
		writeJudge0NotOver(w, v)
		return
	}
	out, err := judge0.Render(v, q.fields, q.base64)
	if errors.Is(err, judge0.ErrNotUTF8Field) {
		writeError(w, http.StatusBadRequest, judge0.ErrNotUTF8)
		return
	}
	if err := s.opts.Submissions.Store.Delete(r.Context(), token); errors.Is(err, store.ErrNotOver) {
		writeJudge0NotOver(w, v)
		return
	} else if err != nil {
		s.storeError(w, token, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func writeJudge0NotOver(w http.ResponseWriter, v *judge0.View) {
	writeError(w, http.StatusBadRequest, fmt.Sprintf("submission cannot be deleted because its status is %d (%s)",
		v.Status.ID, v.Status.Description))
}
