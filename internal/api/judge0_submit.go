package api

// Judge0's POST /submissions and POST /submissions/batch: everything is
// checked here (a 422 names each field wrong), so that the queued job
// cannot fail for the request's sake.

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	"github.com/coderacer/coderacer/internal/admission"
	"github.com/coderacer/coderacer/internal/judge0"
)

func (s *server) handleJudge0Submit(w http.ResponseWriter, r *http.Request) {
	q, ok := judge0Query(w, r)
	if !ok {
		return
	}
	wait, ok := boolParam(w, r, "wait")
	if !ok {
		return
	}
	body, release, code, msg := s.readBody(w, r)
	if code != 0 {
		writeFailure(w, code, msg, writeError)
		return
	}
	rec, cb, err := s.judge0Check(r.Context(), body, q.base64)
	release()
	if err != nil {
		writeJudge0CheckError(w, err)
		return
	}
	token, err := s.judge0Enqueue(r.Context(), rec, cb)
	if err != nil {
		s.storeError(w, token, err)
		return
	}
	if !wait {
		writeJSON(w, http.StatusCreated, map[string]string{"token": token})
		return
	}
	s.judge0AnswerWhenOver(w, r, token, q)
}

// judge0AnswerWhenOver answers ?wait=true: the submission once it is
// over, or as it stands when the server's wait bound passes first.
func (s *server) judge0AnswerWhenOver(w http.ResponseWriter, r *http.Request, token string, q judge0Params) {
	st, ok := s.waitOver(w, r, token)
	if !ok {
		return
	}
	var meta submissionMeta
	_ = json.Unmarshal(st.Meta, &meta)
	s.writeJudge0Submission(w, http.StatusCreated, st, meta, q)
}

// writeJudge0CheckError answers a refused submission: Judge0's 422 for
// its fields, else {"error"}.
func writeJudge0CheckError(w http.ResponseWriter, err error) {
	var verrs judge0.ValidationErrors
	var se *submitError
	switch {
	case errors.As(err, &verrs):
		writeJudge0Errors(w, verrs)
	case errors.As(err, &se):
		writeError(w, se.code, se.msg)
	default:
		writeError(w, http.StatusBadRequest, err.Error())
	}
}

// judge0Check parses and checks one submission and makes its record; a
// callback URL is checked as the server's callbacks require.
func (s *server) judge0Check(ctx context.Context, raw []byte, base64Encoded bool) (judge0.Record, *callbackTarget, error) {
	sub, err := judge0.ParseSubmission(raw, base64Encoded)
	if err != nil {
		return judge0.Record{}, nil, err
	}
	errs := judge0.ValidationErrors{}
	set, err := sub.Resolve(s.opts.Judge0.Config)
	mergeErrors(errs, err)
	cat := s.judge0Catalog()
	mergeErrors(errs, cat.CheckLanguage(sub.LanguageID))
	in, known := cat.Lookup(sub.LanguageID)
	if known && len(set.CompilerOptions) > 0 {
		if !in.Runtime.Compiled() {
			errs["compiler_options"] = append(errs["compiler_options"], "setting compiler options is only allowed for compiled languages")
		} else if err := in.Runtime.CheckOptions(set.CompilerOptions); err != nil {
			errs["compiler_options"] = append(errs["compiler_options"], err.Error())
		}
	}
	if set.EnableNetwork && !s.opts.Judge0.AllowNetwork {
		errs["enable_network"] = append(errs["enable_network"], "enabling network is not allowed")
	}
	if known && sub.AdditionalFiles != nil {
		mergeErrors(errs, s.checkJudge0Files(sub.AdditionalFiles, in.Runtime.Entrypoint))
	}
	var cb *callbackTarget
	if sub.CallbackURL != nil && *sub.CallbackURL != "" {
		if cb, err = s.callbackTarget(ctx, *sub.CallbackURL, http.MethodPut); err != nil {
			errs["callback_url"] = append(errs["callback_url"], err.Error())
		}
	}
	if len(errs) > 0 {
		return judge0.Record{}, nil, errs
	}
	d, _ := cat.Detail(sub.LanguageID)
	return judge0.NewRecord(sub, set, judge0.Language{ID: d.ID, Name: d.Name}, in), cb, nil
}

