package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
)

// scenario is one way of starting the server.
type scenario struct {
	name string
	// newLaunch prepares the scenario's launcher; dir holds its files.
	newLaunch func(g *guest, dir string) launch
	// shellCgroup, when set, is what the cgroup of the launching shell
	// must look like: it tells that the scenario is the one it claims.
	shellCgroup *regexp.Regexp
	// serverUnder is the cgroup the server must stay within; empty means
	// the launching shell's.
	serverUnder string
	// runsUnder is the cgroup that must hold the runs' subtree
	// coderacer-<pid> as its direct child (README, "Where it runs").
	runsUnder string
	// nsView is what the server's cgroup namespace must show before it
	// starts (the container scenario).
	nsView string
	// prepare runs before the first start; false ends the scenario.
	prepare func(g *guest, s scenario, dir string) bool
	// extra are checks of the running server particular to the scenario.
	extra func(g *guest, s scenario, r *running)
	// mayRefuse: refusing to start with an error naming Delegate=yes is
	// an accepted outcome.
	mayRefuse bool
}

const (
	serverBin        = "/usr/local/bin/coderacer"
	initBin          = "/usr/local/bin/coderacer-init"
	shellScript      = "/usr/local/sbin/crvm-shell"
	containerScript  = "/usr/local/sbin/crvm-container-init"
	workDir          = "/run/crvm"
	shippedUnit      = "coderacer.service"
	plainUnit        = "crvm-plain.service"
	rootShellScope   = "crvm-root-shell"
	containerScope   = "crvm-container"
	plainUnitContent = "[Service]\nExecStart=/usr/local/bin/coderacer serve\n"
)

func scenarios() []scenario {
	return []scenario{
		{
			// A root shell outside any login session: a transient scope
			// of system.slice without delegation, the shell beside the
			// server, as `systemd-run --scope bash` or a rescue shell.
			name: "root-shell",
			newLaunch: func(g *guest, dir string) launch {
				return newShellLaunch(dir, rootShellScope+".scope", "systemd-run", "--scope", "--quiet",
					"--unit="+rootShellScope, "--", shellScript, dir)
			},
			shellCgroup: regexp.MustCompile(`^/system\.slice/` + rootShellScope + `\.scope$`),
			runsUnder:   "/",
		},
		{
			// A login session through PAM (pam_systemd): su -l gives
			// root a session-N.scope under user.slice, like a console
			// or ssh login.
			name: "login-session",
			newLaunch: func(g *guest, dir string) launch {
				return newShellLaunch(dir, "", "su", "-l", "root", "-c", shellScript+" "+dir)
			},
			shellCgroup: regexp.MustCompile(`^/user\.slice/user-0\.slice/session-[a-z]*[0-9]+\.scope$`),
			runsUnder:   "/",
		},
		{
			name: "shipped-unit",
			newLaunch: func(g *guest, dir string) launch {
				return &unitLaunch{dir: dir, unit: shippedUnit, source: g.unitFile}
			},
			serverUnder: "/system.slice/" + shippedUnit,
			runsUnder:   "/system.slice/" + shippedUnit,
		},
		{
			name: "plain-unit",
			newLaunch: func(g *guest, dir string) launch {
				return &unitLaunch{dir: dir, unit: plainUnit, content: plainUnitContent}
			},
			serverUnder: "/system.slice/" + plainUnit,
			mayRefuse:   true,
		},
		{
			// A private cgroup namespace as Docker and Podman make on
			// v2: the server alone in a delegated cgroup that it sees as
			// "/", PID 1 of its own PID namespace.
			name: "cgroupns",
			newLaunch: func(g *guest, dir string) launch {
				return newShellLaunch(dir, containerScope+".scope", "systemd-run", "--scope", "--quiet",
					"-p", "Delegate=yes", "--unit="+containerScope, "--", shellScript, dir, "container")
			},
			shellCgroup: regexp.MustCompile(`^/system\.slice/` + containerScope + `\.scope/runtime$`),
			serverUnder: "/system.slice/" + containerScope + ".scope/container",
			runsUnder:   "/system.slice/" + containerScope + ".scope/container",
			nsView:      "0::/",
		},
		{
			// A real container: Podman with runc and README's
			// privileges. Where it runs is the container's cgroup,
			// which Podman names after the container's id.
			name:      "podman",
			newLaunch: func(g *guest, dir string) launch { return &podmanLaunch{dir: dir} },
			prepare:   preparePodman,
			extra: func(g *guest, s scenario, r *running) {
				g.check(s.name, "engine-setup", r.logFile, engineSetup)
				g.check(s.name, "exec", r.logFile, func() (string, error) { return podmanExec(podmanContainer) })
			},
		},
	}
}

// preparePodman makes the image and checks that the server refuses a
// container whose /proc is masked.
func preparePodman(g *guest, s scenario, dir string) bool {
	if !g.check(s.name, "image", "", buildPodmanImage) {
		return false
	}
	g.check(s.name, "masked-proc", "", func() (string, error) {
		detail, err := maskedStart()
		if err == nil {
			if left := coderacerDirs(); len(left) > 0 {
				err = fmt.Errorf("cgroups left behind: %v", left)
			}
		}
		return detail, err
	})
	g.check(s.name, "readonly-cgroup", "", readonlyCgroup)
	return true
}

// setup installs the scripts the scenarios run.
func (g *guest) setup() error {
	if err := os.MkdirAll(workDir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", workDir, err)
	}
	if err := os.MkdirAll(filepath.Join(g.share, "logs"), 0o755); err != nil {
		return fmt.Errorf("create logs: %w", err)
	}
	for path, text := range map[string]string{shellScript: shellText, containerScript: containerText} {
		if err := os.WriteFile(path, []byte(text), 0o755); err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
	}
	return nil
}

// systemctl runs systemctl with args and returns its output.
func systemctl(args ...string) (string, error) {
	out, err := exec.Command("systemctl", args...).CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("systemctl %v: %w: %s", args, err, out)
	}
	return string(out), nil
}
