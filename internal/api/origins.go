package api

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// checkOrigins guards the API against pages of other origins. A request
// with no Origin header (curl, SDKs, servers) or from the API's own origin
// passes. A browser request from another origin passes only when
// AllowedOrigins names it (or holds "*"), and then gets the CORS headers
// that let the page read the answer; otherwise it is refused with 403
// before anything runs: an engine on an internal network must not run
// code for whatever page its users happen to visit. WebSocket upgrades
// come through here too.
func (s *server) checkOrigins(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		if origin == "" || sameOrigin(origin, r) {
			next.ServeHTTP(w, r)
			return
		}
		if !s.originAllowed(origin) {
			writeDialectError(w, r, http.StatusForbidden, "origin "+origin+" is not allowed: the server's CODERACER_ALLOWED_ORIGINS must name it")
			return
		}
		h := w.Header()
		h.Set("Access-Control-Allow-Origin", origin)
		h.Add("Vary", "Origin")
		h.Set("Access-Control-Expose-Headers", "X-Request-Id, Retry-After, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset")
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			h.Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
			h.Set("Access-Control-Allow-Headers", "Content-Type, Authorization, X-Auth-Token, X-Request-Id")
			h.Set("Access-Control-Max-Age", "600")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (s *server) originAllowed(origin string) bool {
	return slices.Contains(s.opts.AllowedOrigins, "*") || slices.Contains(s.opts.AllowedOrigins, strings.TrimSuffix(origin, "/"))
}

// sameOrigin tells whether origin is the host the request was sent to (a
// page the server itself serves).
func sameOrigin(origin string, r *http.Request) bool {
	u, err := url.Parse(origin)
	return err == nil && u.Host != "" && strings.EqualFold(u.Host, r.Host)
}
