package api

// GET /api/v1/cluster: the nodes that run jobs, their runtimes, slots and
// load (README "Scaling out").

import (
	"cmp"
	"context"
	"net/http"
	"slices"
	"time"
)

// ClusterView tells which workers run this server's jobs: the cluster's
// live workers, or the server itself when it runs them alone.
type ClusterView interface {
	Workers(ctx context.Context) ([]ClusterWorker, error)
}

// ClusterWorker is one worker as GET /api/v1/cluster shows it.
type ClusterWorker struct {
	ID       string    `json:"id"`
	Host     string    `json:"host"`
	Runtimes []string  `json:"runtimes"`
	Slots    int       `json:"slots"`
	Busy     int       `json:"busy"`
	Started  time.Time `json:"startedAt"`
	Version  string    `json:"version"`
}

// clusterResponse is the answer: the workers, by id, and their totals.
type clusterResponse struct {
	Workers []ClusterWorker `json:"workers"`
	Slots   int             `json:"slots"`
	Busy    int             `json:"busy"`
}

// clusterTimeout bounds reading the workers (NATS may be unreachable).
const clusterTimeout = 5 * time.Second

func (s *server) handleCluster(w http.ResponseWriter, r *http.Request) {
	if s.opts.Cluster == nil {
		writeError(w, http.StatusNotImplemented, "this server does not tell its workers")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), clusterTimeout)
	defer cancel()
	workers, err := s.opts.Cluster.Workers(ctx)
	if err != nil {
		s.log.Error("reading the cluster's workers", "err", err)
		writeFailure(w, http.StatusServiceUnavailable, "the cluster's workers cannot be read now, retry later", writeError)
		return
	}
	out := clusterResponse{Workers: make([]ClusterWorker, 0, len(workers))}
	for _, wk := range workers {
		if wk.Runtimes == nil {
			wk.Runtimes = []string{}
		}
		slices.Sort(wk.Runtimes)
		out.Workers = append(out.Workers, wk)
		out.Slots += wk.Slots
		out.Busy += wk.Busy
	}
	slices.SortFunc(out.Workers, func(a, b ClusterWorker) int { return cmp.Compare(a.ID, b.ID) })
	writeJSON(w, http.StatusOK, out)
}
