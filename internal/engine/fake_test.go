package engine

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/coderacer/coderacer/internal/langs"
)

// fakePool is a Pool of fake boxes, with no sandbox under it: the
// engine's orchestration runs against it without root, in milliseconds.
// A box runs programs by the script of fakeRun: the version command, a
// compiler (/w/cc), an interpreter (/w/interp) and the compiled artifact.
type fakePool struct {
	slots   chan struct{} // one token per free box
	network bool          // AcquireNetwork hands out boxes
	// hook, when set, runs before each run of every box; a non-nil
	// result or error replaces the script's.
	hook func(ctx context.Context, b *fakeBox, spec RunSpec) (*RunResult, error)
	// writeErr fails every WriteFiles.
	writeErr error

	mu       sync.Mutex
	closed   bool
	boxes    []*fakeBox
	released int
}

func newFakePool(size int) *fakePool {
	p := &fakePool{slots: make(chan struct{}, size)}
	for range size {
		p.slots <- struct{}{}
	}
	return p
}

func (p *fakePool) Acquire(ctx context.Context) (Box, error) { return p.acquire(ctx, false) }

func (p *fakePool) AcquireNetwork(ctx context.Context) (Box, error) {
	if !p.network {
		return nil, errors.New("fake: no network")
	}
	return p.acquire(ctx, true)
}

func (p *fakePool) acquire(ctx context.Context, network bool) (Box, error) {
	p.mu.Lock()
	closed := p.closed
	p.mu.Unlock()
	if closed {
		return nil, ErrPoolClosed
	}
	select {
	case <-p.slots:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	b := &fakeBox{pool: p, network: network, files: map[string]BoxFile{}}
	p.mu.Lock()
	p.boxes = append(p.boxes, b)
	p.mu.Unlock()
	return b, nil
}

func (p *fakePool) NetworkEnabled() bool { return p.network }

func (p *fakePool) Stats() PoolStats { return PoolStats{Size: cap(p.slots), Free: len(p.slots)} }

// runs lists every program run in the pool's boxes whose first argument
// is prog, in the order the boxes were handed out.
func (p *fakePool) runs(prog string) []RunSpec {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []RunSpec
	for _, b := range p.boxes {
		for _, r := range b.runs {
			if r.Args[0] == prog {
				out = append(out, r)
			}
		}
	}
	return out
}

// last is the box handed out last.
func (p *fakePool) last(t *testing.T) *fakeBox {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.boxes) == 0 {
		t.Fatal("no box was handed out")
	}
	return p.boxes[len(p.boxes)-1]
}

type fakeBox struct {
	pool     *fakePool
	network  bool
	files    map[string]BoxFile
	runs     []RunSpec
	released bool
}

func (b *fakeBox) WriteFiles(files []BoxFile) error {
	if b.pool.writeErr != nil {
		return b.pool.writeErr
	}
	for _, f := range files {
		b.files[f.Name] = f
	}
	return nil
}

func (b *fakeBox) ReadFile(path string, max int64) ([]byte, error) {
	f, ok := b.files[strings.TrimPrefix(path, WorkDir+"/")]
	switch {
	case !ok:
		return nil, errors.New("fake: no such file")
	case int64(len(f.Content)) > max:
		return nil, errors.New("fake: too large")
	}
	return f.Content, nil
}

func (b *fakeBox) ReadFiles(maxFiles int, maxBytes int64) ([]BoxFile, error) {
	var out []BoxFile
	for _, name := range slices.Sorted(maps.Keys(b.files)) {
		out = append(out, b.files[name])
		maxBytes -= int64(len(b.files[name].Content))
	}
	if len(out) > maxFiles || maxBytes < 0 {
		return nil, errors.New("fake: too many files")
	}
	return out, nil
}

func (b *fakeBox) Release() {
	b.pool.mu.Lock()
	defer b.pool.mu.Unlock()
	if b.released {
		panic("box released twice")
	}
	b.released = true
	b.pool.released++
	b.pool.slots <- struct{}{}
}

