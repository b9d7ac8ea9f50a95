package api

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"
)

type fixedCluster struct {
	workers []ClusterWorker
	err     error
}

func (f fixedCluster) Workers(ctx context.Context) ([]ClusterWorker, error) { return f.workers, f.err }

func TestCluster(t *testing.T) {
	started := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	h := New(&fakeExec{}, Options{Logger: quietLogger(), Cluster: fixedCluster{workers: []ClusterWorker{
		{ID: "w2", Host: "b", Runtimes: []string{"python3", "c"}, Slots: 4, Busy: 1, Started: started, Version: "x"},
		{ID: "w1", Host: "a", Slots: 2, Busy: 2, Started: started, Version: "x"},
	}}})
	var got clusterResponse
	if err := json.Unmarshal([]byte(checkJSON(t, do(t, h, "GET", "/api/v1/cluster", ""), 200)), &got); err != nil {
		t.Fatal(err)
	}
	if got.Slots != 6 || got.Busy != 3 || len(got.Workers) != 2 || got.Workers[0].ID != "w1" ||
		got.Workers[0].Runtimes == nil || got.Workers[1].Runtimes[0] != "c" {
		t.Fatalf("cluster answered %+v", got)
	}
	down := New(&fakeExec{}, Options{Logger: quietLogger(), Cluster: fixedCluster{err: errors.New("nats: timeout")}})
	checkError(t, do(t, down, "GET", "/api/v1/cluster", ""), 503)
	checkError(t, do(t, newTestHandler(&fakeExec{}), "GET", "/api/v1/cluster", ""), 501)
}

// TestOperationsOnly: a worker node's HTTP answers health and readiness,
// and takes no job.
func TestOperationsOnly(t *testing.T) {
	h := New(&fakeExec{}, Options{Logger: quietLogger(), OperationsOnly: true})
	checkJSON(t, do(t, h, "GET", "/api/v1/health", ""), 200)
	checkJSON(t, do(t, h, "GET", "/api/v1/ready", ""), 200)
	checkError(t, do(t, h, "POST", "/api/v1/execute", submitBody), 404)
	checkError(t, do(t, h, "GET", "/api/v1/runtimes", ""), 404)
	checkError(t, do(t, h, "POST", "/judge0/submissions", `{}`), 404)
}
