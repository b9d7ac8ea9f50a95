package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"
)

// startServer starts the server for the n-th time in scenario s and waits
// until it answers. It returns false when it did not (a refusal that the
// scenario allows is reported as a pass, and ends the scenario).
func (g *guest) startServer(s scenario, l launch, n int) (*running, bool) {
	name := fmt.Sprintf("%s-%d", s.name, n)
	r := &running{l: l, n: n, logFile: "logs/" + name + ".log"}
	check := "start"
	if n > 1 {
		check = "restart"
	}
	refused := false
	ok := g.check(s.name, check, r.logFile, func() (string, error) {
		start := time.Now()
		if err := r.l.start(n); err != nil {
			return "", err
		}
		pid, err := waitHealthy(r.l, n, 240*time.Second)
		if err != nil {
			line := firstError(r.l.serverLog(n))
			if s.mayRefuse && strings.Contains(line, "Delegate=yes") {
				refused = true
				return fmt.Sprintf("refused to start, which this scenario allows: %v; first error line: %s", err, line), nil
			}
			return "", fmt.Errorf("%v; the server's first error line: %s", err, line)
		}
		r.pid = pid
		detail := fmt.Sprintf("healthy after %.1fs, pid %d", time.Since(start).Seconds(), pid)
		missing, err := missingRuntimes("python3", "c", "bash")
		if err != nil {
			return detail, err
		}
		if len(missing) > 0 {
			return detail, fmt.Errorf("runtimes %v not available; the log says: %s", missing, unavailable(r.l.serverLog(n), missing[0]))
		}
		return detail, nil
	})
	if !ok || refused {
		g.leftovers(s, r, check+"-leftovers")
		return nil, false
	}
	g.placement(s, r, check+"-placement")
	return r, true
}

// waitHealthy waits for the server to answer its health check, or to end.
func waitHealthy(l launch, n int, timeout time.Duration) (int, error) {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if healthy() {
			pids := serverPids()
			if len(pids) != 1 {
				return 0, fmt.Errorf("healthy, but %d processes run %s serve: %v", len(pids), serverBin, pids)
			}
			return pids[0], nil
		}
		if gone, how := l.exited(n); gone {
			return 0, fmt.Errorf("the server ended without serving: %s", how)
		}
		time.Sleep(250 * time.Millisecond)
	}
	return 0, fmt.Errorf("no answer from /api/v1/health after %v", timeout)
}

var errorLine = regexp.MustCompile(`(?i)error|fail|coderacer:|refus|denied`)

// firstError is the first line of a server log that reads like an error,
// else its last line.
func firstError(log string) string {
	lines := strings.Split(strings.TrimSpace(log), "\n")
	for _, line := range lines {
		if errorLine.MatchString(line) {
			return line
		}
	}
	return lines[len(lines)-1]
}

// unavailable is the server's log line telling why language is missing.
func unavailable(log, language string) string {
	for _, line := range strings.Split(log, "\n") {
		if strings.Contains(line, "runtime unavailable") && strings.Contains(line, "language="+language+" ") {
			return line
		}
	}
	return "(no line about " + language + ")"
}

// placement records where the server put itself and checks that its
// launcher's processes stayed where they were.
func (g *guest) placement(s scenario, r *running, name string) {
	g.check(s.name, name, r.logFile, func() (string, error) {
		r.cgroup, r.dirs = cgroupOf(r.pid), coderacerDirs()
		watched := r.l.watched()
		detail := fmt.Sprintf("server in %s; coderacer cgroups %v; launcher: %s", r.cgroup, r.dirs, describe(watched))
		var problems []string
		if moved := unchanged(watched); len(moved) > 0 {
			problems = append(problems, "the server moved its launcher's processes: "+strings.Join(moved, "; "))
		}
		if now := cgroupOf(os.Getpid()); now != g.self {
			problems = append(problems, fmt.Sprintf("the server moved the test program, a bystander, from %s to %s", g.self, now))
		}
		base := s.serverUnder
		for _, cg := range watched {
			if base == "" && s.shellCgroup.MatchString(cg) {
				base = cg
			}
		}
		if s.shellCgroup != nil && !slices.ContainsFunc(mapValues(watched), s.shellCgroup.MatchString) {
			problems = append(problems, fmt.Sprintf("no launcher process in a cgroup like %s: the scenario is not what it claims", s.shellCgroup))
		}
		runsUnder := s.runsUnder
		if c, ok := r.l.(interface{ containerCgroup(n int) string }); ok {
			base, runsUnder = c.containerCgroup(r.n), c.containerCgroup(r.n)
			detail += "; the container's cgroup " + base
			if leaf := base + "/coderacer-server"; r.cgroup != leaf {
				problems = append(problems, fmt.Sprintf("the server is in %s, not in the leaf %s", r.cgroup, leaf))
			}
		}
		if !underPath(r.cgroup, base) {
			problems = append(problems, fmt.Sprintf("the server is in %s, outside %s where it was started", r.cgroup, base))
		}
		if runsUnder != "" && !runsPlacedUnder(r.dirs, runsUnder) {
			problems = append(problems, fmt.Sprintf("the runs' subtree is not a child of %s", runsUnder))
		}
		if s.nsView != "" {
			view := strings.TrimSpace(readFile(filepath.Join(workDir, s.name, "ns-view")))
			detail += fmt.Sprintf("; before it started, the server's namespace showed its cgroup as %q", view)
			if view != s.nsView {
				problems = append(problems, fmt.Sprintf("the container's cgroup namespace showed %q, not %q", view, s.nsView))
			}
		}
		if len(problems) > 0 {
			return detail, errors.New(strings.Join(problems, "; "))
		}
		return detail, nil
	})
}

