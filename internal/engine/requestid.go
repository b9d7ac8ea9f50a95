package engine

import "context"

// requestIDKey carries the id of the request a job came from, so that the
// engine's log lines name it.
type requestIDKey struct{}

// WithRequestID returns ctx carrying the id of the request that asked for
// the job (the API's X-Request-Id).
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RequestID is the id WithRequestID put in ctx, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}
