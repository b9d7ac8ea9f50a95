// Command crvm-guest runs inside the cgroup v2 test VM (see test/vm): it
// starts the Code Racer server in each way a person deploys it, drives it
// through its API and checks the cgroups it makes and leaves. Each check is
// one JSON line in results.jsonl on the host's share; server logs go beside
// it. It needs root, systemd as PID 1, /usr/local/bin/coderacer and the
// shipped unit file given by -unit.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// result is one check of one scenario, as the host test reads it.
type result struct {
	Scenario string  `json:"scenario"`
	Check    string  `json:"check"`
	Pass     bool    `json:"pass"`
	Detail   string  `json:"detail"`
	Seconds  float64 `json:"seconds"`
	// Log names a server log on the share that explains a failure.
	Log string `json:"log,omitempty"`
}

// reporter writes results as they come, so a guest that hangs or dies
// still leaves what it found.
type reporter struct {
	f   *os.File
	enc *json.Encoder
}

func (r *reporter) report(res result) {
	if err := r.enc.Encode(res); err != nil {
		fmt.Fprintf(os.Stderr, "crvm-guest: write result: %v\n", err)
	}
	_ = r.f.Sync()
	verdict := "PASS"
	if !res.Pass {
		verdict = "FAIL"
	}
	fmt.Printf("crvm-guest: %s %s/%s (%.1fs): %s\n", verdict, res.Scenario, res.Check, res.Seconds, res.Detail)
}

func main() {
	share := flag.String("share", "/mnt/crvm", "directory for results and logs (the host's 9p share)")
	unit := flag.String("unit", "/mnt/crvm/coderacer.service", "the shipped systemd unit file")
	only := flag.String("scenarios", "", "comma-separated scenario names to run (default all)")
	flag.Parse()
	if err := run(*share, *unit, *only); err != nil {
		fmt.Fprintf(os.Stderr, "crvm-guest: %v\n", err)
		os.Exit(1)
	}
}

func run(share, unit, only string) error {
	f, err := os.Create(filepath.Join(share, "results.jsonl"))
	if err != nil {
		return fmt.Errorf("create results: %w", err)
	}
	defer f.Close()
	rep := &reporter{f: f, enc: json.NewEncoder(f)}
	g := &guest{rep: rep, share: share, unitFile: unit, self: cgroupOf(os.Getpid())}
	if err := g.setup(); err != nil {
		return err
	}
	g.checkHost()
	var names []string
	if only != "" {
		names = strings.Split(only, ",")
	}
	for _, s := range scenarios() {
		if names != nil && !slices.Contains(names, s.name) {
			continue
		}
		start := time.Now()
		g.runScenario(s)
		fmt.Printf("crvm-guest: scenario %s took %.1fs\n", s.name, time.Since(start).Seconds())
	}
	return nil
}
