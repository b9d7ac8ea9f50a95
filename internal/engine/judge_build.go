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
	args := rt.CompileArgs(pr.plan.entry, pr.names)
	cacheable := rt.Artifact != "" && !pr.network
	var key cacheKey
	if cacheable {
		key = compileKey(rt.Language, pr.plan.version, args, pr.env, pr.plan.compile, pr.sources)
		if artifact, ok := e.cfg.Cache.get(key); ok {
			pr.files = append(pr.files, artifactFile(rt.Artifact, artifact))
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

// readCompiled reads what the compile stage left in box: the runtime's
// artifact (cached when it may be), or else every file of the work
// directory but the sources, which are written anyway.
func (e *Local) readCompiled(box Box, pr *program, cacheable bool, key cacheKey) ([]BoxFile, error) {
	rt := pr.plan.rt
	if rt.Artifact != "" {
		artifact, err := box.ReadFile(rt.Artifact, min(pr.plan.compile.FileSize, maxCompiledBytes))
		if err != nil {
			return nil, err
		}
		if cacheable && e.cfg.Cache.enabled() && int64(len(artifact)) <= e.cfg.Cache.maxArtifact() {
			e.cfg.Cache.put(key, artifact)
		}
		return []BoxFile{artifactFile(rt.Artifact, artifact)}, nil
	}
	files, err := box.ReadFiles(maxCompiledFiles, maxCompiledBytes)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(files, func(f BoxFile) bool { return slices.Contains(pr.names, f.Name) }), nil
}

func artifactFile(path string, content []byte) BoxFile {
	return BoxFile{Name: strings.TrimPrefix(path, WorkDir+"/"), Content: content, Executable: true}
}
