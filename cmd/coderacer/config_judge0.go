package main

import (
	"flag"
	"fmt"
	"strings"

	"github.com/coderacer/coderacer/internal/api"
	"github.com/coderacer/coderacer/internal/judge0"
)

// ---- The Judge0 CE dialect (README "Coming from Judge0") ----

// judge0Settings configure the Judge0 routes.
type judge0Settings struct {
	Prefix string
	// AuthUsers are the X-Auth-User tokens, comma-separated: a secret.
	AuthUsers string
	Config    judge0.Config
}

func defaultJudge0Settings() judge0Settings {
	return judge0Settings{Prefix: api.DefaultJudge0Prefix, Config: judge0.DefaultConfig()}
}

func (c *serveConfig) judge0Settings() []setting {
	j := &c.Judge0
	return []setting{
		{"CODERACER_JUDGE0_PREFIX", "judge0-prefix", "path the Judge0 CE routes live under (/judge0/submissions ...); / puts them at the root (/submissions, /languages ...)", prefixPathValue(&j.Prefix)},
		{"CODERACER_JUDGE0_AUTH_USERS", "judge0-auth-users", "Judge0 X-Auth-User tokens, comma-separated, that may list and delete submissions; none: both are 403", tokensValue(&j.AuthUsers)},
		{"CODERACER_JUDGE0_CPU_TIME_LIMIT", "judge0-cpu-time-limit", "Judge0 cpu_time_limit default, seconds", floatValue(&j.Config.CPUTimeLimit)},
		{"CODERACER_JUDGE0_MAX_CPU_TIME_LIMIT", "judge0-max-cpu-time-limit", "Judge0 cpu_time_limit maximum, seconds", floatValue(&j.Config.MaxCPUTimeLimit)},
		{"CODERACER_JUDGE0_WALL_TIME_LIMIT", "judge0-wall-time-limit", "Judge0 wall_time_limit default, seconds", floatValue(&j.Config.WallTimeLimit)},
		{"CODERACER_JUDGE0_MAX_WALL_TIME_LIMIT", "judge0-max-wall-time-limit", "Judge0 wall_time_limit maximum, seconds", floatValue(&j.Config.MaxWallTimeLimit)},
		{"CODERACER_JUDGE0_MEMORY_LIMIT", "judge0-memory-limit", "Judge0 memory_limit default, KB", floatValue(&j.Config.MemoryLimit)},
		{"CODERACER_JUDGE0_MAX_MEMORY_LIMIT", "judge0-max-memory-limit", "Judge0 memory_limit maximum, KB", floatValue(&j.Config.MaxMemoryLimit)},
		{"CODERACER_JUDGE0_MAX_NUMBER_OF_RUNS", "judge0-max-number-of-runs", "Judge0 number_of_runs maximum", floatValue(&j.Config.MaxNumberOfRuns)},
	}
}

// checkJudge0 refuses limits whose default exceeds their maximum.
func (c *serveConfig) checkJudge0() error {
	j := c.Judge0
	cfg := j.Config
	for _, l := range []struct {
		name      string
		def, most float64
	}{{"cpu time", cfg.CPUTimeLimit, cfg.MaxCPUTimeLimit}, {"wall time", cfg.WallTimeLimit, cfg.MaxWallTimeLimit},
		{"memory", cfg.MemoryLimit, cfg.MaxMemoryLimit}, {"number of runs", cfg.NumberOfRuns, cfg.MaxNumberOfRuns}} {
		if l.def <= 0 || l.def > l.most {
			return fmt.Errorf("judge0 %s limit: the default %v must be positive and at most the maximum %v", l.name, l.def, l.most)
		}
	}
	if cfg.MemoryLimit < judge0.MinMemoryLimit {
		return fmt.Errorf("judge0 memory limit: at least %d KB", judge0.MinMemoryLimit)
	}
	return nil
}

// prefixPathValue is the Judge0 prefix: "/" or a path the mux can route,
// outside /api.
func prefixPathValue(p *string) flag.Value {
	return value[string]{p: p, format: formatString, parse: func(s string) (string, error) {
		if !strings.HasPrefix(s, "/") || strings.ContainsAny(s, "{}?#%@ \t") || strings.Contains(s, "//") ||
			s != "/" && strings.HasSuffix(s, "/") || s == "/api" || strings.HasPrefix(s, "/api/") {
			return "", fmt.Errorf("want / or a path such as /judge0, outside /api")
		}
		return s, nil
	}}
}

// tokensValue is a secret list of tokens, comma-separated: printable
// ASCII without white space, commas or '@'.
func tokensValue(p *string) flag.Value {
	return value[string]{p: p, format: formatString, secret: true, parse: func(s string) (string, error) {
		for _, t := range listFields(s) {
			if strings.ContainsFunc(t, func(r rune) bool { return r <= ' ' || r > '~' || r == '@' }) {
				return "", fmt.Errorf("a token holds a character that is not allowed")
			}
		}
		return s, nil
	}}
}

// judge0Options are the API's options of the dialect.
func (c serveConfig) judge0Options() api.Judge0Options {
	return api.Judge0Options{
		Prefix:       c.Judge0.Prefix,
		Config:       c.Judge0.Config,
		AuthUsers:    listFields(c.Judge0.AuthUsers),
		AllowNetwork: !c.NoNetwork,
		Workers:      c.Parallelism,
	}
}
