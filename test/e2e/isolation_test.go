package e2e

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/coderacer/coderacer/test/testserver"
)

// hostLoopbackPorts lists TCP ports listening on 127.0.0.1 or 0.0.0.0 on the
// host (at most max of them).
func hostLoopbackPorts(max int) []int {
	seen := map[int]bool{}
	var ports []int
	for _, file := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		f, err := os.Open(file)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(f)
		sc.Scan() // header
		for sc.Scan() {
			fields := strings.Fields(sc.Text())
			if len(fields) < 4 || fields[3] != "0A" { // LISTEN
				continue
			}
			addr, portHex, ok := strings.Cut(fields[1], ":")
			if !ok {
				continue
			}
			loopback := addr == "0100007F" || strings.Trim(addr, "0") == "" ||
				addr == "00000000000000000000000001000000" // ::1
			port, err := strconv.ParseInt(portHex, 16, 32)
			if !loopback || err != nil || seen[int(port)] {
				continue
			}
			seen[int(port)] = true
			ports = append(ports, int(port))
		}
		f.Close()
	}
	sort.Ints(ports)
	if len(ports) > max {
		ports = ports[:max]
	}
	return ports
}

// TestNetworkIsolation: user code cannot connect to the server's own port,
// to a listener this test opens on the host's loopback, to the host's other
// loopback services, or to an abstract Unix socket of the host.
func TestNetworkIsolation(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var accepted atomic.Int32
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			c.Close()
		}
	}()
	abstractName := "coderacer-e2e-" + randomHex(8)
	ul, err := net.Listen("unix", "@"+abstractName)
	if err != nil {
		t.Fatal(err)
	}
	defer ul.Close()
	go func() {
		for {
			c, err := ul.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			c.Close()
		}
	}()

	ports := []int{srv.Port, l.Addr().(*net.TCPAddr).Port}
	for _, p := range hostLoopbackPorts(20) {
		if p != ports[0] && p != ports[1] {
			ports = append(ports, p)
		}
	}
	var portList []string
	for _, p := range ports {
		portList = append(portList, strconv.Itoa(p))
	}
	src := fmt.Sprintf(`import json, socket
res = {}
for host in ["127.0.0.1", "localhost", "::1"]:
    for port in [%s]:
        key = "%%s:%%d" %% (host, port)
        try:
            fam = socket.AF_INET6 if ":" in host else socket.AF_INET
            s = socket.socket(fam, socket.SOCK_STREAM)
            s.settimeout(0.3)
            s.connect((host, port))
            res[key] = "CONNECTED"
            s.close()
        except Exception as e:
            res[key] = "BLOCKED " + type(e).__name__
try:
    u = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    u.settimeout(0.3)
    u.connect("\0%s")
    res["abstract"] = "CONNECTED"
except Exception as e:
    res["abstract"] = "BLOCKED " + type(e).__name__
print(json.dumps(res))
`, strings.Join(portList, ", "), abstractName)
	req := python(src)
	req.Limits = &Limits{WallTimeMs: 20000}
	r := mustExecute(t, req)
	expectStatus(t, r, "OK")
	var res map[string]string
	jsonOutput(t, r, &res)
	if len(res) != 3*len(ports)+1 {
		t.Fatalf("want %d connection results, got %d: %v", 3*len(ports)+1, len(res), res)
	}
	for key, v := range res {
		if !strings.HasPrefix(v, "BLOCKED") {
			t.Errorf("user code connected to the host's %s: %s", key, v)
		}
	}
	if n := accepted.Load(); n > 0 {
		t.Errorf("the test's host listeners accepted %d connections from user code", n)
	}
	t.Logf("tried ports %v: %v", ports, res)
}

