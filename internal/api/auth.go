package api

import (
	"errors"
	"math"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/coderacer/coderacer/internal/admission"
	"github.com/coderacer/coderacer/internal/apikeys"
	"github.com/coderacer/coderacer/internal/ratelimit"
)

// DefaultOpenPaths need no API key: probes, the scraper and the
// documentation.
var DefaultOpenPaths = []string{"/api/v1/health", "/api/v1/ready", "/metrics", "/api/openapi.json", "/docs"}

// KeyLookup finds the API key of a secret (apikeys.Store).
type KeyLookup interface {
	Lookup(secret string) (*apikeys.Key, bool)
}

// admit decides who a request is and whether it may go on: with API keys
// on, every request outside the open paths needs a known key (401
// otherwise); then the client's request bucket must hold a token (429
// otherwise). The client (key name, or address) and its own limits go on
// the request's context, where the admission gate finds them for its jobs.
func (s *server) admit(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.openPath(r.URL.Path) {
			next.ServeHTTP(w, r)
			return
		}
		client, lim, ok := s.identify(w, r)
		if !ok {
			return
		}
		if !s.takeRequest(w, r, client.Name, lim) {
			return
		}
		admitted := r.WithContext(admission.WithClient(r.Context(), client))
		next.ServeHTTP(w, admitted)
		// The mux set the route on the copy; observe, outside, reads it
		// from the original.
		r.Pattern = admitted.Pattern
	})
}

// openPath tells whether path needs no key and takes no token; "/docs"
// opens "/docs/..." too. A path with dot segments is never open: it must
// not reach past an open prefix (the mux would redirect it anyway).
func (s *server) openPath(p string) bool {
	if path.Clean(p) != p && path.Clean(p)+"/" != p {
		return false
	}
	for _, open := range s.opts.OpenPaths {
		if p == open || strings.HasPrefix(p, strings.TrimSuffix(open, "/")+"/") {
			return true
		}
	}
	return false
}

// identify finds the request's client: its API key, or its address when
// keys are off. A missing or unknown key is answered 401 here.
func (s *server) identify(w http.ResponseWriter, r *http.Request) (admission.Client, ratelimit.Limit, bool) {
	lim := s.opts.RateLimit
	if s.opts.Keys == nil {
		return admission.Client{Name: clientName(clientAddr(r, s.opts.TrustedProxies))}, lim, true
	}
	secret := presentedKey(r.Header)
	if secret == "" {
		w.Header().Set("WWW-Authenticate", `Bearer realm="coderacer"`)
		writeDialectError(w, r, http.StatusUnauthorized, "an API key is required: send it as Authorization: Bearer <key> (or X-Auth-Token: <key>)")
		return admission.Client{}, lim, false
	}
	key, ok := s.opts.Keys.Lookup(secret)
	if !ok {
		w.Header().Set("WWW-Authenticate", `Bearer realm="coderacer", error="invalid_token"`)
		writeDialectError(w, r, http.StatusUnauthorized, "invalid API key")
		return admission.Client{}, lim, false
	}
	if key.Rate > 0 {
		lim = ratelimit.Limit{Rate: key.Rate, Burst: key.Burst}
		if lim.Burst == 0 {
			lim.Burst = int(math.Ceil(key.Rate))
		}
	}
	return admission.Client{
		Name:      "key:" + key.Name,
		MaxJobs:   key.MaxJobs,
		Languages: key.Languages,
		CPU:       admission.CPUQuota{Rate: key.CPURate, Burst: key.CPUBurst},
	}, lim, true
}

// presentedKey is the secret of Authorization: Bearer, or of X-Auth-Token
// (Judge0's header).
func presentedKey(h http.Header) string {
	if auth := h.Get("Authorization"); auth != "" {
		scheme, token, _ := strings.Cut(auth, " ")
		if strings.EqualFold(scheme, "Bearer") {
			return strings.TrimSpace(token)
		}
		return ""
	}
	return strings.TrimSpace(h.Get("X-Auth-Token"))
}

// takeRequest takes a token from client's request bucket and says so in
// the RateLimit-* headers; an empty bucket is a 429.
func (s *server) takeRequest(w http.ResponseWriter, r *http.Request, client string, lim ratelimit.Limit) bool {
	if s.opts.RateLimiter == nil || lim.Rate <= 0 {
		return true
	}
	d := s.opts.RateLimiter.Allow(client, lim)
	h := w.Header()
	h.Set("RateLimit-Limit", strconv.Itoa(d.Limit))
	h.Set("RateLimit-Remaining", strconv.Itoa(d.Remaining))
	h.Set("RateLimit-Reset", ceilSeconds(d.Reset))
	if d.Allowed {
		return true
	}
	h.Set("Retry-After", ceilSeconds(d.RetryAfter))
	writeDialectError(w, r, http.StatusTooManyRequests, "rate limit exceeded: "+strconv.Itoa(d.Limit)+" requests at once, "+
		strconv.FormatFloat(lim.Rate, 'g', -1, 64)+" a second; retry after "+ceilSeconds(d.RetryAfter)+"s")
	return false
}

// ceilSeconds renders d as whole seconds, rounded up, at least 1 when d
// is not zero (a Retry-After of 0 invites a busy loop).
func ceilSeconds(d time.Duration) string {
	if d <= 0 {
		return "0"
	}
	return strconv.FormatInt(int64(math.Ceil(d.Seconds())), 10)
}

// writeDialectError answers in the error shape of the route's dialect:
// {"message"} under Piston's /api/v2/, {"error"} elsewhere.
func writeDialectError(w http.ResponseWriter, r *http.Request, code int, msg string) {
	if strings.HasPrefix(r.URL.Path, "/api/v2/") {
		writeV2Error(w, code, msg)
		return
	}
	writeError(w, code, msg)
}

// setRetryAfter tells a client over its CPU quota when it may run again.
func setRetryAfter(w http.ResponseWriter, err error) {
	var quotaErr *admission.QuotaError
	if errors.As(err, &quotaErr) {
		w.Header().Set("Retry-After", strconv.FormatInt(quotaErr.RetryAfterSeconds(), 10))
	}
}
