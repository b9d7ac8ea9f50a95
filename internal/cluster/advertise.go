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
	// Draining: the worker finishes its jobs and takes no new ones.
	Draining bool `json:"draining,omitempty"`
}

// advertise puts the worker's advertisement every AdvertiseEvery, at
// once when serving (Run's ctx) ends, marked draining, and deletes it
// when done ends (the worker's jobs are over).
func (w *Worker) advertise(serving, done context.Context) {
	t := time.NewTicker(w.cfg.AdvertiseEvery)
	defer t.Stop()
	drain := serving.Done()
	for {
		w.putAd(done, serving.Err() != nil)
		select {
		case <-done.Done():
			dctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			if err := w.kv.Delete(dctx, w.cfg.ID); err != nil {
				w.cfg.Logger.Info("cluster: withdraw the advertisement", "worker", w.cfg.ID, "err", err)
			}
			return
		case <-drain:
			drain = nil // told once, at once
		case <-t.C:
		}
	}
}

func (w *Worker) putAd(ctx context.Context, draining bool) {
	ad := WorkerInfo{ID: w.cfg.ID, Host: w.host, Runtimes: w.runtimes, Slots: w.cfg.Slots,
		Busy: w.slots.busy(), Started: w.started, Version: w.cfg.Version, Draining: draining}
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