// TestFilesystemIsolation: the server's working directory (with its marker
// file), its binary, the repository, the host's /root and /home are not
// visible; neither are the host's processes.
func TestFilesystemIsolation(t *testing.T) {
	paths := []string{srv.MarkerPath, srv.WorkDir, binPath, filepath.Dir(binPath), tmpRoot, repoRoot,
		filepath.Join(repoRoot, "go.mod"), "/root", "/home"}
	var quoted []string
	for _, p := range paths {
		quoted = append(quoted, strconv.Quote(p))
	}
	src := fmt.Sprintf(`import json, os
res = {}
for p in [%s]:
    try:
        if os.path.isdir(p):
            res[p] = "DIR " + " ".join(sorted(os.listdir(p)))
        elif os.path.exists(p):
            with open(p, errors="replace") as f:
                res[p] = "FILE " + f.read(300)
        else:
            res[p] = "ABSENT"
    except Exception as e:
        res[p] = "ERR " + type(e).__name__
cmdlines = []
for pid in os.listdir("/proc"):
    if pid.isdigit():
        try:
            with open("/proc/%%s/cmdline" %% pid, "rb") as f:
                cmdlines.append(f.read().replace(b"\0", b" ").decode(errors="replace"))
        except Exception:
            pass
print(json.dumps({"paths": res, "root": sorted(os.listdir("/")), "cmdlines": cmdlines}))
`, strings.Join(quoted, ", "))
	r := mustExecute(t, python(src))
	expectStatus(t, r, "OK")
	if strings.Contains(r.Stdout, srv.Marker) {
		t.Fatalf("the marker file's content is visible to user code: %s", r)
	}
	var out struct {
		Paths    map[string]string `json:"paths"`
		Root     []string          `json:"root"`
		Cmdlines []string          `json:"cmdlines"`
	}
	jsonOutput(t, r, &out)
	if len(out.Paths) != len(paths) || len(out.Root) == 0 || len(out.Cmdlines) == 0 {
		t.Fatalf("incomplete answer from the program: %s", r)
	}
	hidden := func(v string) bool { return v == "ABSENT" || strings.HasPrefix(v, "ERR") }
	for _, p := range []string{srv.MarkerPath, srv.WorkDir, binPath, filepath.Dir(binPath), tmpRoot, repoRoot, filepath.Join(repoRoot, "go.mod")} {
		if v := out.Paths[p]; !hidden(v) {
			t.Errorf("host path %s is visible to user code: %s", p, shorten(v, 300))
		}
	}
	// /root and /home may exist inside the sandbox, but must not hold the
	// host's entries.
	for _, dir := range []string{"/root", "/home"} {
		v := out.Paths[dir]
		if !strings.HasPrefix(v, "DIR ") {
			continue
		}
		inside := map[string]bool{}
		for _, name := range strings.Fields(strings.TrimPrefix(v, "DIR ")) {
			inside[name] = true
		}
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			if inside[e.Name()] {
				t.Errorf("the host's %s/%s is visible to user code (%s)", dir, e.Name(), shorten(v, 300))
			}
		}
	}
	// The repository's top directory (e.g. /work) is no system directory.
	top := strings.Split(strings.TrimPrefix(repoRoot, "/"), "/")[0]
	system := map[string]bool{"usr": true, "bin": true, "lib": true, "lib64": true, "lib32": true, "libx32": true,
		"etc": true, "tmp": true, "var": true, "opt": true, "proc": true, "dev": true, "sys": true, "sbin": true,
		"run": true, "w": true, "root": true, "home": true, "srv": true, "mnt": true, "media": true}
	if !system[top] {
		for _, name := range out.Root {
			if name == top {
				t.Errorf("the host's /%s (where the repository is) is visible in the sandbox's /: %v", top, out.Root)
			}
		}
	}
	for _, c := range out.Cmdlines {
		if strings.Contains(c, binPath) || strings.Contains(c, "serve --port") || strings.Contains(c, "go test") ||
			strings.Contains(c, "e2e.test") {
			t.Errorf("a host process is visible in the sandbox's /proc: %q", c)
		}
	}
	t.Logf("sandbox / = %v; %d processes visible", out.Root, len(out.Cmdlines))
}

// TestEnvironmentIsolation: the server's environment (with its secret) is
// not in the program's environment nor readable through /proc.
func TestEnvironmentIsolation(t *testing.T) {
	r := mustExecute(t, bash(`env
echo ---
for f in /proc/[0-9]*/environ /proc/[0-9]*/cmdline; do
    tr '\0' '\n' < "$f" 2>/dev/null
done
echo ---
echo "HOME=$HOME"
`))
	expectStatus(t, r, "OK")
	if !strings.Contains(r.Stdout, "PATH=") {
		t.Fatalf("env printed no PATH: %s", r)
	}
	for _, s := range []string{srv.Secret, testserver.SecretEnv, "CODERACER_"} {
		if strings.Contains(r.Stdout, s) || strings.Contains(r.Stderr, s) {
			t.Errorf("the server's environment leaks into user code: %q found in %s", s, r)
		}
	}
}