func (b *fakeBox) Run(ctx context.Context, spec RunSpec) (RunResult, error) {
	b.pool.mu.Lock()
	b.runs = append(b.runs, spec)
	b.pool.mu.Unlock()
	if h := b.pool.hook; h != nil {
		if r, err := h(ctx, b, spec); r != nil || err != nil {
			if r == nil {
				r = &RunResult{}
			}
			return *r, err
		}
	}
	return b.script(spec), nil
}

// script is what the fake programs do.
func (b *fakeBox) script(spec RunSpec) RunResult {
	out := func(stream string, data string) RunResult {
		if spec.OnOutput != nil {
			spec.OnOutput(stream, []byte(data))
		}
		if stream == StreamStderr {
			return RunResult{Stderr: []byte(data), Output: []byte(data), ExitCode: 1, WallTime: time.Millisecond}
		}
		return RunResult{Stdout: []byte(data), Output: []byte(data), WallTime: time.Millisecond}
	}
	switch spec.Args[0] {
	case "/w/version":
		return out(StreamStdout, "fake 1.2.3\n")
	case "/w/cc": // compiles main.c into a.out, refuses "bad"
		src := string(b.files[spec.Args[1]].Content)
		if strings.Contains(src, "bad") {
			return out(StreamStderr, "main.c: error\n")
		}
		b.files["a.out"] = BoxFile{Name: "a.out", Content: []byte("binary of " + src), Executable: true}
		return RunResult{WallTime: time.Millisecond}
	case "/w/a.out":
		f, ok := b.files["a.out"]
		if !ok || !f.Executable {
			return RunResult{ExitCode: 127}
		}
		return out(StreamStdout, "ran "+string(f.Content))
	case "/w/interp": // prints stdin, then its arguments
		in := spec.Stdin
		if spec.StdinReader != nil {
			in, _ = io.ReadAll(spec.StdinReader)
		}
		return out(StreamStdout, string(in)+strings.Join(spec.Args[1:], " "))
	}
	return RunResult{ExitCode: 127}
}

// fakeRuntimes: an interpreted language, a compiled one with a cached
// artifact, and one whose toolchain does not answer.
var fakeRuntimes = fstest.MapFS{
	"interp.json": {Data: []byte(`{"language": "interp", "aliases": ["i"], "extension": "i", "entrypoint": "main.i",
		"version": {"command": ["/w/version"], "pattern": "fake ([0-9.]+)"},
		"run": ["/w/interp", "{entrypoint}"],
		"limits": {"run": {"memoryBytes": 1073741824, "processes": 100000}}}`)},
	"comp.json": {Data: []byte(`{"language": "comp", "extension": "c", "entrypoint": "main.c",
		"version": {"command": ["/w/version"], "pattern": "fake ([0-9.]+)"},
		"compile": ["/w/cc", "{sources}"], "artifact": "/w/a.out", "run": ["/w/a.out"]}`)},
	"broken.json": {Data: []byte(`{"language": "broken", "extension": "b", "entrypoint": "main.b",
		"version": {"command": ["/w/nothing"], "pattern": "fake ([0-9.]+)"},
		"run": ["/w/nothing"]}`)},
}

// newFakeEngine is an engine over pool with the fake runtimes, a compile
// cache and the default limits.
func newFakeEngine(t *testing.T, pool *fakePool, queue int) *Local {
	t.Helper()
	catalog, err := langs.Load(fakeRuntimes)
	if err != nil {
		t.Fatal(err)
	}
	e, err := NewLocal(t.Context(), Config{
		Pool: pool, Catalog: catalog, Run: DefaultRunPolicy(), Compile: DefaultCompilePolicy(),
		QueueSize: queue, Cache: NewCompileCache(1 << 20),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	// The version commands ran in boxes of their own: forget them.
	e.Runtimes() // the probes have ended
	pool.mu.Lock()
	pool.boxes, pool.released = nil, 0
	pool.mu.Unlock()
	return e
}

// execute runs job and waits until its box is back in the pool, as the
// engine releases boxes after it answers.
func execute(t *testing.T, e *Local, job Job) (*Result, error) {
	t.Helper()
	defer e.Wait()
	return e.Execute(t.Context(), job)
}
