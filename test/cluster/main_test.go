// Package cluster holds the end-to-end tests of scaling out (README
// "Scaling out"): real `coderacer serve` processes in their roles on this
// machine, joined by NATS on loopback, and the faults the issue names —
// a worker killed mid-job, a worker drained, an API node killed —
// each asserting that every job ends once with its own output.
//
// The nodes: hub (a worker whose embedded NATS listens on loopback for
// the others, holding the data), w2 (a worker), a1 and a2 (API nodes,
// no sandbox). Nothing is mocked.
package cluster

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/coderacer/coderacer/test/testserver"
)

var (
	hub      *testserver.Server // worker, and the NATS every node joins
	natsURL  string
	w2       *testserver.Server
	a1, a2   *testserver.Server
	bin, tmp string
)

// slotsPerWorker is each worker's parallelism.
const slotsPerWorker = 2

func TestMain(m *testing.M) {
	port, err := testserver.FreePort()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	natsURL = "nats://127.0.0.1:" + strconv.Itoa(port)
	os.Exit(testserver.Main(m, testserver.Options{
		Name: "hub",
		Env: map[string]string{
			"CODERACER_ROLE":        "worker",
			"CODERACER_PARALLELISM": strconv.Itoa(slotsPerWorker),
			"CODERACER_NATS_LISTEN": "127.0.0.1:" + strconv.Itoa(port),
		},
		Teardown: teardown,
	}, setup))
}

// teardown stops the nodes setup started, the API nodes first.
func teardown() error {
	var errs []error
	for _, s := range []*testserver.Server{a1, a2, w2} {
		if s != nil && !s.HasExited() {
			errs = append(errs, s.Stop(testserver.StopTimeout))
		}
	}
	return errors.Join(errs...)
}

// setup starts the other nodes once the hub is healthy.
func setup(s *testserver.Server) error {
	hub, bin, tmp = s, s.Bin, s.Root
	var err error
	if w2, err = startNode("w2", "worker", nil); err != nil {
		return err
	}
	if a1, err = startNode("a1", "api", nil); err != nil {
		return err
	}
	if a2, err = startNode("a2", "api", nil); err != nil {
		return err
	}
	return waitWorkers(a1, 2, time.Minute)
}

// startNode starts a node of role joined to the hub's NATS and waits for
// it to be healthy.
func startNode(name, role string, env map[string]string) (*testserver.Server, error) {
	e := map[string]string{
		"CODERACER_ROLE":     role,
		"CODERACER_NATS_URL": natsURL,
	}
	if role == "worker" {
		e["CODERACER_PARALLELISM"] = strconv.Itoa(slotsPerWorker)
	}
	for k, v := range env {
		e[k] = v
	}
	s, err := testserver.Start(bin, tmp, testserver.Options{Name: name, Env: e})
	if err != nil {
		return nil, err
	}
	if err := s.WaitHealthy(testserver.HealthTimeout); err != nil {
		s.Kill()
		return nil, fmt.Errorf("%s: %v\n%s", name, err, s.LogTail(16<<10))
	}
	return s, nil
}

// clusterView is GET /api/v1/cluster.
type clusterView struct {
	Workers []struct {
		ID       string   `json:"id"`
		Runtimes []string `json:"runtimes"`
		Slots    int      `json:"slots"`
		Busy     int      `json:"busy"`
	} `json:"workers"`
	Slots int `json:"slots"`
	Busy  int `json:"busy"`
}

func readCluster(s *testserver.Server) (clusterView, error) {
	var c clusterView
	resp, err := http.Get(s.URL + "/api/v1/cluster")
	if err != nil {
		return c, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return c, fmt.Errorf("GET /api/v1/cluster: %s", resp.Status)
	}
	return c, json.NewDecoder(resp.Body).Decode(&c)
}

// waitWorkers waits until s sees n live workers.
func waitWorkers(s *testserver.Server, n int, d time.Duration) error {
	deadline := time.Now().Add(d)
	for {
		c, err := readCluster(s)
		if err == nil && len(c.Workers) == n {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s sees %+v (%v), want %d workers", s.Name, c, err, n)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// killWorker kills a worker node (kill -9) and starts another in its
// place: a killed node cannot remove its sandboxes' cgroups, and a
// server that starts sweeps those of dead servers. The replacement is
// stopped when the test ends.
func killWorker(t *testing.T, victim *testserver.Server) {
	t.Helper()
	victim.Kill()
	t.Cleanup(func() {
		after, err := startNode(victim.Name+"-after", "worker", nil)
		if err != nil {
			t.Error(err)
			return
		}
		if err := after.Stop(testserver.StopTimeout); err != nil {
			t.Error(err)
		}
	})
}
