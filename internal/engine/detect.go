package engine

import (
	"maps"
	"sync"
	"sync/atomic"

	"github.com/coderacer/coderacer/internal/langs"
)

// detection is what the engine knows of its runtimes while their version
// probes run in the background, after NewLocal has returned: the versions
// known so far (the version cache's at once, the probes' as they end), the
// probes still to run, and the list of every runtime that works, which
// exists only once the last probe has ended.
//
// A job waits for its own runtime's probe only, which then runs next
// (wanted); a listing waits for them all (Local.Runtimes): a runtime is
// never listed with a version it would not have, nor missing from a list
// because its probe had not run yet.
type detection struct {
	mu       sync.Mutex
	versions map[*langs.Runtime]string // the runtimes that work, so far
	pending  map[*langs.Runtime]*pendingProbe
	queue    []*pendingProbe // not taken yet, in the order they run

	// final is versions once detection is over: the jobs' path reads it
	// without the lock.
	final    atomic.Pointer[map[*langs.Runtime]string]
	runtimes []RuntimeInfo // set before done is closed
	done     chan struct{}
}

// pendingProbe is a runtime whose probe has not ended.
type pendingProbe struct {
	rt     *langs.Runtime
	key    string        // its version cache key
	wanted bool          // a job waits for it: it runs before the queue
	ended  chan struct{} // closed when the probe has ended
}

func newDetection() *detection {
	return &detection{versions: map[*langs.Runtime]string{}, pending: map[*langs.Runtime]*pendingProbe{},
		done: make(chan struct{})}
}

// known records a version found without a probe (the version cache's).
func (d *detection) known(rt *langs.Runtime, version string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.versions[rt] = version
}

// enqueue adds a probe to run, after those already queued.
func (d *detection) enqueue(rt *langs.Runtime, key string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	p := &pendingProbe{rt: rt, key: key, ended: make(chan struct{})}
	d.pending[rt] = p
	d.queue = append(d.queue, p)
}

// next takes the probe to run now: the first that a job waits for, else
// the first queued; nil when none is left.
func (d *detection) next() *pendingProbe {
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.queue) == 0 {
		return nil
	}
	i := 0
	for j, p := range d.queue {
		if p.wanted {
			i = j
			break
		}
	}
	p := d.queue[i]
	d.queue = append(d.queue[:i], d.queue[i+1:]...)
	return p
}

// ended records the end of p's probe: version is rt's when ok, else the
// runtime does not work.
func (d *detection) ended(p *pendingProbe, version string, ok bool) {
	d.mu.Lock()
	if ok {
		d.versions[p.rt] = version
	}
	delete(d.pending, p.rt)
	d.mu.Unlock()
	close(p.ended)
}

// version is rt's version and whether it works, waiting for its probe if
// it has not ended (and moving it to the front of the queue). A nil rt is
// not installed.
func (d *detection) version(rt *langs.Runtime) (string, bool) {
	if m := d.final.Load(); m != nil {
		v, ok := (*m)[rt]
		return v, ok
	}
	d.mu.Lock()
	v, ok := d.versions[rt]
	p := d.pending[rt]
	if ok || p == nil {
		d.mu.Unlock()
		return v, ok
	}
	p.wanted = true
	d.mu.Unlock()
	<-p.ended
	d.mu.Lock()
	defer d.mu.Unlock()
	v, ok = d.versions[rt]
	return v, ok
}

// finish ends the detection: every probe has ended. all is the catalog,
// in the order of the list.
func (d *detection) finish(all []*langs.Runtime) {
	d.mu.Lock()
	final := maps.Clone(d.versions)
	d.mu.Unlock()
	for _, rt := range all {
		if v, ok := final[rt]; ok {
			d.runtimes = append(d.runtimes, RuntimeInfo{Language: rt.Language, Version: v, Aliases: rt.Aliases,
				Compiled: rt.Compiled(), Entrypoint: rt.Entrypoint, CompilerOptions: rt.CompilerOptions})
		}
	}
	d.final.Store(&final)
	close(d.done)
}
