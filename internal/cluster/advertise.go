package cluster

import (
	"context"
	"encoding/json"
	"time"

	"github.com/coderacer/coderacer/internal/engine"
)

// WorkerInfo is a worker's advertisement in the workers bucket.
type WorkerInfo struct {
	ID       string               `json:"id"`
	Host     string               `json:"host"`
	Runtimes []engine.RuntimeInfo `json:"runtimes"`
	Slots    int                  `json:"slots"`
	Busy     int                  `json:"busy"`
	Started  time.Time            `json:"started"`
	Version  string               `json:"version"`
}

// advertise puts the worker's advertisement every AdvertiseEvery until
// ctx ends, then deletes it: a drained worker takes no new jobs, so it
// no longer offers its runtimes.
func (w *Worker) advertise(ctx context.Context) {
	t := time.NewTicker(w.cfg.AdvertiseEvery)
	defer t.Stop()
	for {
		w.putAd(ctx)
		select {
		case <-ctx.Done():
			dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
			defer cancel()
			if err := w.kv.Delete(dctx, w.cfg.ID); err != nil {
				w.cfg.Logger.Info("cluster: withdraw the advertisement", "worker", w.cfg.ID, "err", err)
			}
			return
		case <-t.C:
		}
	}
}

func (w *Worker) putAd(ctx context.Context) {
	ad := WorkerInfo{ID: w.cfg.ID, Host: w.host, Runtimes: w.runtimes, Slots: w.cfg.Slots,
		Busy: w.slots.busy(), Started: w.started, Version: w.cfg.Version}
	data, err := json.Marshal(ad)
	if err != nil {
		return
	}
	pctx, cancel := context.WithTimeout(ctx, w.cfg.AdvertiseEvery)
	defer cancel()
	if _, err := w.kv.Put(pctx, w.cfg.ID, data); err != nil && ctx.Err() == nil {
		w.cfg.Logger.Warn("cluster: advertise", "worker", w.cfg.ID, "err", err)
	}
}
