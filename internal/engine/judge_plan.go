package engine

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Bounds of what a compile stage may leave for the tests of a judge: the
// engine holds it in memory while the tests run, and writes it into every
// test's box.
const (
	maxCompiledFiles = 1000
	maxCompiledBytes = 64 << 20
)

// ErrInteractiveUnavailable refuses an interactive judge on a server with
// a single sandbox: a submission and its interactor run in two at once.
var ErrInteractiveUnavailable = errors.New("interactive problems need two sandboxes at once; this server has one")

// The files a checker and an interactor find beside their own, and that
// their own may therefore not be named.
var (
	checkerFiles    = []string{"input.txt", "output.txt", "answer.txt"}
	interactorFiles = []string{"input.txt", "tout.txt", "answer.txt"}
)

// program is a submission, checker or interactor: its plan, and once
// built, the files every box it runs in gets.
type program struct {
	plan    *plan
	sources []File
	names   []string
	env     []string
	network bool
	files   []BoxFile // the sources and what the compiler left; set by build
}

// judgePlan is a judge job checked against the server: everything decided
// before a box is taken.
type judgePlan struct {
	sub        *program
	checker    *program // nil without one
	interactor *program // nil without one
	limits     []Limits // each test's run limits
	preview    int
}

// PartError says which part of a judge job an error is about: "tests[3]"
// (by its index in JudgeJob.Tests), "checker" or "interactor". It wraps
// the engine's usual error (*LimitError, *FileError, ...).
type PartError struct {
	Part string
	Err  error
}

func (e *PartError) Error() string { return e.Part + ": " + e.Err.Error() }
func (e *PartError) Unwrap() error { return e.Err }

// planJudge checks job against the server. Its errors are the request's
// fault; one about a test, the checker or the interactor is a *PartError
// naming it, so that a dialect can name the field the request set.
func (e *Local) planJudge(job JudgeJob) (*judgePlan, error) {
	sub, err := e.planProgram(job.Job)
	if err != nil {
		return nil, err
	}
	jp := &judgePlan{sub: sub, limits: make([]Limits, len(job.Tests)), preview: max(job.OutputPreviewBytes, 0)}
	for i := range job.Tests {
		if jp.limits[i], err = e.planTest(sub, job.Job.RunLimits, &job.Tests[i]); err != nil {
			return nil, &PartError{Part: fmt.Sprintf("tests[%d]", i), Err: err}
		}
	}
	if jp.checker, err = e.planHelper("checker", job.Checker, checkerFiles); err != nil {
		return nil, err
	}
	if jp.interactor, err = e.planHelper("interactor", job.Interactor, interactorFiles); err != nil {
		return nil, err
	}
	if jp.interactor != nil && e.slots < 2 {
		return nil, ErrInteractiveUnavailable
	}
	return jp, nil
}

// planProgram is plan for a program of a judge.
func (e *Local) planProgram(job Job) (*program, error) {
	p, err := e.plan(job)
	if err != nil {
		return nil, err
	}
	pr := &program{plan: p, sources: job.Files, names: make([]string, len(job.Files)), env: runtimeEnv(p.rt), network: job.Network}
	for i, f := range job.Files {
		pr.names[i] = f.Name
	}
	return pr, nil
}

// planHelper plans a checker or an interactor (nil: none); its run limits
// are its own, its compile limits the server's defaults.
func (e *Local) planHelper(role string, prog *Program, reserved []string) (*program, error) {
	if prog == nil {
		return nil, nil
	}
	pr, err := e.planProgram(Job{Language: prog.Language, Entrypoint: prog.Entrypoint, Files: prog.Files, RunLimits: prog.Limits})
	if err != nil {
		return nil, &PartError{Part: role, Err: err}
	}
	for _, name := range pr.names {
		if slices.Contains(reserved, name) {
			return nil, &PartError{Part: role, Err: &FileError{Name: name, Reason: "is reserved for the files the engine gives it: " + strings.Join(reserved, ", ")}}
		}
	}
	return pr, nil
}

// planTest resolves a test's run limits (the job's, overridden by the
// test's non-zero fields, under the server maxima) and checks its files.
func (e *Local) planTest(sub *program, base Limits, t *Test) (Limits, error) {
	for k := range AllLimits() {
		if v := t.Limits.Get(k); v != 0 {
			*base.Field(k) = v
		}
	}
	lim, err := e.cfg.Run.Resolve(StageRun, base, overrides(sub.plan.rt.Limits.Run))
	if err != nil || len(t.Files) == 0 {
		return lim, err
	}
	maxFiles := e.cfg.MaxFiles
	if maxFiles <= 0 {
		maxFiles = DefaultMaxFiles
	}
	if len(t.Files) > maxFiles {
		return lim, &FileError{Reason: fmt.Sprintf("too many files: %d, the maximum is %d", len(t.Files), maxFiles)}
	}
	all := append(slices.Clip(sub.sources), t.Files...)
	if err := ValidateFiles(all, sub.plan.entry, len(all)); err != nil {
		return lim, err
	}
	if art := strings.TrimPrefix(sub.plan.rt.Artifact, WorkDir+"/"); art != "" && slices.ContainsFunc(t.Files, func(f File) bool { return f.Name == art }) {
		return lim, &FileError{Name: art, Reason: "is the compiled program's name"}
	}
	return lim, nil
}
