package client

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// The states of a submission (Submission.Status).
const (
	SubmissionQueued    = "queued"
	SubmissionRunning   = "running"
	SubmissionDone      = "done"
	SubmissionCancelled = "cancelled"
	// SubmissionUnknown is only in Submissions' answer, for a token that
	// is unknown or expired.
	SubmissionUnknown = "unknown"
)

// SubmissionRequest is an asynchronous submission: an execute request or
// a judge request (exactly one of Execute and Judge), queued durably.
type SubmissionRequest struct {
	Execute *ExecuteRequest
	Judge   *JudgeRequest
	// CallbackURL, when set, gets a signed POST of the finished
	// submission (README "Submissions").
	CallbackURL string
}

// executeSubmission and judgeSubmission are the two shapes of a
// submission on the wire: the request's fields beside kind and
// callbackUrl.
type executeSubmission struct {
	CallbackURL string `json:"callbackUrl,omitempty"`
	*ExecuteRequest
}

type judgeSubmission struct {
	Kind        string `json:"kind"`
	CallbackURL string `json:"callbackUrl,omitempty"`
	*JudgeRequest
}

// MarshalJSON writes the body of POST /api/v1/submissions.
func (r SubmissionRequest) MarshalJSON() ([]byte, error) {
	switch {
	case r.Execute != nil && r.Judge != nil:
		return nil, errors.New("a submission is an execute or a judge request, not both")
	case r.Execute != nil:
		return json.Marshal(executeSubmission{CallbackURL: r.CallbackURL, ExecuteRequest: r.Execute})
	case r.Judge != nil:
		return json.Marshal(judgeSubmission{Kind: "judge", CallbackURL: r.CallbackURL, JudgeRequest: r.Judge})
	}
	return nil, errors.New("a submission needs an execute or a judge request")
}

// Submission is a submission's state, as GET /api/v1/submissions/{token}
// answers it.
type Submission struct {
	Token string `json:"token"`
	// Kind is "execute" or "judge".
	Kind string `json:"kind,omitempty"`
	// Status is queued, running, done, cancelled (or unknown, in a batch
	// read).
	Status string `json:"status"`
	// Result is what /api/v1/execute or /api/v1/judge would have
	// answered, JSON null until done: see ExecuteResult and JudgeResult.
	Result json.RawMessage `json:"result"`
	// Error says why it did not run, when a problem showed only then;
	// ErrorCode is the HTTP status the synchronous route would have
	// answered.
	Error      string     `json:"error,omitempty"`
	ErrorCode  int        `json:"errorCode,omitempty"`
	CreatedAt  *time.Time `json:"createdAt,omitempty"`
	StartedAt  *time.Time `json:"startedAt,omitempty"`
	FinishedAt *time.Time `json:"finishedAt,omitempty"`
}

// Over reports whether the submission has ended (done or cancelled).
func (s *Submission) Over() bool {
	return s.Status == SubmissionDone || s.Status == SubmissionCancelled
}

// hasResult tells whether Result holds a value.
func (s *Submission) hasResult() bool {
	r := strings.TrimSpace(string(s.Result))
	return r != "" && r != "null"
}

// ExecuteResult decodes the result of an execute submission; nil (and no
// error) while it has none.
func (s *Submission) ExecuteResult() (*ExecuteResponse, error) {
	if !s.hasResult() {
		return nil, nil
	}
	var out ExecuteResponse
	if err := json.Unmarshal(s.Result, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// JudgeResult decodes the result of a judge submission; nil (and no
// error) while it has none.
func (s *Submission) JudgeResult() (*JudgeResponse, error) {
	if !s.hasResult() {
		return nil, nil
	}
	var out JudgeResponse
	if err := json.Unmarshal(s.Result, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// BatchItem is one submission's answer in SubmitBatch: its token, or why
// it was refused (Error, and ErrorCode the HTTP status of it alone).
type BatchItem struct {
	Token     string `json:"token,omitempty"`
	Error     string `json:"error,omitempty"`
	ErrorCode int    `json:"errorCode,omitempty"`
}

// Submit queues a submission (POST /api/v1/submissions) and returns its
// token at once. The request is checked first: a bad one is a *Error 400.
func (c *Client) Submit(ctx context.Context, req *SubmissionRequest) (string, error) {
	var out struct {
		Token string `json:"token"`
	}
	if _, err := c.do(ctx, http.MethodPost, "/api/v1/submissions", nil, req, &out, http.StatusAccepted); err != nil {
		return "", err
	}
	return out.Token, nil
}

// SubmitWait queues a submission and waits for its end
// (?wait=true): the submission, over, or as it stands when the server's
// wait bound (60 s by default) passed first (see Over).
func (c *Client) SubmitWait(ctx context.Context, req *SubmissionRequest) (*Submission, error) {
	var out Submission
	q := url.Values{"wait": {"true"}}
	if _, err := c.do(ctx, http.MethodPost, "/api/v1/submissions", q, req, &out, http.StatusOK, http.StatusAccepted); err != nil {
		return nil, err
	}
	return &out, nil
}

// Submission reads a submission (GET /api/v1/submissions/{token}); an
// unknown or expired token is a *Error 404.
func (c *Client) Submission(ctx context.Context, token string) (*Submission, error) {
	var out Submission
	if _, err := c.do(ctx, http.MethodGet, "/api/v1/submissions/"+url.PathEscape(token), nil, nil, &out, http.StatusOK); err != nil {
		return nil, err
	}
	return &out, nil
}

// CancelSubmission cancels a queued or running submission (DELETE
// /api/v1/submissions/{token}) and returns it after: cancelled, or
// running for the moment it takes to stop. One over already is a *Error
// 409.
func (c *Client) CancelSubmission(ctx context.Context, token string) (*Submission, error) {
	var out Submission
	if _, err := c.do(ctx, http.MethodDelete, "/api/v1/submissions/"+url.PathEscape(token), nil, nil, &out, http.StatusOK); err != nil {
		return nil, err
	}
	return &out, nil
}

// SubmitBatch queues several submissions (POST
// /api/v1/submissions/batch): each item is checked and queued on its own,
// and the answer tells, in order, each one's token or why it was refused.
func (c *Client) SubmitBatch(ctx context.Context, reqs []SubmissionRequest) ([]BatchItem, error) {
	in := struct {
		Submissions []SubmissionRequest `json:"submissions"`
	}{reqs}
	var out struct {
		Submissions []BatchItem `json:"submissions"`
	}
	if _, err := c.do(ctx, http.MethodPost, "/api/v1/submissions/batch", nil, in, &out, http.StatusAccepted); err != nil {
		return nil, err
	}
	return out.Submissions, nil
}

// Submissions reads several submissions (GET
// /api/v1/submissions/batch?tokens=...), in the order of tokens; an
// unknown or expired one has the status "unknown".
func (c *Client) Submissions(ctx context.Context, tokens []string) ([]Submission, error) {
	var out struct {
		Submissions []Submission `json:"submissions"`
	}
	q := url.Values{"tokens": {strings.Join(tokens, ",")}}
	if _, err := c.do(ctx, http.MethodGet, "/api/v1/submissions/batch", q, nil, &out, http.StatusOK); err != nil {
		return nil, err
	}
	return out.Submissions, nil
}
