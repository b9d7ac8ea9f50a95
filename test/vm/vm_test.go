// Package vm boots a Debian 12 VM with a pure cgroup v2 hierarchy under
// qemu (TCG) and runs the real Code Racer server inside it in each way a
// person starts it: a root shell, a login session, the shipped systemd
// unit, a plain unit without Delegate=, a private cgroup namespace as
// containers make, and a real Podman container (runc). The guest program (./guest) does the checks; this test
// builds the binaries, boots the VM and turns the guest's results into
// subtests TestVM/<scenario>/<check>. See README.md.
package vm

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// allScenarios are the guest's scenario names, in its order.
var allScenarios = []string{"root-shell", "login-session", "shipped-unit", "plain-unit", "cgroupns", "podman"}

var scenariosFlag = flag.String("vm.scenarios", os.Getenv("CODERACER_VM_SCENARIOS"),
	"comma-separated scenarios to run (default: those -run selects, else all): "+strings.Join(allScenarios, ", "))

// result is one line of the guest's results.jsonl.
type result struct {
	Scenario string  `json:"scenario"`
	Check    string  `json:"check"`
	Pass     bool    `json:"pass"`
	Detail   string  `json:"detail"`
	Seconds  float64 `json:"seconds"`
	Log      string  `json:"log"`
}

func TestVM(t *testing.T) {
	requireHost(t)
	names := selectedScenarios(t)
	work, err := os.MkdirTemp("", "crvm-")
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if t.Failed() || os.Getenv("CODERACER_VM_KEEP") != "" {
			t.Logf("kept the run's files (share, serial console log) in %s", work)
			return
		}
		os.RemoveAll(work)
	}()
	share := filepath.Join(work, "share")
	prepareShare(t, share, names)
	image := vmImage(t)
	console := filepath.Join(work, "console.log")
	start := time.Now()
	bootErr := boot(share, image, console, vmTimeout(t))
	t.Logf("VM ran %.0fs (scenarios %v)", time.Since(start).Seconds(), names)
	results := readResults(t, share)
	report(t, results, names, share, console)
	t.Log(summary(results, names))
	if bootErr != nil {
		t.Errorf("qemu: %v\n%s", bootErr, tails(share, console))
	}
	if exit := strings.TrimSpace(readText(filepath.Join(share, "guest.exit"))); exit != "0" {
		t.Errorf("the guest program did not finish (exit %q)\n%s", exit, tails(share, console))
	}
}

// selectedScenarios reads -vm.scenarios, else the scenario part of -run
// (TestVM/<scenario>/...), else all.
func selectedScenarios(t *testing.T) []string {
	if *scenariosFlag != "" {
		names := strings.Split(*scenariosFlag, ",")
		for _, n := range names {
			if !slices.Contains(allScenarios, n) {
				t.Fatalf("unknown scenario %q: known are %v", n, allScenarios)
			}
		}
		return names
	}
	pattern := ""
	if f := flag.Lookup("test.run"); f != nil {
		pattern = f.Value.String()
	}
	parts := strings.Split(pattern, "/")
	if len(parts) < 2 || parts[1] == "" {
		return allScenarios
	}
	re, err := regexp.Compile(parts[1])
	if err != nil {
		t.Fatalf("-run %q: %v", pattern, err)
	}
	var names []string
	for _, n := range allScenarios {
		if re.MatchString(n) {
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		t.Fatalf("-run %q selects no scenario of %v", pattern, allScenarios)
	}
	return names
}

func readResults(t *testing.T, share string) []result {
	f, err := os.Open(filepath.Join(share, "results.jsonl"))
	if err != nil {
		t.Errorf("no results from the guest: %v", err)
		return nil
	}
	defer f.Close()
	var results []result
	s := bufio.NewScanner(f)
	s.Buffer(make([]byte, 1<<20), 1<<20)
	for s.Scan() {
		var r result
		if err := json.Unmarshal(s.Bytes(), &r); err != nil {
			t.Errorf("bad result line %q: %v", s.Text(), err)
			continue
		}
		results = append(results, r)
	}
	return results
}

// report makes a subtest of every scenario and check; a selected scenario
// without results fails.
func report(t *testing.T, results []result, names []string, share, console string) {
	for _, scenario := range append([]string{"vm"}, names...) {
		t.Run(scenario, func(t *testing.T) {
			var mine []result
			for _, r := range results {
				if r.Scenario == scenario {
					mine = append(mine, r)
				}
			}
			if len(mine) == 0 {
				t.Fatalf("no result: the guest never got to this scenario\n%s", tails(share, console))
			}
			for _, r := range mine {
				t.Run(r.Check, func(t *testing.T) {
					if !r.Pass {
						t.Errorf("%.1fs: %s\n%s", r.Seconds, r.Detail, serverLogTail(share, r.Log))
						return
					}
					t.Logf("%.1fs: %s", r.Seconds, r.Detail)
				})
			}
		})
	}
}

// summary is one line per scenario naming its failing checks.
func summary(results []result, names []string) string {
	var b strings.Builder
	b.WriteString("summary:")
	for _, scenario := range append([]string{"vm"}, names...) {
		var failing []string
		n := 0
		for _, r := range results {
			if r.Scenario != scenario {
				continue
			}
			n++
			if !r.Pass {
				failing = append(failing, r.Check)
			}
		}
		switch {
		case n == 0:
			fmt.Fprintf(&b, "\n  %-14s no result", scenario)
		case len(failing) == 0:
			fmt.Fprintf(&b, "\n  %-14s all %d checks pass", scenario, n)
		default:
			fmt.Fprintf(&b, "\n  %-14s failing %v of %d checks", scenario, failing, n)
		}
	}
	return b.String()
}
