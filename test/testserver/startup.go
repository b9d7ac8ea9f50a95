package testserver

import (
	"fmt"
	"io"
	"net/http"
	"time"
)

// RuntimeListPaths are the answers that name the runtimes and their
// versions, in each dialect: a server that took its versions from the
// version cache must answer them as one that probed every runtime.
var RuntimeListPaths = []string{"/api/v1/runtimes", "/api/v2/runtimes", "/judge0/languages"}

// StartTimed starts a server as Start does and waits for the first 200
// from GET /api/v1/health, polling every 5 ms. It returns the time from
// just before Start to that answer: the start-up an operator waits for,
// the harness's own few milliseconds of preparation included.
func StartTimed(bin, tmpRoot string, opts Options, timeout time.Duration) (*Server, time.Duration, error) {
	begin := time.Now()
	s, err := Start(bin, tmpRoot, opts)
	if err != nil {
		return nil, 0, err
	}
	hc := &http.Client{Timeout: time.Second}
	for time.Since(begin) < timeout {
		if s.HasExited() {
			return s, 0, fmt.Errorf("%s server exited before it became healthy: %v; its log ends with:\n%s", s.Name, s.waitErr, s.LogTail(4<<10))
		}
		resp, err := hc.Get(s.URL + "/api/v1/health")
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s, time.Since(begin), nil
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	s.Kill()
	return s, 0, fmt.Errorf("%s server not healthy within %v", s.Name, timeout)
}

// RuntimeLists fetches every path of RuntimeListPaths from s: the bodies,
// by path. Each must answer 200.
func RuntimeLists(s *Server) (map[string]string, error) {
	out := make(map[string]string)
	for _, path := range RuntimeListPaths {
		resp, err := client.Get(s.URL + path)
		if err != nil {
			return nil, err
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("GET %s: %w", path, err)
		}
		if resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("GET %s answered %d: %s", path, resp.StatusCode, Shorten(string(body), 500))
		}
		out[path] = string(body)
	}
	return out, nil
}
