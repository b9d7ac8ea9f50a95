package attack

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/coderacer/coderacer/test/testserver"
)

// infoPyPrelude: show(label, f) prints "label <result>" or
// "label <errno name>".
const infoPyPrelude = `import errno, os, sys
def show(label, f):
    try:
        r = f()
        print(label, r, flush=True)
    except OSError as e:
        print(label, errno.errorcode.get(e.errno, str(e.errno)), flush=True)
def read(path, n=1 << 20):
    with open(path, "rb") as f:
        return f.read(n)
`

func infoPython(body string) testserver.Request { return python(infoPyPrelude + body) }

// infoNoSecret fails if the server's secret (or its variable's name) is
// anywhere in the response.
func infoNoSecret(t *testing.T, r *testserver.Response) {
	t.Helper()
	for _, s := range []string{srv.Secret, testserver.SecretEnv, srv.Marker} {
		if strings.Contains(string(r.Raw), s) {
			t.Errorf("the server's secret %q is visible to user code: %s", s, r)
		}
	}
}

// TestInfoHostHidden: nothing of the host's environment, processes, paths,
// identity or kernel internals can be read from inside.
func TestInfoHostHidden(t *testing.T) {
	repo, err := testserver.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	forbidden := []string{srv.WorkDir, srv.Dir, srv.Root, repo, "/work", "/root", "/home", "/tmp/coderacer"}
	var forbiddenPy []string
	for _, f := range forbidden {
		forbiddenPy = append(forbiddenPy, strconv.Quote(f))
	}
	self := os.Getpid()
	var declaredPy []string
	for _, p := range infoRuntimePaths(t, repo) {
		declaredPy = append(declaredPy, strconv.Quote(p))
	}

	attacks := []attack{
		{
			// The program's environment is the engine's fixed one: the
			// names are listed, and nothing of the server's is among them.
			name:   "environment",
			req:    infoPython(`print("env", " ".join(sorted(os.environ)))`),
			status: "OK",
			stdout: lines("env HOME LANG LC_ALL MPLBACKEND MPLCONFIGDIR OPENBLAS_NUM_THREADS PATH PYTHONDONTWRITEBYTECODE PYTHONUNBUFFERED TMPDIR"),
			check:  infoNoSecret,
		},
		{
			// Every process's environ: the init is not even listed, the
			// others are the program's own (the fixed environment).
			name: "proc_environ",
			req: infoPython(`names = set()
for p in sorted(os.listdir("/proc"), key=lambda p: (len(p), p)):
    if not p.isdigit():
        continue
    try:
        names.update(v.split(b"=")[0].decode() for v in read("/proc/%s/environ" % p).split(b"\0") if v)
    except OSError as e:
        print("environ", "init" if p == "1" else "other", errno.errorcode[e.errno])
print("names", " ".join(sorted(names)))
show("self_environ_1", lambda: len(read("/proc/1/environ")))
`),
			status: "OK",
			stdout: lines("names HOME LANG LC_ALL MPLBACKEND MPLCONFIGDIR OPENBLAS_NUM_THREADS PATH PYTHONDONTWRITEBYTECODE PYTHONUNBUFFERED TMPDIR",
				"self_environ_1 ENOENT"),
			check: infoNoSecret,
		},
		{
			// Only the program's own processes: not even the sandbox's
			// init, which /proc hides from other users. The server's and this test's PIDs do not exist
			// in its pid namespace and cannot be signalled.
			name: "processes",
			req: infoPython(fmt.Sprintf(`cmds = []
for p in os.listdir("/proc"):
    if p.isdigit() and int(p) != os.getpid():
        try:
            cmds.append(read("/proc/%%s/cmdline" %% p).replace(b"\0", b" ").decode().strip())
        except OSError as e:
            cmds.append(errno.errorcode[e.errno])
print("others", sorted(cmds))
print("self", read("/proc/self/cmdline").replace(b"\0", b" ").decode().strip())
show("server_cmdline", lambda: read("/proc/%d/cmdline"))
show("server_kill0", lambda: os.kill(%d, 0))
show("test_cmdline", lambda: read("/proc/%d/cmdline"))
show("init_pid", lambda: os.getppid() == 1 or os.getppid())
`, srv.PID, srv.PID, self)),
			status: "OK",
			stdout: lines("others []", "self /usr/bin/python3 main.py",
				"server_cmdline ENOENT", "server_kill0 ESRCH", "test_cmdline ENOENT", "init_pid True"),
		},
		{
			// The sandbox's init: its root, working directory, file
			// descriptors, executable and memory are out of reach.
			name: "proc_1_handles",
			req: infoPython(`show("root_list", lambda: os.listdir("/proc/1/root"))
show("root_link", lambda: os.readlink("/proc/1/root"))
show("cwd_link", lambda: os.readlink("/proc/1/cwd"))
show("exe_link", lambda: os.readlink("/proc/1/exe"))
show("fd_list", lambda: os.listdir("/proc/1/fd"))
show("maps", lambda: len(read("/proc/1/maps")))
show("mem", lambda: len(read("/proc/1/mem", 16)))
show("self_root", lambda: os.readlink("/proc/self/root"))
`),
			status: "OK",
			stdout: lines("root_list ENOENT", "root_link ENOENT", "cwd_link ENOENT", "exe_link ENOENT", "fd_list ENOENT",
				"maps ENOENT", "mem ENOENT", "self_root /"),
		},
		{
			// No host path in the mount table, and every mount point is
			// one the sandbox declares.
			name: "mountinfo_host_paths",
			req: infoPython(fmt.Sprintf(`forbidden = [%s]
allowed = {"/", "/usr", "/lib", "/lib64", "/bin", "/w", "/tmp", "/proc", "/usr/local",
           "/dev/null", "/dev/zero", "/dev/random", "/dev/urandom", %s}
leaks, unexpected, n = [], [], 0
for l in read("/proc/self/mountinfo").decode().splitlines():
    f = l.split()
    root, point, source = f[3], f[4], f[f.index("-") + 2]
    n += 1
    for bad in forbidden:
        for v in (root, point, source):
            if v == bad or v.startswith(bad.rstrip("/") + "/"):
                leaks.append(l)
    # /.retired holds the mounts earlier wipes replaced (root's, 0700)
    if point not in allowed and not point.startswith(("/etc/", "/proc/", "/.retired/")) and point != "/.retired":
        unexpected.append(point)
print("mounts_read", n > 5)
print("host_paths", leaks)
print("unexpected_mount_points", unexpected)
`, strings.Join(forbiddenPy, ", "), strings.Join(declaredPy, ", "))),
			status: "OK",
			stdout: lines("mounts_read True", "host_paths []", "unexpected_mount_points []"),
		},
		{
			// No file or directory of the server (its marker, its
			// directories) anywhere the sandbox can walk.
			name: "host_files_absent",
			req: infoPython(fmt.Sprintf(`found = []
for top in ["/w", "/tmp", "/etc", "/dev", "/"]:
    for dirpath, dirs, files in os.walk(top):
        if top == "/":
            dirs[:] = [d for d in dirs if d not in ("proc", "usr", "lib", "lib64", "bin", "w", "tmp", "etc", "dev")]
        for n in dirs + files:
            if n in (%q, %q, %q) or n.startswith("server-attack-") or n.startswith("coderacer-attack-"):
                found.append(os.path.join(dirpath, n))
for p in [%q, %q, %q]:
    show("stat " + p.replace(%q, "<server>"), lambda: os.stat(p) and "EXISTS")
print("found", found)
`, testserver.MarkerFileName, filepath.Base(srv.Dir), filepath.Base(srv.Root),
				srv.MarkerPath, srv.WorkDir, srv.Bin, srv.Root)),
			status: "OK",
			stdout: lines(
				"stat <server>/"+strings.TrimPrefix(srv.MarkerPath, srv.Root+"/")+" ENOENT",
				"stat <server>/"+strings.TrimPrefix(srv.WorkDir, srv.Root+"/")+" ENOENT",
				"stat <server>/"+strings.TrimPrefix(srv.Bin, srv.Root+"/")+" ENOENT",
				"found []"),
		},
		{
			name: "hostname",
			req: infoPython(`import socket
show("etc_hostname", lambda: read("/etc/hostname"))
print("gethostname", socket.gethostname())
print("uname_nodename", os.uname().nodename)
print("proc_hostname", read("/proc/sys/kernel/hostname").decode().strip())
print("proc_domainname", read("/proc/sys/kernel/domainname").decode().strip())
`),
			status: "OK",
			stdout: lines("etc_hostname ENOENT", "gethostname coderacer", "uname_nodename coderacer",
				"proc_hostname coderacer", "proc_domainname coderacer"),
		},
		{
			// uid 1000 inside is the box's own unprivileged host uid
			// (srv.UIDBase + box index), without supplementary groups and
			// unable to call setgroups; checked exactly below. (The
			// container's init is uid 0 inside, mapped to the host's 0:
			// go-sandbox's design; no program runs as it.)
			name: "uid_gid_maps",
			req: infoPython(`for m in ["uid_map", "gid_map"]:
    for l in read("/proc/self/" + m).decode().splitlines():
        print(m, " ".join(l.split()))
print("ids", os.getuid(), os.geteuid(), os.getgid(), os.getegid(), os.getgroups())
print("setgroups", read("/proc/self/setgroups").decode().strip())
`),
			status: "OK",
			check: func(t *testing.T, r *testserver.Response) {
				var ok []string
				for _, uid := range []int{srv.UIDBase, srv.UIDBase + 1} {
					want := lines("uid_map 0 0 1", fmt.Sprintf("uid_map 1000 %d 1", uid),
						"gid_map 0 0 1", fmt.Sprintf("gid_map 1000 %d 1", uid),
						"ids 1000 1000 1000 1000 []", "setgroups deny")
					if r.Stdout == want {
						return
					}
					ok = append(ok, want)
				}
				t.Errorf("stdout %q, want one of %q", r.Stdout, ok)
			},
		},
		{
			// Kernel internals: masked (empty or absent) or unreadable.
			name: "proc_masked_entries",
			req: infoPython(`def probe(p):
    try:
        data = read(p, 4096)
        return "HIDDEN" if not data else "VISIBLE %d bytes" % len(data)
    except OSError as e:
        if e.errno in (errno.ENOENT, errno.EACCES, errno.EPERM):
            return "HIDDEN"
        return errno.errorcode[e.errno]
for p in ["kcore", "keys", "sched_debug", "timer_list", "latency_stats", "kmsg", "kallsyms_raw", "acpi", "kallsyms"]:
    path = "/proc/" + p
    if os.path.isdir(path):
        print(p, "HIDDEN" if not os.listdir(path) else "VISIBLE " + " ".join(os.listdir(path)))
    else:
        print(p, probe(path))
show("sys", lambda: os.listdir("/sys"))
`),
			status: "OK",
			stdout: lines("kcore HIDDEN", "keys HIDDEN", "sched_debug HIDDEN", "timer_list HIDDEN",
				"latency_stats HIDDEN", "kmsg HIDDEN", "kallsyms_raw HIDDEN", "acpi HIDDEN", "kallsyms HIDDEN", "sys ENOENT"),
		},
		{
			// The cgroup namespace must hide where the run's cgroup is on
			// the host: every hierarchy's path is the namespace's root.
			// Anything else names the server's PID (coderacer-<pid>) and
			// counts every user's runs (run-<n>).
			name: "cgroup_paths",
			req: infoPython(`paths = sorted(set(l.split(":", 2)[2] for l in read("/proc/self/cgroup").decode().splitlines()))
print("cgroup_paths", paths)
`),
			status: "OK",
			stdout: lines("cgroup_paths ['/']"),
			check: func(t *testing.T, r *testserver.Response) {
				if strings.Contains(r.Stdout, fmt.Sprintf("coderacer-%d", srv.PID)) {
					t.Errorf("/proc/self/cgroup reveals the server's host PID %d: %s", srv.PID, strings.TrimSpace(r.Stdout))
				}
			},
		},
	}
	runAttacks(t, attacks)
}

// infoRuntimePaths lists the host paths the runtimes declare (runtimes/*.json
// "paths"), which the sandbox binds read-only: legitimate mount points.
func infoRuntimePaths(t *testing.T, repo string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(repo, "runtimes", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no runtimes/*.json under %s: %v", repo, err)
	}
	var paths []string
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var rt struct {
			Paths []string `json:"paths"`
		}
		if err := json.Unmarshal(data, &rt); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		paths = append(paths, rt.Paths...)
	}
	return paths
}