// checkJudge0Files unpacks additional_files to check it: within the
// bounds, no file over the source's, the job's file count.
func (s *server) checkJudge0Files(zip []byte, entrypoint string) error {
	files, err := judge0.Unzip(zip, s.opts.Judge0.Zip)
	if err != nil {
		return err
	}
	if len(files)+1 > s.opts.MaxFiles {
		return judge0.ValidationErrors{"additional_files": {"holds more than " + strconv.Itoa(s.opts.MaxFiles-1) + " files"}}
	}
	for _, f := range files {
		if f.Name == entrypoint {
			return judge0.ValidationErrors{"additional_files": {"holds " + strconv.Quote(f.Name) + ", the source file's own name"}}
		}
	}
	return nil
}

// mergeErrors adds err's field errors to errs; any other error is kept
// under "base", where Rails puts an object's own.
func mergeErrors(errs judge0.ValidationErrors, err error) {
	if err == nil {
		return
	}
	var v judge0.ValidationErrors
	if !errors.As(err, &v) {
		errs["base"] = append(errs["base"], err.Error())
		return
	}
	for k, msgs := range v {
		errs[k] = append(errs[k], msgs...)
	}
}

// judge0Enqueue queues a checked submission: the record is both the job
// and what GET echoes.
func (s *server) judge0Enqueue(ctx context.Context, rec judge0.Record, cb *callbackTarget) (string, error) {
	b, err := json.Marshal(rec)
	if err != nil {
		return "", err
	}
	client, _ := admission.ClientFrom(ctx)
	meta := submissionMeta{Kind: kindJudge0, Owner: client.Name, Callback: cb, Dialect: b}
	return s.enqueue(ctx, submissionJob{Kind: kindJudge0, Client: client, Request: b}, meta)
}

func (s *server) handleJudge0SubmitBatch(w http.ResponseWriter, r *http.Request) {
	q, ok := judge0Query(w, r)
	if !ok {
		return
	}
	body, release, code, msg := s.readBody(w, r)
	if code != 0 {
		writeFailure(w, code, msg, writeError)
		return
	}
	defer release()
	var req struct {
		Submissions []json.RawMessage `json:"submissions"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		writeError(w, http.StatusBadRequest, "the body must be {\"submissions\": [...]}")
		return
	}
	if n, most := len(req.Submissions), s.opts.Submissions.MaxBatch; n == 0 || n > most {
		writeError(w, http.StatusBadRequest, "number of submissions in a batch should be between 1 and "+strconv.Itoa(most))
		return
	}
	items, valid, err := s.judge0SubmitEach(r.Context(), req.Submissions, q.base64)
	if err != nil {
		s.storeError(w, "", err)
		return
	}
	code = http.StatusCreated
	if valid == 0 {
		code = http.StatusUnprocessableEntity
	}
	writeJSON(w, code, items)
}

// judge0SubmitEach queues the valid submissions of a batch: per item its
// token or its errors. An error is the store's: the batch fails.
func (s *server) judge0SubmitEach(ctx context.Context, subs []json.RawMessage, base64Encoded bool) ([]any, int, error) {
	items := make([]any, len(subs))
	valid := 0
	for i, one := range subs {
		rec, cb, err := s.judge0Check(ctx, one, base64Encoded)
		if err != nil {
			items[i] = judge0ItemError(err)
			continue
		}
		token, err := s.judge0Enqueue(ctx, rec, cb)
		if err != nil {
			return nil, 0, err
		}
		items[i] = map[string]string{"token": token}
		valid++
	}
	return items, valid, nil
}

// judge0ItemError is a refused batch item's error object.
func judge0ItemError(err error) any {
	var verrs judge0.ValidationErrors
	if errors.As(err, &verrs) {
		return verrs
	}
	return judge0.ValidationErrors{"base": {err.Error()}}
}
