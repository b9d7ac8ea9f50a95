package main

import (
	"context"
	"os"
	"time"

	"github.com/coderacer/coderacer/internal/api"
	"github.com/coderacer/coderacer/internal/engine"
)

// localCluster is GET /api/v1/cluster on a server that runs its jobs
// itself: one worker, this process.
type localCluster struct {
	eng     *engine.Local
	host    string
	started time.Time
}

func newLocalCluster(eng *engine.Local) localCluster {
	host, _ := os.Hostname()
	return localCluster{eng: eng, host: host, started: time.Now().UTC()}
}

func (c localCluster) Workers(ctx context.Context) ([]api.ClusterWorker, error) {
	// Its runtimes are all of them, once their probes have ended.
	if err := c.eng.WaitRuntimes(ctx); err != nil {
		return nil, err
	}
	st := c.eng.Stats()
	var runtimes []string
	for _, rt := range c.eng.Runtimes() {
		runtimes = append(runtimes, rt.Language)
	}
	return []api.ClusterWorker{{
		ID:       workerID(),
		Host:     c.host,
		Runtimes: runtimes,
		Slots:    st.Slots,
		Busy:     st.Pool.Size - st.Pool.Free,
		Started:  c.started,
		Version:  version,
	}}, nil
}
