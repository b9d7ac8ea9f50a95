package bench

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/coderacer/coderacer/test/testserver"
)

// The rows of scaling out (issue 16): nodes in their roles (`serve
// --role api|worker`), joined by NATS on loopback, started by the
// benchmark itself next to the shared `--role all` server and stopped
// before it ends (the leftover check covers them).

// clusterTimeout bounds the wait for an API node to see its workers.
const clusterTimeout = time.Minute

// cluster is a hub worker (whose embedded NATS the others join), an API
// node and any further workers.
type cluster struct {
	natsURL string
	nodes   []*testserver.Server // hub first
	api     *testserver.Server
}

// startCluster starts a hub worker of slots slots and an API node, and
// waits until the API node sees the worker.
func startCluster(slots int) (*cluster, error) {
	port, err := testserver.FreePort()
	if err != nil {
		return nil, err
	}
	c := &cluster{natsURL: "nats://127.0.0.1:" + strconv.Itoa(port)}
	_, err = c.start("hub", map[string]string{
		"CODERACER_ROLE":        "worker",
		"CODERACER_PARALLELISM": strconv.Itoa(slots),
		"CODERACER_NATS_LISTEN": "127.0.0.1:" + strconv.Itoa(port),
	})
	if err != nil {
		return nil, errors.Join(err, c.stop())
	}
	if c.api, err = c.join("api", "api", 0); err != nil {
		return nil, errors.Join(err, c.stop())
	}
	if err := waitWorkers(c.api, 1); err != nil {
		return nil, errors.Join(err, c.stop())
	}
	return c, nil
}

// join starts a node of role joined to the hub's NATS.
func (c *cluster) join(name, role string, slots int) (*testserver.Server, error) {
	env := map[string]string{"CODERACER_ROLE": role, "CODERACER_NATS_URL": c.natsURL}
	if slots > 0 {
		env["CODERACER_PARALLELISM"] = strconv.Itoa(slots)
	}
	return c.start(name, env)
}

// start starts one node (warn-level log) and waits for it to be healthy.
func (c *cluster) start(name string, env map[string]string) (*testserver.Server, error) {
	env["CODERACER_LOG_LEVEL"] = "warn"
	s, err := testserver.Start(srv.Bin, srv.Root, testserver.Options{Name: name, Env: env})
	if err != nil {
		return nil, err
	}
	c.nodes = append(c.nodes, s)
	if err := s.WaitHealthy(testserver.HealthTimeout); err != nil {
		return nil, fmt.Errorf("%s: %v\n%s", name, err, s.LogTail(8<<10))
	}
	return s, nil
}

// stop stops the nodes, the last started first (the hub, which holds
// the NATS the others use, last).
func (c *cluster) stop() error {
	var errs []error
	for i := len(c.nodes) - 1; i >= 0; i-- {
		if s := c.nodes[i]; !s.HasExited() {
			errs = append(errs, s.Stop(testserver.StopTimeout))
		} else {
			errs = append(errs, fmt.Errorf("%s exited during the benchmark: %v\n%s", s.Name, s.ExitErr(), s.LogTail(8<<10)))
		}
	}
	return errors.Join(errs...)
}

// waitWorkers waits until GET /api/v1/cluster on s lists n workers.
func waitWorkers(s *testserver.Server, n int) error {
	var last string
	for deadline := time.Now().Add(clusterTimeout); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		var v struct {
			Workers []json.RawMessage `json:"workers"`
		}
		resp, err := httpClient.Get(s.URL + "/api/v1/cluster")
		if err != nil {
			last = err.Error()
			continue
		}
		data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
		if err == nil && resp.StatusCode == http.StatusOK && json.Unmarshal(data, &v) == nil && len(v.Workers) == n {
			return nil
		}
		last = fmt.Sprintf("%d %s", resp.StatusCode, testserver.Shorten(string(data), 300))
	}
	return fmt.Errorf("%s does not list %d workers after %v: %s", s.Name, n, clusterTimeout, last)
}

// postTo is post (helpers_test.go) to the server at url.
func postTo(url string, body []byte, want string) (time.Duration, error) {
	start := time.Now()
	resp, err := httpClient.Post(url+"/api/v1/execute", "application/json", bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	data, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	elapsed := time.Since(start)
	if err != nil {
		return 0, err
	}
	var r testserver.Response
	if json.Unmarshal(data, &r) != nil || resp.StatusCode != http.StatusOK || r.Status != "OK" || r.Stdout != want {
		return 0, fmt.Errorf("%s: answer %d, want status OK and stdout %q: %s", url, resp.StatusCode, want, testserver.Shorten(string(data), 1000))
	}
	return elapsed, nil
}
