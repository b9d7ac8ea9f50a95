package testserver

// Every response a suite receives from its servers is checked against the
// API's OpenAPI document (internal/apidoc/openapi.yaml) with kin-openapi's
// openapi3filter.ValidateResponse, so the document cannot drift from the
// code. See Validator and ValidatingTransport.
//
// What kin-openapi v0.153.0 lacks for this, and how it is worked around:
//   - For 3.1 documents ValidateResponse uses its JSON Schema 2020-12
//     validator, but a schema holding $refs and no 2020-only keyword
//     (const, prefixItems, if, ...) is still checked by its OpenAPI 3.0
//     validator, which ignores null in an enum without a type: the
//     document always lists "null" in a type array beside such an enum.
//   - It reads JSON and text/plain bodies only: registerTextDecoders.
//   - It does not validate answers to HEAD; their status is checked
//     against the GET operation's here.
//   - It routes only documented operations: undocumented paths and
//     methods get unroutedOperation (404, 405, and what the middleware
//     answers for any path); CORS preflights are checked apart.

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"maps"
	"net/http"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/coderacer/coderacer/internal/apidoc"
)

// maxValidatedBody bounds the body kept for validation; a larger answer
// has its status and headers validated only.
const maxValidatedBody = 64 << 20

// Validator checks responses against the OpenAPI document and remembers
// every violation, so that Main fails the run even when a test ignored
// the error its read got.
type Validator struct {
	doc *openapi3.T
	// unrouted stands for any path or method the document has no
	// operation for: the answers every request can get (404, 405, the
	// origin's 403, the connection limit's 503, and the lead's 401/429),
	// in the v1 shape, and in Piston's under /api/v2/.
	unrouted, unroutedV2 *openapi3.Operation

	mu         sync.Mutex
	violations []string
	checked    map[int]int // answers checked, by status
}

