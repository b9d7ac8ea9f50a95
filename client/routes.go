package client

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
)

// Execute runs one job (POST /api/v1/execute) and returns its result,
// whatever the program did: see the result's Status. An error is the
// request's or the server's (a *Error: 400 for a bad request, 429, 503
// when busy...).
func (c *Client) Execute(ctx context.Context, req *ExecuteRequest) (*ExecuteResponse, error) {
	var out ExecuteResponse
	if _, err := c.do(ctx, http.MethodPost, "/api/v1/execute", nil, req, &out, http.StatusOK); err != nil {
		return nil, err
	}
	return &out, nil
}

// Judge compiles a submission once and runs it on each test (POST
// /api/v1/judge); the verdicts are in the answer, a verdict other than AC
// is no error.
func (c *Client) Judge(ctx context.Context, req *JudgeRequest) (*JudgeResponse, error) {
	var out JudgeResponse
	if _, err := c.do(ctx, http.MethodPost, "/api/v1/judge", nil, req, &out, http.StatusOK); err != nil {
		return nil, err
	}
	return &out, nil
}

// Runtimes lists the server's installed runtimes (GET /api/v1/runtimes),
// sorted by language then version.
func (c *Client) Runtimes(ctx context.Context) ([]Runtime, error) {
	var out []Runtime
	if _, err := c.do(ctx, http.MethodGet, "/api/v1/runtimes", nil, nil, &out, http.StatusOK); err != nil {
		return nil, err
	}
	return out, nil
}

// Cluster lists the workers that run the server's jobs (GET
// /api/v1/cluster).
func (c *Client) Cluster(ctx context.Context) (*Cluster, error) {
	var out Cluster
	if _, err := c.do(ctx, http.MethodGet, "/api/v1/cluster", nil, nil, &out, http.StatusOK); err != nil {
		return nil, err
	}
	return &out, nil
}

// Health asks whether the server runs (GET /api/v1/health): Status "ok",
// or "starting" (answered 503, which is no error here). Other failures
// are errors.
func (c *Client) Health(ctx context.Context) (*Health, error) {
	var out Health
	if err := c.probe(ctx, "/api/v1/health", &out.Status); err != nil {
		return nil, err
	}
	return &out, nil
}

// Ready asks whether the server takes work (GET /api/v1/ready): Status
// "ready", or "starting" or "draining" (answered 503, which is no error
// here). Other failures are errors.
func (c *Client) Ready(ctx context.Context) (*Ready, error) {
	var out Ready
	if err := c.probe(ctx, "/api/v1/ready", &out.Status); err != nil {
		return nil, err
	}
	return &out, nil
}

// probe reads the status of a health or readiness route: its 503 with a
// status is an answer; the 503 of too many connections (an error body)
// is an error.
func (c *Client) probe(ctx context.Context, path string, status *string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.endpoint(path, nil), nil)
	if err != nil {
		return err
	}
	req.Header = c.header()
	resp, err := c.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusServiceUnavailable {
		return responseError(resp)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	if err != nil {
		return err
	}
	var v struct {
		Status string `json:"status"`
		Error  string `json:"error"`
	}
	if json.Unmarshal(data, &v) != nil || v.Status == "" || v.Error != "" {
		e := &Error{StatusCode: resp.StatusCode, RequestID: resp.Header.Get("X-Request-Id")}
		e.Message = errorMessage(data, resp.StatusCode)
		return e
	}
	*status = v.Status
	return nil
}