// TestUnprivileged: programs run as a non-root user and cannot write the
// system directories.
func TestUnprivileged(t *testing.T) {
	r := mustExecute(t, bash(`echo "uid=$(id -u) gid=$(id -g) euid=$(id -u)"
for d in /usr /etc /bin /lib /; do
    if touch "$d/e2e-probe" 2>/dev/null; then echo "WROTE $d"; else echo "DENIED $d"; fi
done
if echo x > /etc/passwd 2>/dev/null; then echo "WROTE /etc/passwd"; fi
grep -h CapEff /proc/self/status
`))
	expectStatus(t, r, "OK")
	if !strings.Contains(r.Stdout, "uid=") {
		t.Fatalf("no uid printed: %s", r)
	}
	if strings.Contains(r.Stdout, "uid=0 ") || strings.Contains(r.Stdout, "gid=0 ") {
		t.Errorf("the program runs as root: %s", r)
	}
	if strings.Contains(r.Stdout, "WROTE") {
		t.Errorf("the program could write system directories: %s", r)
	}
	if n := strings.Count(r.Stdout, "DENIED"); n != 5 {
		t.Errorf("want 5 DENIED lines, got %d: %s", n, r)
	}
	if !strings.Contains(r.Stdout, "CapEff:\t0000000000000000") {
		t.Errorf("the program has capabilities: %s", r)
	}
	for _, p := range []string{"/usr/e2e-probe", "/etc/e2e-probe", "/bin/e2e-probe", "/lib/e2e-probe", "/e2e-probe"} {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("%s exists on the host", p)
		}
	}
}

// TestNoStateBetweenRuns: files one run writes to /w, /tmp and /dev/shm are
// gone in the next runs (checked four times: the server has two sandboxes),
// and /w holds only the request's files.
func TestNoStateBetweenRuns(t *testing.T) {
	name := "e2e-leak-" + randomHex(6)
	w := mustExecute(t, bash(`for d in /w /tmp /dev/shm /var/tmp; do
    if echo leak > "$d/`+name+`" 2>/dev/null && [ "$(cat "$d/`+name+`")" = leak ]; then echo "wrote $d"; fi
done
`))
	expectStatus(t, w, "OK")
	if !strings.Contains(w.Stdout, "wrote /w\n") || !strings.Contains(w.Stdout, "wrote /tmp\n") {
		t.Fatalf("the writer could not write /w and /tmp, which must be writable: %s", w)
	}
	for i := 0; i < 4; i++ {
		r := mustExecute(t, bash(`for d in /w /tmp /dev/shm /var/tmp; do
    [ -e "$d/`+name+`" ] && echo "FOUND $d/`+name+`"
done
echo "w: $(ls -A /w)"
echo "pwd: $(pwd)"
`))
		expectStatus(t, r, "OK")
		if strings.Contains(r.Stdout, "FOUND") {
			t.Errorf("check %d: a file of an earlier run is still there: %s", i+1, r)
		}
		if !strings.Contains(r.Stdout, "w: main.sh\n") {
			t.Errorf("check %d: /w should hold exactly the request's main.sh: %s", i+1, r)
		}
		if !strings.Contains(r.Stdout, "pwd: /w\n") {
			t.Errorf("check %d: the work directory is not /w: %s", i+1, r)
		}
	}
}

// TestMultipleFiles: every file of the request is written, sub-directories
// included, byte for byte.
func TestMultipleFiles(t *testing.T) {
	data := strings.Repeat("0123456789abcdef", 1<<16) // 1 MiB
	req := Request{
		Language:   "python3",
		Entrypoint: "main.py",
		Files: []File{
			{Name: "main.py", Content: "import helper\nfrom pkg import mod\nprint(helper.greet(), mod.VALUE, len(open('data.txt').read()))\n"},
			{Name: "helper.py", Content: "def greet():\n    return 'hi'\n"},
			{Name: "pkg/__init__.py", Content: ""},
			{Name: "pkg/mod.py", Content: "VALUE = 42\n"},
			{Name: "data.txt", Content: data},
		},
	}
	r := mustExecute(t, req)
	expectStatus(t, r, "OK")
	if want := fmt.Sprintf("hi 42 %d\n", len(data)); r.Stdout != want {
		t.Errorf("stdout = %q, want %q", r.Stdout, want)
	}
}
