package api

import "net/http"

// runtimesSettled waits until the executor's Runtimes answers: the local
// engine's waits for the version probes a cold start runs after the
// server listens, and a list must name every runtime with the version it
// runs (a Piston client reads them as soon as the server is healthy). The
// wait ends with the request too: then the client has gone or the server
// stops, and a 503 in the route's dialect is written for whoever reads.
func (s *server) runtimesSettled(w http.ResponseWriter, r *http.Request, write func(http.ResponseWriter, int, string)) bool {
	listed := make(chan struct{})
	go func() {
		s.exec.Runtimes()
		close(listed)
	}()
	select {
	case <-listed:
		return true
	case <-r.Context().Done():
		writeFailure(w, http.StatusServiceUnavailable, "the runtimes are still being detected; retry later", write)
		return false
	}
}
