package api

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"

	"github.com/coderacer/coderacer/internal/engine"
)

// RequestIDHeader carries a request's id both ways: a client (or a proxy
// in front) may name its request, and every answer says which id it had.
const RequestIDHeader = "X-Request-Id"

// maxRequestIDLen bounds a client's id: it goes into every log line of
// the request.
const maxRequestIDLen = 128

// requestIDs gives every request an id, the client's when it sent a
// sensible one, else a random one, puts it on the answer and in the
// request's context, where the engine's log lines find it.
func requestIDs(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get(RequestIDHeader)
		if !validRequestID(id) {
			id = newRequestID()
		}
		w.Header().Set(RequestIDHeader, id)
		next.ServeHTTP(w, r.WithContext(engine.WithRequestID(r.Context(), id)))
	})
}

// validRequestID accepts what ids are made of (UUIDs, trace ids, ULIDs):
// letters, digits and ._:- , at most maxRequestIDLen; nothing that could
// forge a log line or a header.
func validRequestID(id string) bool {
	if id == "" || len(id) > maxRequestIDLen {
		return false
	}
	for _, c := range []byte(id) {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == '.' || c == '_' || c == ':' || c == '-'
		if !ok {
			return false
		}
	}
	return true
}

func newRequestID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