// NewValidator loads the document the server serves (the same bytes, from
// internal/apidoc) and checks that it is valid OpenAPI 3.1.
func NewValidator() (*Validator, error) {
	data, err := apidoc.Document()
	if err != nil {
		return nil, err
	}
	doc, err := openapi3.NewLoader().LoadFromData(data)
	if err != nil {
		return nil, fmt.Errorf("loading the OpenAPI document: %w", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("the OpenAPI document is invalid: %w", err)
	}
	registerTextDecoders()
	v := &Validator{doc: doc, checked: map[int]int{}}
	v.unrouted = unroutedOperation(doc, "")
	v.unroutedV2 = unroutedOperation(doc, "V2")
	return v, nil
}

var registerOnce sync.Once

// registerTextDecoders lets kin-openapi read the text answers the document
// describes (it knows text/plain only); their schemas are strings.
func registerTextDecoders() {
	registerOnce.Do(func() {
		for _, ct := range []string{"text/html", "text/javascript", "text/css", "application/openmetrics-text"} {
			openapi3filter.RegisterBodyDecoder(ct, openapi3filter.PlainBodyDecoder)
		}
	})
}

// unroutedOperation makes the operation of undocumented routes from the
// document's own responses (prefix "V2" for Piston's shapes).
func unroutedOperation(doc *openapi3.T, prefix string) *openapi3.Operation {
	op := openapi3.NewOperation()
	op.Responses = openapi3.NewResponses()
	for code, name := range map[int]string{
		401: "Unauthorized", 403: "Forbidden", 404: "NotFound", 405: "MethodNotAllowed",
		429: "TooManyRequests", 503: "ServiceUnavailable",
	} {
		op.Responses.Set(fmt.Sprint(code), doc.Components.Responses[prefix+name])
	}
	return op
}

// route finds the document's operation for a request: its path template
// and path parameters. Without one it answers the unrouted operation.
// As the server's mux, a template with fewer parameters wins:
// /x/batch over /x/{token}.
func (v *Validator) route(method, path string) (*routers.Route, map[string]string) {
	var best *routers.Route
	var bestParams map[string]string
	for tmpl, item := range v.doc.Paths.Map() {
		params, ok := matchPath(tmpl, path)
		if !ok || best != nil && len(params) >= len(bestParams) {
			continue
		}
		m := method
		if m == http.MethodHead {
			m = http.MethodGet // a GET route answers HEAD too
		}
		if op := item.GetOperation(m); op != nil {
			best, bestParams = &routers.Route{Spec: v.doc, Path: tmpl, PathItem: item, Method: m, Operation: op}, params
		}
	}
	if best != nil {
		return best, bestParams
	}
	op := v.unrouted
	if strings.HasPrefix(path, "/api/v2/") {
		op = v.unroutedV2
	}
	return &routers.Route{Spec: v.doc, Path: "(undocumented) " + path, PathItem: &openapi3.PathItem{}, Method: method, Operation: op}, nil
}

// matchPath matches a path against a template whose {name} segments take
// one non-empty segment each, as the server's mux does.
func matchPath(tmpl, path string) (map[string]string, bool) {
	ts, ps := strings.Split(tmpl, "/"), strings.Split(path, "/")
	if len(ts) != len(ps) {
		return nil, false
	}
	params := map[string]string{}
	for i, t := range ts {
		if strings.HasPrefix(t, "{") && strings.HasSuffix(t, "}") && ps[i] != "" {
			params[t[1:len(t)-1]] = ps[i]
			continue
		}
		if t != ps[i] {
			return nil, false
		}
	}
	return params, true
}

// Check validates one response. body is nil when it was not read whole
// (then the status and headers are checked only). The error names the
// request, the status and the violation, and is remembered for Violations.
func (v *Validator) Check(req *http.Request, status int, header http.Header, body []byte) error {
	err := v.check(req, status, header, body)
	v.mu.Lock()
	defer v.mu.Unlock()
	v.checked[status]++
	if err != nil {
		v.violations = append(v.violations, err.Error())
	}
	return err
}

func (v *Validator) check(req *http.Request, status int, header http.Header, body []byte) error {
	if req.Method == http.MethodOptions && status == http.StatusNoContent {
		// A CORS preflight, answered by the origin check for any path:
		// OpenAPI would need an options operation on every path to say
		// it. Only its emptiness is checked.
		if len(body) > 0 {
			return v.violation(req, status, "", fmt.Errorf("a preflight's 204 has a body"), body)
		}
		return nil
	}
	route, params := v.route(req.Method, req.URL.Path)
	if req.Method == http.MethodHead && route.Operation.Responses.Status(status) == nil {
		// ValidateResponse skips HEAD; its status must be one GET has.
		return v.violation(req, status, route.Path, fmt.Errorf("status %d is not documented", status), body)
	}
	opts := &openapi3filter.Options{IncludeResponseStatus: true}
	if body == nil {
		opts.ExcludeResponseBody = true
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
		Status:                 status,
		Header:                 header,
		Options:                opts,
	}
	in.SetBodyBytes(body)
	// Not the request's context: it may be over once the body is read.
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		return v.violation(req, status, route.Path, err, body)
	}
	return nil
}

func (v *Validator) violation(req *http.Request, status int, route string, err error, body []byte) error {
	return fmt.Errorf("openapi: %s %s (route %s) answered %d, which internal/apidoc/openapi.yaml does not allow: %v; body: %s",
		req.Method, req.URL.Path, route, status, err, Shorten(string(body), 500))
}

// Violations returns what failed validation so far, and how many answers
// were checked, by status.
func (v *Validator) Violations() ([]string, map[int]int) {
	v.mu.Lock()
	defer v.mu.Unlock()
	return append([]string(nil), v.violations...), maps.Clone(v.checked)
}

// ValidatingTransport is an http.RoundTripper that validates the answers
// of the servers Start started (by host:port; any other host passes
// unchecked). A body is validated when it has been read to its end; a
// violation turns that end into an error naming it. A 101 (WebSocket) and
// the answer to HEAD have their status and headers validated at once;
// their bodies are left alone (a 101's is the connection).
type ValidatingTransport struct {
	Next      http.RoundTripper
	Validator *Validator
	// Watch tells whether a request goes to a server under test.
	Watch func(*http.Request) bool
}

