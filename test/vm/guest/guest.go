package main

import (
	_ "embed"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"
)

//go:embed shell.sh
var shellText string

//go:embed container-init.sh
var containerText string

type guest struct {
	rep      *reporter
	share    string
	unitFile string
	// self is this program's cgroup (crvm-run.service): a bystander
	// that no server may move either.
	self string
}

// running is a server that answered its health check.
type running struct {
	l       launch
	n       int // which start of the scenario: 1, then 2 (the restart)
	pid     int
	cgroup  string   // the server's own cgroup
	dirs    []string // coderacer* cgroup directories while it runs
	logFile string   // the server log on the share, relative to it
}

// check runs one check and reports it; f returns a detail and an error.
func (g *guest) check(scenario, name, logFile string, f func() (string, error)) bool {
	start := time.Now()
	detail, err := f()
	res := result{Scenario: scenario, Check: name, Pass: err == nil, Detail: detail, Seconds: time.Since(start).Seconds()}
	if err != nil {
		res.Detail = err.Error()
		if detail != "" {
			res.Detail += " (" + detail + ")"
		}
		res.Log = logFile
	}
	g.rep.report(res)
	return err == nil
}

// checkHost tells whether the VM is what the test claims: cgroup v2 alone.
func (g *guest) checkHost() {
	g.check("vm", "pure-cgroup-v2", "", func() (string, error) {
		var st syscall.Statfs_t
		if err := syscall.Statfs(cgroupRoot, &st); err != nil {
			return "", fmt.Errorf("statfs %s: %w", cgroupRoot, err)
		}
		const cgroup2Magic = 0x63677270
		mounts, _ := os.ReadFile("/proc/mounts")
		var cgroupMounts []string
		for _, line := range strings.Split(string(mounts), "\n") {
			if f := strings.Fields(line); len(f) > 2 && strings.HasPrefix(f[2], "cgroup") {
				cgroupMounts = append(cgroupMounts, f[1]+" "+f[2])
			}
		}
		ctl := strings.TrimSpace(readFile(cgroupRoot + "/cgroup.controllers"))
		var uts syscall.Utsname
		_ = syscall.Uname(&uts)
		detail := fmt.Sprintf("kernel %s, cgroup mounts %v, root controllers %q", utsString(uts.Release[:]), cgroupMounts, ctl)
		if st.Type != cgroup2Magic || len(cgroupMounts) != 1 || cgroupMounts[0] != cgroupRoot+" cgroup2" {
			return detail, fmt.Errorf("%s is not the only cgroup mount, or not cgroup2", cgroupRoot)
		}
		return detail, nil
	})
}

func utsString(b []int8) string {
	var s []byte
	for _, c := range b {
		if c == 0 {
			break
		}
		s = append(s, byte(c))
	}
	return string(s)
}

// runScenario starts the server twice in one way and checks it each time.
func (g *guest) runScenario(s scenario) {
	l := s.newLaunch(g, filepath.Join(workDir, s.name))
	defer g.cleanup()
	defer l.finish()
	if s.prepare != nil && !s.prepare(g, s, filepath.Join(workDir, s.name)) {
		return
	}
	first, ok := g.startServer(s, l, 1)
	if !ok {
		return
	}
	g.exercise(s, first)
	if s.extra != nil {
		s.extra(g, s, first)
	}
	// A shutdown that left something behind is no reason not to restart:
	// the restart shows whether the leftovers make it nest deeper.
	g.shutdown(s, first, "shutdown")
	if pids := serverPids(); len(pids) > 0 {
		fmt.Printf("crvm-guest: %s: no restart, the server still runs: %v\n", s.name, pids)
		return
	}
	second, ok := g.startServer(s, l, 2)
	if !ok {
		return
	}
	g.check(s.name, "restart-same-cgroups", second.logFile, func() (string, error) {
		a, b := normalize(append([]string{first.cgroup}, first.dirs...), first.pid),
			normalize(append([]string{second.cgroup}, second.dirs...), second.pid)
		detail := fmt.Sprintf("first start %v, second %v", a, b)
		if !slices.Equal(a, b) {
			return detail, fmt.Errorf("the second start's cgroups differ from the first's")
		}
		return detail, nil
	})
	g.check(s.name, "restart-hello", second.logFile, g.hello)
	g.shutdown(s, second, "restart-shutdown")
}

// saveLog copies the server's log to the share.
func (g *guest) saveLog(r *running) {
	path := filepath.Join(g.share, r.logFile)
	if err := os.WriteFile(path, []byte(r.l.serverLog(r.n)), 0o644); err != nil {
		fmt.Printf("crvm-guest: save log: %v\n", err)
	}
}

// cleanup ends whatever a scenario left running, so that the next one
// starts on a clean VM.
func (g *guest) cleanup() {
	for _, u := range []string{shippedUnit, plainUnit} {
		_, _ = systemctl("stop", u)
		_, _ = systemctl("reset-failed", u)
	}
	for _, pid := range binaryPids() {
		fmt.Printf("crvm-guest: cleanup: killing server %d\n", pid)
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
	time.Sleep(time.Second)
	removeCoderacerDirs()
}
