package cluster

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coderacer/coderacer/test/testserver"
)

// TestNATSNodeKilled: three single nodes whose embedded NATS servers form
// a cluster (routes, 3 replicas); one is killed (kill -9) with
// submissions queued: the other two go on and every submission ends once.
func TestNATSNodeKilled(t *testing.T) {
	var clientPorts, routePorts []int
	for range 3 {
		c, err1 := testserver.FreePort()
		r, err2 := testserver.FreePort()
		if err1 != nil || err2 != nil {
			t.Fatal(err1, err2)
		}
		clientPorts, routePorts = append(clientPorts, c), append(routePorts, r)
	}
	var routes []string
	for _, p := range routePorts {
		routes = append(routes, "nats-route://127.0.0.1:"+strconv.Itoa(p))
	}
	token := "cluster-test-" + testserver.RandomHex(8)
	nodes := make([]*testserver.Server, 3)
	envs := make([]map[string]string, 3)
	for i := range nodes {
		dir, err := os.MkdirTemp(tmp, "nats-node-")
		if err != nil {
			t.Fatal(err)
		}
		envs[i] = map[string]string{
			"CODERACER_PARALLELISM":         "1",
			"CODERACER_DATA_DIR":            dir,
			"CODERACER_NATS_NAME":           fmt.Sprintf("n%d", i+1),
			"CODERACER_NATS_LISTEN":         "127.0.0.1:" + strconv.Itoa(clientPorts[i]),
			"CODERACER_NATS_CLUSTER_LISTEN": "127.0.0.1:" + strconv.Itoa(routePorts[i]),
			"CODERACER_NATS_ROUTES":         strings.Join(routes, ","),
			"CODERACER_NATS_TOKEN":          token,
			"CODERACER_NATS_REPLICAS":       "3",
		}
		s, err := testserver.Start(bin, tmp, testserver.Options{Name: fmt.Sprintf("n%d", i+1), Env: envs[i]})
		if err != nil {
			t.Fatal(err)
		}
		nodes[i] = s
		defer stopIfRunning(t, s)
	}
	for _, s := range nodes { // they form the cluster together
		if err := s.WaitHealthy(2 * time.Minute); err != nil {
			t.Fatalf("%s: %v\n%s", s.Name, err, s.LogTail(8<<10))
		}
	}
	want := map[string]string{}
	for _, m := range markers("nats-killed", 12) {
		want[submit(t, nodes[0], sleeper(300*time.Millisecond, m))] = m
	}
	nodes[2].Kill()
	for _, m := range markers("nats-after", 4) {
		want[submit(t, nodes[1], sleeper(100*time.Millisecond, m))] = m
	}
	waitDone(t, nodes[1], want, 2*time.Minute)
	waitDone(t, nodes[0], want, 30*time.Second)

	// The killed node comes back on its data: it rejoins and sees all.
	back, err := testserver.Start(bin, tmp, testserver.Options{Name: "n3-again", Env: envs[2]})
	if err != nil {
		t.Fatal(err)
	}
	defer stopIfRunning(t, back)
	if err := back.WaitHealthy(2 * time.Minute); err != nil {
		t.Fatalf("n3 back: %v\n%s", err, back.LogTail(8<<10))
	}
	waitDone(t, back, want, time.Minute)
}

func stopIfRunning(t *testing.T, s *testserver.Server) {
	if !s.HasExited() {
		if err := s.Stop(testserver.StopTimeout); err != nil {
			t.Error(err)
		}
	}
}
