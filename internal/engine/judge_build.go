package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// takeBox waits for a box for one run of a judge. The judge was counted
// once as a job when it came in; its boxes are bounded by the pool.
func (e *Local) takeBox(ctx context.Context, network bool) (Box, error) {
	acquire := e.cfg.Pool.Acquire
	if network {
		acquire = e.cfg.Pool.AcquireNetwork
	}
	box, err := acquire(ctx)
	switch {
	case errors.Is(err, ErrPoolClosed):
		return nil, ErrQueueFull
	case err != nil:
		return nil, fmt.Errorf("wait for a sandbox: %w", err)
	}
	return box, nil
}

// takePair waits for two boxes at once: a submission's and its
// interactor's. Pairs are taken one at a time in the whole engine, so at
// most one judge holds half a pair while it waits for the other half;
// every other box is held by a run that ends without waiting for another
// box, so the pair comes (given a pool of two or more).
func (e *Local) takePair(ctx context.Context, network bool) (sub, inter Box, err error) {
	e.pairMu.Lock()
	defer e.pairMu.Unlock()
	if sub, err = e.takeBox(ctx, network); err != nil {
		return nil, nil, err
	}
	if inter, err = e.takeBox(ctx, false); err != nil {
		e.giveBack(sub)
		return nil, nil, err
	}
	return sub, inter, nil
}

// giveBack wipes a box of a judge off the judge's path.
func (e *Local) giveBack(box Box) {
	e.releases.Add(1)
	go func() {
		defer e.releases.Done()
		box.Release()
	}()
}

// build compiles pr once, or takes its artifact from the compile cache,
// and sets pr.files to what every box pr runs in gets. The stage is nil
// for an interpreted language; pr can run only when it is nil or OK. The
// error is only ctx's (or the pool's).
func (e *Local) build(ctx context.Context, pr *program) (*StageResult, error) {
	pr.files = make([]BoxFile, len(pr.sources), len(pr.sources)+1)
	for i, f := range pr.sources {
		pr.files[i] = BoxFile{Name: f.Name, Content: f.Content}
	}
	rt := pr.plan.rt
	if !rt.Compiled() {
		return nil, nil
	}
	args := rt.CompileArgs(pr.plan.entry, pr.names, pr.plan.options)
	// A compile with network could observe what the key does not hold.
	cacheable := !pr.network && e.cfg.Cache.enabled()
	var key cacheKey
	if cacheable {
		key = compileKey(rt.Language, pr.plan.version, args, pr.env, pr.plan.compile, pr.sources)
		if rt.Artifact == "" {
			key = bundleKey(key)
		}
		if out, ok := e.cached(rt.Artifact, key); ok {
			pr.files = append(pr.files, out...)
			return &StageResult{Status: StatusOK, Cached: true}, nil
		}
	}
	box, err := e.takeBox(ctx, pr.network)
	if err != nil {
		return nil, err
	}
	defer e.giveBack(box)
	if err := box.WriteFiles(pr.files); err != nil {
		e.log.Error("write judge files", "err", err)
		return &StageResult{Status: StatusInternalError, Message: "the engine could not write the files into the sandbox"}, nil
	}
	var t Timings
	stage, err := e.stage(ctx, box, StageCompile, RunSpec{Args: args, Env: pr.env, Limits: pr.plan.compile}, nil, &t)
	if err != nil || stage.Status != StatusOK {
		return stage, err
	}
	out, err := e.readCompiled(box, pr, cacheable, key)
	if err != nil {
		// Too large, or missing: what the compiler made cannot run.
		stage.Status, stage.Message = StatusCompileError, fmt.Sprintf("the compiled program cannot be used: %v", err)
		return stage, nil
	}
	pr.files = append(pr.files, out...)
	return stage, nil
}

// cached is what the compile cache holds under key: the artifact (at
// path) or a bundle of files (path empty).
func (e *Local) cached(path string, key cacheKey) ([]BoxFile, bool) {
	blob, ok := e.cfg.Cache.get(key)
	switch {
	case !ok:
		return nil, false
	case path != "":
		return []BoxFile{artifactFile(path, blob)}, true
	}
	files, err := decodeBundle(blob)
	if err != nil {
		e.log.Error("compile cache", "err", err)
		return nil, false
	}
	return files, true
}

// readCompiled reads what the compile stage left in box, and caches it
// when it may: the runtime's artifact, or else every file of the work
// directory but the sources, which are written anyway. It is read before
// any user program runs in the box: it is exactly what the compiler
// wrote.
func (e *Local) readCompiled(box Box, pr *program, cacheable bool, key cacheKey) ([]BoxFile, error) {
	rt := pr.plan.rt
	var out []BoxFile
	var blob []byte
	if rt.Artifact != "" {
		artifact, err := box.ReadFile(rt.Artifact, min(pr.plan.compile.FileSize, maxCompiledBytes))
		if err != nil {
			return nil, err
		}
		out, blob = []BoxFile{artifactFile(rt.Artifact, artifact)}, artifact
	} else {
		files, err := box.ReadFiles(maxCompiledFiles, maxCompiledBytes)
		if err != nil {
			return nil, err
		}
		out = slices.DeleteFunc(files, func(f BoxFile) bool { return slices.Contains(pr.names, f.Name) })
		if cacheable {
			blob = encodeBundle(out)
		}
	}
	if cacheable && int64(len(blob)) <= e.cfg.Cache.maxArtifact() {
		e.cfg.Cache.put(key, blob)
	}
	return out, nil
}

func artifactFile(path string, content []byte) BoxFile {
	return BoxFile{Name: strings.TrimPrefix(path, WorkDir+"/"), Content: content, Executable: true}
}
