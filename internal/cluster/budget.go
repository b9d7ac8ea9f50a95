package cluster

import (
	"time"

	"github.com/coderacer/coderacer/internal/engine"
)

// The longest a client waits for an answer: what the job's stages may
// take by their wall-time limits, and the margin.

func wall(asked engine.Limits, p engine.LimitPolicy) time.Duration {
	if asked.WallTime > 0 {
		return asked.WallTime
	}
	return p.Default.WallTime
}

func (c *Client) execBudget(job engine.Job) time.Duration {
	return wall(job.CompileLimits, c.cfg.Compile) + wall(job.RunLimits, c.cfg.Run) + c.cfg.Margin
}

// judgeBudget reckons with tests one after the other, each with its
// checker or interactor.
func (c *Client) judgeBudget(job engine.JudgeJob) time.Duration {
	d := wall(job.Job.CompileLimits, c.cfg.Compile) + c.cfg.Margin
	helper := time.Duration(0)
	for _, p := range []*engine.Program{job.Checker, job.Interactor} {
		if p != nil {
			d += wall(engine.Limits{}, c.cfg.Compile)
			helper += wall(p.Limits, c.cfg.Run)
		}
	}
	run := wall(job.Job.RunLimits, c.cfg.Run)
	for _, t := range job.Tests {
		d += helper
		if t.Limits.WallTime > 0 {
			d += t.Limits.WallTime
		} else {
			d += run
		}
	}
	return d
}
