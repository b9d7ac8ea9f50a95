package main

import (
	"errors"
	"flag"
	"fmt"
	"path/filepath"
	"time"

	"github.com/coderacer/coderacer/internal/sandbox"
)

// poolSettings shape the sandbox pool: its boxes start on demand, a few
// stay warm (internal/sandbox pool.go).
type poolSettings struct {
	Warm        int
	IdleTimeout time.Duration
	// InitPath is the boxes' init program; empty: coderacer-init beside
	// this executable if there is one, else this executable.
	InitPath string
}

func defaultPoolSettings() poolSettings {
	return poolSettings{Warm: sandbox.DefaultWarm, IdleTimeout: sandbox.DefaultIdleTimeout}
}

func (c *serveConfig) poolSettings() []setting {
	return []setting{
		{"CODERACER_WARM_BOXES", "warm-boxes", "sandboxes started with the server and kept however long they idle; the others (up to the parallelism) start when a job needs one", intValue(&c.Pool.Warm)},
		{"CODERACER_BOX_IDLE_TIMEOUT", "box-idle-timeout", "a sandbox beyond the warm ones unused this long is stopped (its memory given back)", durationValue(&c.Pool.IdleTimeout)},
		{"CODERACER_INIT", "init", "the sandboxes' init program (a root-owned file); empty: " + sandbox.InitName + " beside this executable if there is one (make build puts it there), else this executable, three times the memory per sandbox", absPathValue(&c.Pool.InitPath)},
	}
}

func (c *serveConfig) checkPool() error {
	switch {
	case c.Pool.Warm < 1:
		return fmt.Errorf("warm boxes must be at least 1")
	case c.Pool.IdleTimeout < time.Second:
		return fmt.Errorf("box idle timeout must be at least 1s")
	}
	return nil
}

// initPath is the init program the pool is to start its boxes with.
func (c *serveConfig) initPath() string {
	if c.Pool.InitPath != "" {
		return c.Pool.InitPath
	}
	return sandbox.FindInit()
}

// absPathValue is a string setting that is empty or an absolute path.
func absPathValue(p *string) flag.Value {
	parse := func(s string) (string, error) {
		if s != "" && !filepath.IsAbs(s) {
			return "", errors.New("want an absolute path")
		}
		return s, nil
	}
	return value[string]{p: p, parse: parse, format: formatString}
}