func (t *ValidatingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.Next.RoundTrip(req)
	if err != nil || !t.Watch(req) {
		return resp, err
	}
	if resp.StatusCode == http.StatusSwitchingProtocols || req.Method == http.MethodHead {
		if err := t.Validator.Check(req, resp.StatusCode, resp.Header, nil); err != nil {
			resp.Body.Close()
			return nil, err
		}
		return resp, nil
	}
	resp.Body = &checkedBody{ReadCloser: resp.Body, req: req, resp: resp, v: t.Validator}
	return resp, nil
}

// checkedBody keeps what is read of a body and validates it at its end.
type checkedBody struct {
	io.ReadCloser
	req     *http.Request
	resp    *http.Response
	v       *Validator
	buf     bytes.Buffer
	tooBig  bool
	checked bool
	err     error
}

func (b *checkedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if !b.tooBig {
		if b.buf.Len()+n > maxValidatedBody {
			b.tooBig = true
			b.buf = bytes.Buffer{}
		} else {
			b.buf.Write(p[:n])
		}
	}
	if err == io.EOF {
		b.validate(true)
		if b.err != nil {
			return n, b.err
		}
	}
	return n, err
}

// Close validates a body not read to its EOF: whole when its announced
// length was read (a JSON decoder stops at the value's end), else its
// status and headers only (its client stopped reading: a test of a cut
// answer, say).
func (b *checkedBody) Close() error {
	b.validate(b.resp.ContentLength >= 0 && int64(b.buf.Len()) == b.resp.ContentLength)
	return b.ReadCloser.Close()
}

func (b *checkedBody) validate(whole bool) {
	if b.checked {
		return
	}
	b.checked = true
	var body []byte
	if whole && !b.tooBig {
		body = b.buf.Bytes()
		if body == nil {
			body = []byte{}
		}
	}
	b.err = b.v.Check(b.req, b.resp.StatusCode, b.resp.Header, body)
}

// watchStarted tells whether req goes to a server Start started.
func watchStarted(req *http.Request) bool {
	for _, s := range Started() {
		if req.URL.Host == fmt.Sprintf("127.0.0.1:%d", s.Port) {
			return true
		}
	}
	return false
}

// CloseIdleConnections passes http.Client.CloseIdleConnections on.
func (t *ValidatingTransport) CloseIdleConnections() {
	if c, ok := t.Next.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// validation is the validator of the run Main drives (nil outside Main):
// RawPost, which speaks HTTP over a bare connection, checks its answers
// with it.
var validation *Validator

// startValidation validates, from now on, every answer of the servers
// Start starts that reaches this process through http.DefaultTransport:
// the helpers of this package, http.Get and http.DefaultClient, clients
// without a Transport of their own, and WebSocket dials without an
// HTTPClient. It returns the function that reports the violations.
func startValidation() (func() (violations []string, checked map[int]int), error) {
	v, err := NewValidator()
	if err != nil {
		return nil, err
	}
	validation = v
	http.DefaultTransport = &ValidatingTransport{Next: http.DefaultTransport, Validator: v, Watch: watchStarted}
	return v.Violations, nil
}

// checkRaw validates an answer RawPost read; header is the request as
// RawPost wrote it. A body cut at RawPost's cap has its status and
// headers checked only.
func checkRaw(header string, resp *http.Response, body []byte, whole bool) error {
	if validation == nil {
		return nil
	}
	line, _, _ := strings.Cut(header, "\r\n")
	fields := strings.Fields(line)
	if len(fields) < 2 {
		return nil // not a request line: nothing to route
	}
	req, err := http.NewRequest(fields[0], "http://raw"+fields[1], nil)
	if err != nil {
		return nil
	}
	if !whole {
		body = nil
	}
	return validation.Check(req, resp.StatusCode, resp.Header, body)
}
