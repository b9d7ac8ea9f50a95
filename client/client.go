package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// DefaultUserAgent is the User-Agent of a Client made without
// WithUserAgent.
const DefaultUserAgent = "coderacer-go-client"

// DefaultMaxResponseBytes bounds an answer's body, and a WebSocket
// message, unless WithMaxResponseBytes says otherwise.
const DefaultMaxResponseBytes = 256 << 20

// maxErrorBody bounds what is read of an error's body: a message.
const maxErrorBody = 64 << 10

// Client calls one Code Racer server. Make it with New; it is safe for
// concurrent use.
type Client struct {
	base      *url.URL
	key       string
	hc        *http.Client
	userAgent string
	maxBody   int64
}

// An Option configures a Client.
type Option func(*Client)

// WithAPIKey sends key as "Authorization: Bearer <key>" on every request
// (servers with API keys on require one; README "API keys"). An empty
// key sends none.
func WithAPIKey(key string) Option { return func(c *Client) { c.key = key } }

// WithHTTPClient makes the requests, and the WebSocket handshakes, with
// hc instead of a client of this package's own (which has no timeout of
// its own: the contexts bound the calls).
func WithHTTPClient(hc *http.Client) Option { return func(c *Client) { c.hc = hc } }

// WithUserAgent sets the User-Agent header of every request.
func WithUserAgent(ua string) Option { return func(c *Client) { c.userAgent = ua } }

// WithMaxResponseBytes bounds the body of an answer and the size of a
// WebSocket message (DefaultMaxResponseBytes without it); a larger one is
// an error.
func WithMaxResponseBytes(n int64) Option { return func(c *Client) { c.maxBody = n } }

// New returns a client of the server at baseURL, e.g.
// "http://localhost:8000" (a path prefix is kept: "https://host/racer"
// calls "https://host/racer/api/v1/execute").
func New(baseURL string, opts ...Option) (*Client, error) {
	u, err := url.Parse(baseURL)
	if err != nil {
		return nil, fmt.Errorf("client: base URL %q: %w", baseURL, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("client: base URL %q: the scheme must be http or https", baseURL)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("client: base URL %q has no host", baseURL)
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	u.RawQuery, u.Fragment = "", ""
	c := &Client{base: u, hc: &http.Client{}, userAgent: DefaultUserAgent, maxBody: DefaultMaxResponseBytes}
	for _, o := range opts {
		o(c)
	}
	if c.hc == nil {
		c.hc = &http.Client{}
	}
	if c.maxBody <= 0 {
		c.maxBody = DefaultMaxResponseBytes
	}
	return c, nil
}

// BaseURL is the server's URL the client was made with.
func (c *Client) BaseURL() string { return c.base.String() }

// Error is the server's answer to a request it refused or failed: the
// HTTP status and the message of its {"error": "..."} body. A WebSocket
// session the server ended with an error is one too.
type Error struct {
	// StatusCode is the HTTP status (400, 401, 404, 429, 503...); for a
	// WebSocket session, the status of the same failure over HTTP (close
	// code 4000 + status), or 0 when the close has none (1008, 1009).
	StatusCode int
	// Message is the server's "error"; when its body held none, the
	// body's start or the status text.
	Message string
	// CloseCode is the WebSocket close code (4400, 1008...), 0 for HTTP.
	CloseCode int
	// RetryAfter is the answer's Retry-After (429, 503), 0 when absent.
	RetryAfter time.Duration
	// RequestID is the answer's X-Request-Id, for the server's logs.
	RequestID string
}

func (e *Error) Error() string {
	if e.CloseCode != 0 {
		return fmt.Sprintf("%s (WebSocket close %d)", e.Message, e.CloseCode)
	}
	return fmt.Sprintf("HTTP %d: %s", e.StatusCode, e.Message)
}

// IsStatus reports whether err is a *Error of HTTP status code.
func IsStatus(err error, code int) bool {
	var e *Error
	return errors.As(err, &e) && e.StatusCode == code
}

// endpoint is the URL of path (escaped: a token in it went through
// url.PathEscape) and query under the base URL.
func (c *Client) endpoint(path string, query url.Values) string {
	u := *c.base
	u.RawPath = c.base.EscapedPath() + path
	if p, err := url.PathUnescape(u.RawPath); err == nil {
		u.Path = p
	}
	if len(query) > 0 {
		u.RawQuery = query.Encode()
	}
	return u.String()
}

// header is what every request carries: the key and the User-Agent.
func (c *Client) header() http.Header {
	h := http.Header{}
	if c.key != "" {
		h.Set("Authorization", "Bearer "+c.key)
	}
	if c.userAgent != "" {
		h.Set("User-Agent", c.userAgent)
	}
	return h
}

// do sends one request (in, when not nil, as its JSON body) and decodes
// the answer into out when its status is one of ok; any other status is
// a *Error. It returns the answer's status.
func (c *Client) do(ctx context.Context, method, path string, query url.Values, in, out any, ok ...int) (int, error) {
	var body io.Reader
	if in != nil {
		data, err := json.Marshal(in)
		if err != nil {
			return 0, fmt.Errorf("client: encoding the request: %w", err)
		}
		body = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.endpoint(path, query), body)
	if err != nil {
		return 0, fmt.Errorf("client: %w", err)
	}
	req.Header = c.header()
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	for _, code := range ok {
		if resp.StatusCode == code {
			return code, c.decode(resp, out)
		}
	}
	return resp.StatusCode, responseError(resp)
}

// decode reads a successful answer's body, within the bound, into out.
func (c *Client) decode(resp *http.Response, out any) error {
	data, err := io.ReadAll(io.LimitReader(resp.Body, c.maxBody+1))
	if err != nil {
		return fmt.Errorf("client: reading the answer: %w", err)
	}
	if int64(len(data)) > c.maxBody {
		return fmt.Errorf("client: the answer exceeds %d bytes (WithMaxResponseBytes)", c.maxBody)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("client: the answer (HTTP %d) is not the JSON expected: %w", resp.StatusCode, err)
	}
	return nil
}

// responseError makes the *Error of a refused request from its answer.
func responseError(resp *http.Response) *Error {
	e := &Error{StatusCode: resp.StatusCode, RequestID: resp.Header.Get("X-Request-Id")}
	if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s >= 0 {
		e.RetryAfter = time.Duration(s) * time.Second
	}
	data, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	e.Message = errorMessage(data, resp.StatusCode)
	return e
}

// errorMessage is the "error" of a body, else Piston's "message", else
// the body's start, else the status text.
func errorMessage(body []byte, status int) string {
	var v struct {
		Error   string `json:"error"`
		Message string `json:"message"`
	}
	if json.Unmarshal(body, &v) == nil {
		if v.Error != "" {
			return v.Error
		}
		if v.Message != "" {
			return v.Message
		}
	}
	if s := strings.TrimSpace(string(body)); s != "" {
		if len(s) > 200 {
			s = s[:200] + "..."
		}
		return s
	}
	if t := http.StatusText(status); t != "" {
		return strings.ToLower(t)
	}
	return "HTTP " + strconv.Itoa(status)
}