// runsPlacedUnder tells whether one of dirs is parent/coderacer-<pid>.
func runsPlacedUnder(dirs []string, parent string) bool {
	return slices.ContainsFunc(dirs, func(d string) bool {
		pid, ok := strings.CutPrefix(d, strings.TrimSuffix(parent, "/")+"/coderacer-")
		return ok && pid != "" && strings.Trim(pid, "0123456789") == ""
	})
}

func mapValues(m map[int]string) []string {
	var v []string
	for _, s := range m {
		v = append(v, s)
	}
	return v
}

// shutdown stops the server with SIGTERM and checks that it exited cleanly
// and left no cgroup behind and its launcher's processes where they were.
func (g *guest) shutdown(s scenario, r *running, name string) bool {
	return g.check(s.name, name, r.logFile, func() (string, error) {
		how, clean, err := r.l.stop(r.n, r.pid)
		g.saveLog(r)
		if err != nil {
			return "", err
		}
		var problems []string
		if !clean {
			problems = append(problems, "not a clean exit: "+how)
		}
		return how, g.afterExit(r, problems)
	})
}

// leftovers checks what a server that did not start left behind.
func (g *guest) leftovers(s scenario, r *running, name string) {
	g.check(s.name, name, r.logFile, func() (string, error) {
		r.l.abort(r.n)
		g.saveLog(r)
		return "no coderacer cgroup left, the launcher's processes where they were", g.afterExit(r, nil)
	})
}

// afterExit adds to problems what a server that ended left behind.
func (g *guest) afterExit(r *running, problems []string) error {
	if left := coderacerDirs(); len(left) > 0 {
		problems = append(problems, fmt.Sprintf("cgroups left behind: %v", left))
	}
	if moved := unchanged(r.l.watched()); len(moved) > 0 {
		problems = append(problems, "the launcher's processes were moved: "+strings.Join(moved, "; "))
	}
	if now := cgroupOf(os.Getpid()); now != g.self {
		problems = append(problems, fmt.Sprintf("the test program, a bystander, was moved from %s to %s", g.self, now))
	}
	if pids := binaryPids(); len(pids) > 0 {
		problems = append(problems, fmt.Sprintf("processes of %s still running: %v", serverBin, pids))
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}

// exercise runs the programs of every scenario through the server.
func (g *guest) exercise(s scenario, r *running) {
	g.check(s.name, "hello", r.logFile, g.hello)
	g.check(s.name, "c", r.logFile, cProgram)
	g.check(s.name, "mle", r.logFile, func() (string, error) { return survives(r, mle) })
	g.check(s.name, "forkbomb", r.logFile, func() (string, error) { return survives(r, forkBomb) })
	g.check(s.name, "cpu-limit", r.logFile, cpuLimit)
	g.check(s.name, "concurrent", r.logFile, concurrent)
}

// survives runs f, then checks that the same server still serves.
func survives(r *running, f func() (string, error)) (string, error) {
	detail, err := f()
	if err != nil {
		return detail, err
	}
	// systemd answers an OOM kill in a unit (OOMPolicy=stop) within
	// milliseconds: give it the time to, before looking.
	time.Sleep(2 * time.Second)
	if !slices.Contains(serverPids(), r.pid) {
		return detail, fmt.Errorf("the server (pid %d) is gone afterwards; server processes now %v", r.pid, serverPids())
	}
	if !healthy() {
		return detail, errors.New("the server does not answer its health check afterwards")
	}
	if _, err := (&guest{}).hello(); err != nil {
		return detail, fmt.Errorf("hello world afterwards: %w", err)
	}
	return detail + "; the server still serves", nil
}
