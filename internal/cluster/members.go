package cluster

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/coderacer/coderacer/internal/engine"
	"github.com/coderacer/coderacer/internal/jsjob"
)

// members is what a client knows of the live workers, from a watch of
// the workers bucket. A worker is live while its advertisement is
// renewed: the time is this process's clock at receipt, so hosts' clocks
// need not agree.
type members struct {
	mu    sync.Mutex
	ads   map[string]member
	ready chan struct{} // closed once the bucket's current values are read
	once  sync.Once
}

type member struct {
	info WorkerInfo
	seen time.Time
}

func newMembers() *members {
	return &members{ads: map[string]member{}, ready: make(chan struct{})}
}

// watch follows the bucket until ctx ends.
func (m *members) watch(ctx context.Context, kv jetstream.KeyValue, log func(msg string, args ...any)) {
	defer m.once.Do(func() { close(m.ready) })
	for ctx.Err() == nil {
		w, err := kv.WatchAll(ctx)
		if err != nil {
			log("cluster: watch the workers", "err", err)
			jsjob.Sleep(ctx, time.Second)
			continue
		}
		m.follow(ctx, w)
		_ = w.Stop()
	}
}

func (m *members) follow(ctx context.Context, w jetstream.KeyWatcher) {
	for {
		select {
		case <-ctx.Done():
			return
		case e, ok := <-w.Updates():
			if !ok {
				return
			}
			if e == nil {
				m.once.Do(func() { close(m.ready) })
				continue
			}
			m.update(e)
		}
	}
}

func (m *members) update(e jetstream.KeyValueEntry) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if e.Operation() != jetstream.KeyValuePut {
		delete(m.ads, e.Key())
		return
	}
	var info WorkerInfo
	if json.Unmarshal(e.Value(), &info) != nil {
		return // not a worker of ours
	}
	info.ID = e.Key()
	m.ads[e.Key()] = member{info: info, seen: time.Now()}
}

// live lists the live workers by id.
func (m *members) live() []WorkerInfo {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []WorkerInfo
	for id, ad := range m.ads {
		if time.Since(ad.seen) > WorkerTTL {
			delete(m.ads, id)
			continue
		}
		out = append(out, ad.info)
	}
	slices.SortFunc(out, func(a, b WorkerInfo) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// runtimes is the union of the live workers' runtimes, by language; the
// first worker (by id) that has one describes it.
func runtimesOf(workers []WorkerInfo) []engine.RuntimeInfo {
	seen := map[string]bool{}
	var out []engine.RuntimeInfo
	for _, w := range workers {
		for _, rt := range w.Runtimes {
			if !seen[rt.Language] {
				seen[rt.Language] = true
				out = append(out, rt)
			}
		}
	}
	slices.SortFunc(out, func(a, b engine.RuntimeInfo) int { return strings.Compare(a.Language, b.Language) })
	return out
}

// calledBy reports whether rt is called name (its language or an alias,
// any case), as the engine finds runtimes.
func calledBy(rt engine.RuntimeInfo, name string) bool {
	return strings.EqualFold(rt.Language, name) ||
		slices.ContainsFunc(rt.Aliases, func(a string) bool { return strings.EqualFold(a, name) })
}
