package attack

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/coderacer/coderacer/test/testserver"
)

// Files: hostile programs against the file system. Each prints what the
// kernel answered (an errno name, or a word when the answer may
// legitimately be one of several errnos) and the test asserts the exact
// output; host-side checks make sure nothing changed outside.
//
// Attacks that try to poison the next run of the same sandbox (links,
// locked directories, full tmpfs) print "box=<host uid>" on stderr: each
// sandbox of the pool runs as its own host uid (see /proc/self/uid_map), so
// the follow-up runs are repeated until one lands in the attacked sandbox.

// filesPyErrno is prepended to Python attacks: en(f, *args) calls f and
// answers "OK" or the errno's name; denied(...) folds the errnos that mean
// "refused" into one word.
const filesPyErrno = `import errno, os, sys

def en(f, *args):
    try:
        f(*args)
        return "OK"
    except OSError as e:
        return errno.errorcode.get(e.errno, str(e.errno))

# A write to a read-only bind may be refused by the read-only mount (EROFS)
# or first by the mode bits for uid 1000 (EACCES) or the owner check
# (EPERM): which check the kernel makes first differs between system calls
# and kernels, and every one of them is the safe outcome.
def denied(f, *args):
    r = en(f, *args)
    return "denied" if r in ("EROFS", "EACCES", "EPERM") else r

def box():
    for line in open("/proc/self/uid_map"):
        f = line.split()
        if f[0] == "1000":
            print("box=" + f[1], file=sys.stderr)

`

// filesBashBox prints the sandbox's host uid on stderr, in bash.
const filesBashBox = `while read -r inside outside count; do [ "$inside" = 1000 ] && echo "box=$outside" >&2; done </proc/self/uid_map
`

var filesBoxRE = regexp.MustCompile(`(?m)^box=(\d+)$`)

// filesBoxOf returns the sandbox (its host uid) a response's program ran
// in, as it printed on stderr.
func filesBoxOf(t *testing.T, r *testserver.Response) string {
	t.Helper()
	m := filesBoxRE.FindStringSubmatch(r.Stderr)
	if m == nil {
		t.Fatalf("the program did not report its sandbox (box=<uid> on stderr): %s", r)
	}
	return m[1]
}

// filesInBox runs req (which must print its box), two at a time (see
// executePair), until one runs in box, and returns that one.
func filesInBox(t *testing.T, box string, req testserver.Request) *testserver.Response {
	t.Helper()
	// The box is busy until it is wiped, which a deep tree makes slow:
	// wait for it as long as the server would before replacing it.
	var seen []string
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		for _, r := range executePair(t, req) {
			got := filesBoxOf(t, r)
			if got == box {
				return r
			}
			seen = append(seen, got)
		}
	}
	t.Fatalf("%d follow-up runs in 15 s never landed in sandbox %s (got %v)", len(seen), box, seen)
	return nil
}

// filesCleanFollowUp returns a check that, after an attack which tried to
// leave something in its sandbox, runs a bash program in the same sandbox
// and requires /w to hold exactly its own main.sh (a regular file, not a
// link) and /tmp to be empty.
func filesCleanFollowUp() func(t *testing.T, r *testserver.Response) {
	return func(t *testing.T, r *testserver.Response) {
		t.Helper()
		box := filesBoxOf(t, r)
		f := filesInBox(t, box, bash(filesBashBox+`echo "w: $(ls -A /w)"
echo "tmp: $(ls -A /tmp)"
[ -f /w/main.sh ] && [ ! -L /w/main.sh ] && echo "main.sh is a regular file"
`))
		want := lines("w: main.sh", "tmp: ", "main.sh is a regular file")
		if f.Status != "OK" || f.Stdout != want {
			t.Errorf("the next run in sandbox %s is not clean: want OK and stdout %q, got %s", box, want, f)
		}
	}
}

// filesNoMarker fails if the host's marker or secret shows in a response.
func filesNoMarker(t *testing.T, r *testserver.Response) {
	t.Helper()
	for _, s := range []string{srv.Marker, srv.Secret} {
		if strings.Contains(r.Stdout, s) || strings.Contains(r.Stderr, s) {
			t.Errorf("host secret %q visible to user code: %s", s, r)
		}
	}
}

// filesHostTopDirs is a Python list of top-level directories of the host
// that must not exist in the sandbox: homes, boot, sys, run, the
// repository's and the server's top directories (unless a system one).
func filesHostTopDirs() string {
	dirs := []string{"root", "home", "boot", "sys", "run", "mnt", "media", "srv", "snap"}
	system := map[string]bool{"usr": true, "bin": true, "lib": true, "lib64": true, "etc": true, "tmp": true,
		"var": true, "opt": true, "proc": true, "dev": true, "w": true, "sbin": true}
	for _, p := range []string{srv.Dir, srv.Bin} {
		if top := strings.Split(strings.TrimPrefix(p, "/"), "/")[0]; !system[top] {
			dirs = append(dirs, top)
		}
	}
	if root, err := testserver.RepoRoot(); err == nil {
		if top := strings.Split(strings.TrimPrefix(root, "/"), "/")[0]; !system[top] {
			dirs = append(dirs, top)
		}
	}
	quoted := make([]string, len(dirs))
	for i, d := range dirs {
		quoted[i] = fmt.Sprintf("%q", d)
	}
	return "[" + strings.Join(quoted, ", ") + "]"
}

// TestFilesHostFiles: the host's files, the server's directory, marker
// and binary cannot be read, whether by name, through the container's
// init (/proc/1/root, /proc/1/cwd) or by climbing out of the root.
func TestFilesHostFiles(t *testing.T) {
	markerRel := strings.TrimPrefix(srv.MarkerPath, "/")
	probes := [][2]string{
		{"etc_shadow", "/etc/shadow"},
		{"etc_passwd", "/etc/passwd"},
		{"server_marker", srv.MarkerPath},
		{"server_workdir", srv.WorkDir},
		{"server_dir", srv.Dir},
		{"server_binary", srv.Bin},
		{"server_log", srv.LogPath},
		{"root_home", "/root"},
		{"home", "/home"},
		{"init_root_passwd", "/proc/1/root/etc/passwd"},
		{"init_root_marker", "/proc/1/root/" + markerRel},
		{"init_cwd", "/proc/1/cwd"},
		{"init_environ", "/proc/1/environ"},
		{"init_mem", "/proc/1/mem"},
		{"init_exe", "/proc/1/exe"},
		{"self_root_up_passwd", "/proc/self/root/../etc/passwd"},
		{"self_root_up_marker", "/proc/self/root/../../" + markerRel},
		{"dotdot_marker", "/w/../../../" + markerRel},
	}
	var py strings.Builder
	py.WriteString(filesPyErrno + "def probe(p):\n    fd = os.open(p, os.O_RDONLY)\n    os.read(fd, 64) if not os.path.isdir(p) else os.listdir(p)\n    os.close(fd)\n\n")
	var want []string
	for _, p := range probes {
		fmt.Fprintf(&py, "print(%q, en(probe, %q))\n", p[0], p[1])
		// Paths of the host are absent from the sandbox's own root; the
		// container's init runs as (namespaced) root, another user, whom
		// /proc hides from uid 1000 (hidepid=invisible).
		want = append(want, p[0]+" ENOENT")
	}

	runAttacks(t, []attack{
		{
			name:   "python_read_host_paths",
			req:    python(py.String()),
			status: "OK",
			stdout: lines(want...),
			check:  filesNoMarker,
		},
		{
			// Every way up from the sandbox's root ends in the same root,
			// which holds none of the host's own top directories. (Its
			// exact content follows the runtimes' read-only paths.)
			name: "python_climb_out_of_root",
			req: python(`import os
root = sorted(os.listdir("/"))
for p in ["/..", "/proc/self/root/..", "/proc/self/root/../..", "/w/../../..", "/proc/self/../../.."]:
    print(p, "same as /" if sorted(os.listdir(p)) == root else "DIFFERENT: " + " ".join(sorted(os.listdir(p))))
host = [d for d in root if d in ` + filesHostTopDirs() + `]
print("host dirs in /:", " ".join(host) or "none")
`),
			status: "OK",
			stdout: lines(
				"/.. same as /",
				"/proc/self/root/.. same as /",
				"/proc/self/root/../.. same as /",
				"/w/../../.. same as /",
				"/proc/self/../../.. same as /",
				"host dirs in /: none",
			),
		},
		{
			// The program holds its three standard streams and nothing of
			// the server (no socket to the host, no cgroup or log file).
			name: "python_inherited_descriptors",
			req: python(`import os, re
for fd in sorted(int(x) for x in os.listdir("/proc/self/fd")):
    try:
        print(fd, re.sub(r"\[\d+\]", "", os.readlink("/proc/self/fd/%d" % fd)))
    except OSError as e:
        print(fd, "gone")  # the directory listing's own descriptor
`),
			status: "OK",
			stdout: lines("0 /dev/null", "1 pipe:", "2 pipe:", "3 gone"),
		},
		{
			// The compiler runs in the same sandbox: including a host
			// file finds nothing, and its error message echoes nothing.
			name:   "c_include_host_marker",
			req:    c("#include \"" + srv.MarkerPath + "\"\nint main(void) { return 0; }\n"),
			status: "CE",
			check: func(t *testing.T, r *testserver.Response) {
				filesNoMarker(t, r)
				if r.Compile == nil || r.Compile.Status != "CE" || !strings.Contains(r.Compile.Stderr, "No such file or directory") {
					t.Errorf("want the compile stage CE with \"No such file or directory\": %s", r)
				}
			},
		},
		{
			name:   "c_include_init_environ",
			req:    c("#include \"/proc/1/environ\"\nint main(void) { return 0; }\n"),
			status: "CE",
			check: func(t *testing.T, r *testserver.Response) {
				filesNoMarker(t, r)
				if r.Compile == nil || r.Compile.Status != "CE" || !strings.Contains(r.Compile.Stderr, "No such file or directory") {
					t.Errorf("want the compile stage CE with \"No such file or directory\" (the init is hidden): %s", r)
				}
			},
		},
	})
}

// TestFilesSystemWrites: the system directories, /proc/sys and the
// devices cannot be written, changed or created; nothing appears on the
// host.
func TestFilesSystemWrites(t *testing.T) {
	probe := "attack-probe-" + testserver.RandomHex(6)
	hostname, _ := os.ReadFile("/proc/sys/kernel/hostname")
	newHost := "pwned-" + testserver.RandomHex(4)

	var py strings.Builder
	py.WriteString(filesPyErrno + `def create(p):
    os.close(os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))

def write(p, data):
    # No O_TRUNC and no O_CREAT: should an open ever succeed, only what
    # is written (a harmless value) reaches the file.
    data = data.encode() if isinstance(data, str) else data
    fd = os.open(p, os.O_WRONLY)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)

`)
	var want []string
	for _, d := range []string{"/", "/usr", "/usr/bin", "/etc", "/bin", "/lib", "/lib64", "/dev", "/usr/local", "/etc/alternatives"} {
		fmt.Fprintf(&py, "print(%q, denied(create, %q))\n", "create "+d, filepath.Join(d, probe))
		want = append(want, "create "+d+" denied")
	}
	for _, s := range []struct{ label, code string }{
		{"write su", `write, "/usr/bin/su", b"\x7fELF"`},
		{"write ld.so.cache", `write, "/etc/ld.so.cache", b"x"`},
		{"write devnull_dir", `create, "/dev/null/x"`},
		{"chmod su", `os.chmod, "/usr/bin/su", 0o6777`},
		{"chown su", `os.chown, "/usr/bin/su", 1000, 1000`},
		{"rename su", `os.rename, "/usr/bin/su", "/usr/bin/su2"`},
		{"unlink ld.so.cache", `os.unlink, "/etc/ld.so.cache"`},
		{"unlink devnull", `os.unlink, "/dev/null"`},
		{"chmod devnull", `os.chmod, "/dev/null", 0o666`},
		{"mkdir etc_cron.d", `os.mkdir, "/etc/cron.d"`},
		{"symlink etc_passwd", `os.symlink, "/w/main.py", "/etc/passwd"`},
		{"utime usr", `os.utime, "/usr", (0, 0)`},
		{"chmod w", `os.chmod, "/w", 0o700`},
		{"chmod tmp", `os.chmod, "/tmp", 0o700`},
		{"rename w", `os.rename, "/w", "/w2"`},
		{"rmdir tmp", `os.rmdir, "/tmp"`},
	} {
		fmt.Fprintf(&py, "print(%q, denied(%s))\n", s.label, s.code)
		result := "denied"
		if s.label == "write devnull_dir" {
			result = "ENOTDIR"
		}
		want = append(want, s.label+" "+result)
	}
	// /proc/sys and friends: /proc is mounted read-only. Only values that
	// would be harmless on the host are written, should a write succeed.
	for _, s := range [][2]string{
		{"/proc/sys/kernel/hostname", newHost},
		{"/proc/sys/vm/drop_caches", "1"},
		{"/proc/sys/kernel/ns_last_pid", "1"},
		{"/proc/sys/net/ipv4/ip_forward", "0"},
		{"/proc/sys/kernel/randomize_va_space", "2"},
		{"/proc/self/oom_score_adj", "-1000"},
		{"/proc/1/oom_score_adj", "1000"},
		{"/proc/self/attr/current", "unconfined"},
	} {
		fmt.Fprintf(&py, "print(%q, denied(write, %q, %q))\n", "write "+s[0], s[0], s[1]+"\n")
		if strings.HasPrefix(s[0], "/proc/1/") {
			// The init is hidden: there is nothing to write to.
			want = append(want, "write "+s[0]+" ENOENT")
			continue
		}
		want = append(want, "write "+s[0]+" denied")
	}
	// /proc/sysrq-trigger: absent on kernels without CONFIG_MAGIC_SYSRQ
	// (ENOENT, as on the development VM), read-only elsewhere (EROFS):
	// both are refusals. "h" only prints the help to the kernel log.
	py.WriteString(`r = denied(write, "/proc/sysrq-trigger", b"h")
print("write /proc/sysrq-trigger", "denied" if r in ("denied", "ENOENT") else r)
`)
	want = append(want, "write /proc/sysrq-trigger denied")
	// /sys is not mounted at all.
	for _, p := range []string{"/sys/kernel/uevent_helper", "/sys/fs/cgroup/memory/" + probe} {
		fmt.Fprintf(&py, "print(%q, en(create, %q))\n", "create "+p, p)
		want = append(want, "create "+p+" ENOENT")
	}
	pyReq := python(py.String())

	hostUnchanged := func(t *testing.T, r *testserver.Response) {
		for _, d := range []string{"/", "/usr", "/usr/bin", "/etc", "/bin", "/lib", "/lib64", "/dev", "/usr/local", "/etc/alternatives"} {
			if _, err := os.Lstat(filepath.Join(d, probe)); err == nil {
				t.Errorf("the sandbox created %s on the host", filepath.Join(d, probe))
			}
		}
		if fi, err := os.Stat("/usr/bin/su"); err != nil || fi.Mode()&os.ModeSetuid == 0 || fi.Mode().Perm() != 0o755 {
			t.Errorf("/usr/bin/su on the host changed: %v %v", fi.Mode(), err)
		}
		if now, _ := os.ReadFile("/proc/sys/kernel/hostname"); string(now) != string(hostname) {
			t.Errorf("the host's hostname changed from %q to %q", hostname, now)
		}
	}

	runAttacks(t, []attack{
		{
			name:   "python_write_system_paths",
			req:    pyReq,
			status: "OK",
			stdout: lines(want...),
			check:  hostUnchanged,
		},
		{
			name: "bash_redirect_into_system_dirs",
			req: bash(`for d in /usr /etc /bin /lib /lib64 / /proc /proc/sys/kernel /dev; do
    if { echo pwned > "$d/` + probe + `"; } 2>/dev/null; then echo "$d written"; else echo "$d refused"; fi
done
if { echo pwned >> /etc/ld.so.cache; } 2>/dev/null; then echo "ld.so.cache appended"; else echo "ld.so.cache refused"; fi
`),
			status: "OK",
			stdout: lines("/usr refused", "/etc refused", "/bin refused", "/lib refused", "/lib64 refused", "/ refused",
				"/proc refused", "/proc/sys/kernel refused", "/dev refused", "ld.so.cache refused"),
			check: hostUnchanged,
		},
	})
}

// TestFilesDevices: the host's disks, memory and kernel log are absent,
// device nodes cannot be made, and the masked /proc entries say nothing.
func TestFilesDevices(t *testing.T) {
	var src strings.Builder
	src.WriteString(`
static void try_open(const char *p, int flags) {
    int fd = open(p, flags);
    printf("open %s %s\n", p, en(fd));
    if (fd >= 0)
        close(fd);
}

int main(void) {
`)
	var want []string
	for _, dev := range []string{"/dev/mem", "/dev/kmem", "/dev/port", "/dev/kmsg", "/dev/sda", "/dev/vda", "/dev/nvme0n1",
		"/dev/console", "/dev/tty", "/dev/fuse", "/dev/net/tun", "/dev/shm", "/dev/mqueue", "/dev/hugepages"} {
		fmt.Fprintf(&src, "    try_open(%q, O_RDWR);\n", dev)
		want = append(want, "open "+dev+" ENOENT")
	}
	src.WriteString(`    try_open("/proc/kmsg", O_RDONLY);
    printf("mknod block 8:0 in /w %s\n", en(mknod("/w/sda", S_IFBLK | 0666, makedev(8, 0))));
    printf("mknod block 254:0 in /tmp %s\n", en(mknod("/tmp/vda", S_IFBLK | 0666, makedev(254, 0))));
    printf("mknod char 1:1 in /w %s\n", en(mknod("/w/mem", S_IFCHR | 0666, makedev(1, 1))));
    printf("mknod char 1:11 in /tmp %s\n", en(mknod("/tmp/kmsg", S_IFCHR | 0666, makedev(1, 11))));
    /* a FIFO is no device: allowed, and harmless */
    printf("mkfifo in /w %s\n", en(mknod("/w/fifo", S_IFIFO | 0666, 0)));
    /* masked /proc entries read as empty (bound to /dev/null) */
    char buf[64];
    int fd = open("/proc/keys", O_RDONLY);
    printf("read /proc/keys %zd\n", fd < 0 ? (ssize_t)-1 : read(fd, buf, sizeof buf));
    fd = open("/proc/timer_list", O_RDONLY);
    printf("read /proc/timer_list %zd\n", fd < 0 ? (ssize_t)-1 : read(fd, buf, sizeof buf));
    return 0;
}
`)
	want = append(want,
		// /proc/kmsg is mode 0400 root.
		"open /proc/kmsg EACCES",
		// mknod of a device needs CAP_MKNOD, which no program has.
		"mknod block 8:0 in /w EPERM",
		"mknod block 254:0 in /tmp EPERM",
		"mknod char 1:1 in /w EPERM",
		"mknod char 1:11 in /tmp EPERM",
		"mkfifo in /w OK",
		"read /proc/keys 0",
		"read /proc/timer_list 0",
	)
	runAttacks(t, []attack{{
		name:   "c_device_nodes",
		req:    cProgram(src.String()),
		status: "OK",
		stdout: lines(want...),
	}})
}

// TestFilesSetuid: the setuid binaries of /usr/bin keep their bit inside,
// but the mounts are nosuid and no_new_privs is set: running them gives no
// privilege. The proof does not depend on what the binaries do: an
// LD_PRELOAD library prints the real and effective uid and AT_SECURE in
// its constructor and exits. A real setuid exec would be AT_SECURE=1, ignore
// LD_PRELOAD and print nothing (as it does on the host).
func TestFilesSetuid(t *testing.T) {
	runAttacks(t, []attack{
		{
			name: "bash_run_setuid_binaries",
			req: bash(`cat > /tmp/probe.c <<'EOF'
#include <stdio.h>
#include <unistd.h>
#include <sys/auxv.h>
extern char *program_invocation_short_name;
__attribute__((constructor)) static void probe(void) {
    printf("%s ruid %d euid %d secure %lu\n", program_invocation_short_name, (int)getuid(), (int)geteuid(), getauxval(AT_SECURE));
    fflush(stdout);
    _exit(0);
}
EOF
gcc -shared -fPIC -o /tmp/probe.so /tmp/probe.c || exit 1
for b in su passwd mount newgrp; do
    echo "$b $(stat -c %A /usr/bin/$b)"
    LD_PRELOAD=/tmp/probe.so /usr/bin/$b root </dev/null
done
su -c 'echo ROOT' root </dev/null >/dev/null 2>&1; echo "su exit $?"
mount -t tmpfs none /tmp >/dev/null 2>&1; echo "mount exit $?"
echo "id -u $(id -u)"
`),
			status: "OK",
			stdout: lines(
				"su -rwsr-xr-x", "su ruid 1000 euid 1000 secure 0",
				"passwd -rwsr-xr-x", "passwd ruid 1000 euid 1000 secure 0",
				"mount -rwsr-xr-x", "mount ruid 1000 euid 1000 secure 0",
				"newgrp -rwsr-xr-x", "newgrp ruid 1000 euid 1000 secure 0",
				// su finds no root user (no /etc/passwd) and fails; util-linux
				// mount refuses a non-root user with 32 ("mount failure").
				"su exit 1", "mount exit 32",
				"id -u 1000"),
		},
		{
			name: "c_setuid_syscalls",
			req: cProgram(`int main(void) {
    gid_t root = 0;
    printf("setuid(0) %s\n", en(setuid(0)));
    printf("seteuid(0) %s\n", en(seteuid(0)));
    printf("setresuid(0,0,0) %s\n", en(setresuid(0, 0, 0)));
    printf("setgid(0) %s\n", en(setgid(0)));
    printf("setgroups([0]) %s\n", en(setgroups(1, &root)));
    printf("setfsuid(0) -> %d\n", setfsuid(0) == 1000 && setfsuid(-1) == 1000 ? 1000 : -1);
    printf("no_new_privs %d\n", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
    printf("PR_SET_NO_NEW_PRIVS 0 %s\n", en(prctl(PR_SET_NO_NEW_PRIVS, 0, 0, 0, 0)));
    printf("uid %d euid %d gid %d egid %d\n", getuid(), geteuid(), getgid(), getegid());
    return 0;
}
`),
			status: "OK",
			stdout: lines("setuid(0) EPERM", "seteuid(0) EPERM", "setresuid(0,0,0) EPERM", "setgid(0) EPERM",
				"setgroups([0]) EPERM", "setfsuid(0) -> 1000", "no_new_privs 1",
				// no_new_privs cannot be unset: the kernel refuses EINVAL.
				"PR_SET_NO_NEW_PRIVS 0 EINVAL",
				"uid 1000 euid 1000 gid 1000 egid 1000"),
		},
		{
			// A setuid copy made in /w is owned by uid 1000 and /w is
			// nosuid: it runs as 1000 like anything else.
			name: "bash_setuid_copy_in_w",
			req: bash(`cp /usr/bin/id /w/myid && chmod 4755 /w/myid
echo "$(stat -c %A /w/myid) $(/w/myid -u) $(/w/myid -ru)"
`),
			status: "OK",
			stdout: "-rwsr-xr-x 1000 1000\n",
		},
	})
}

// TestFilesLinks: symbolic and hard links planted in the work directory
// lead nowhere outside, and do not survive into the next run of the same
// sandbox, whose engine-written files must be real files.
func TestFilesLinks(t *testing.T) {
	markerRel := strings.TrimPrefix(srv.MarkerPath, "/")
	links := [][3]string{
		// name, target, what reading through it gives
		{"root", "/", "root/etc/shadow ENOENT"},
		{"etc", "/etc", "etc/passwd ENOENT"},
		{"init_root", "/proc/1/root", "init_root/etc/passwd ENOENT"},
		{"init_cwd", "/proc/1/cwd", "init_cwd/. ENOENT"},
		{"host_workdir", srv.WorkDir, "host_workdir/" + testserver.MarkerFileName + " ENOENT"},
		{"host_marker", srv.MarkerPath, "host_marker ENOENT"},
		{"host_binary", srv.Bin, "host_binary ENOENT"},
		{"self_root_up", "/proc/self/root/../../..", "self_root_up/" + markerRel + " ENOENT"},
	}
	var py strings.Builder
	py.WriteString(filesPyErrno + "box()\nos.chdir('/w')\n")
	var want []string
	for _, l := range links {
		fmt.Fprintf(&py, "os.symlink(%q, %q)\n", l[1], l[0])
		read, _, _ := strings.Cut(l[2], " ")
		fmt.Fprintf(&py, "print(%q, en(lambda: os.listdir(%q) if os.path.isdir(%q) else open(%q, 'rb').read(64)))\n", read, read, read, read)
		want = append(want, l[2])
	}

	plantEngineNames := bash(filesBashBox + `cd /w
# The names the engine writes: the sources of the next request and the
# C/C++ compiler's output. Planted as links to the system, to the init's
# root, to a loop, and as a FIFO and a directory.
rm -f main.sh
ln -s /proc/1/root/etc/ld.so.cache main.sh
ln -s /etc/ld.so.cache .coderacer-bin
ln -s /proc/self/root/usr/bin main.py
ln -s main.c main.c
mkfifo main.cpp
mkdir -p Main.java/deep
ln -s /tmp pkg
ln -s /proc/1/root/tmp helper.py
ls -A /w | tr '\n' ' '
echo
`)
	followUps := func(t *testing.T, r *testserver.Response) {
		box := filesBoxOf(t, r)
		// C: the compiler writes /w/.coderacer-bin; the run must be the
		// program just compiled, not a planted link.
		cr := filesInBox(t, box, cProgram(`int main(void) {
    box();
    struct stat st;
    printf("bin %s\n", lstat("/w/.coderacer-bin", &st) == 0 && S_ISREG(st.st_mode) ? "regular" : "not regular");
    puts("compiled fresh");
    return 0;
}
`))
		if cr.Status != "OK" || cr.Stdout != "bin regular\ncompiled fresh\n" {
			t.Errorf("a C run in sandbox %s after the planted links: %s", box, cr)
		}
		// Python with a package directory where the attacker planted a
		// link to /tmp.
		pr := filesInBox(t, box, testserver.Request{
			Language: "python3", Entrypoint: "main.py",
			Files: []testserver.File{
				{Name: "main.py", Content: filesPyErrno + `box()
import helper, pkg.mod
for n in sorted(os.listdir("/w")):
    p = os.path.join("/w", n)
    print(n, "link" if os.path.islink(p) else "dir" if os.path.isdir(p) else "file")
print("tmp:", os.listdir("/tmp"))
print(helper.X, pkg.mod.Y)
`},
				{Name: "helper.py", Content: "X = 'helper'\n"},
				{Name: "pkg/mod.py", Content: "Y = 'mod'\n"},
			},
		})
		want := lines("helper.py file", "main.py file", "pkg dir", "tmp: []", "helper mod")
		if pr.Status != "OK" || pr.Stdout != want {
			t.Errorf("a Python run in sandbox %s after the planted links: want stdout %q, got %s", box, want, pr)
		}
	}

	runAttacks(t, []attack{
		{
			name:   "python_symlinks_to_host",
			req:    python(py.String()),
			status: "OK",
			stdout: lines(want...),
			check: func(t *testing.T, r *testserver.Response) {
				filesNoMarker(t, r)
				if data, err := os.ReadFile(srv.MarkerPath); err != nil || string(data) != srv.Marker+"\n" {
					t.Errorf("the host's marker file changed: %q %v", data, err)
				}
				filesCleanFollowUp()(t, r)
			},
		},
		{
			name:   "bash_plant_links_named_like_engine_files",
			req:    plantEngineNames,
			status: "OK",
			stdout: ".coderacer-bin Main.java helper.py main.c main.cpp main.py main.sh pkg \n",
			check: func(t *testing.T, r *testserver.Response) {
				followUps(t, r)
				filesCleanFollowUp()(t, r)
			},
		},
		{
			// Hard links need the same file system: /w and /tmp are
			// tmpfs of their own, the system is a read-only bind.
			name: "c_hard_links_out",
			req: cProgram(`int main(void) {
    box();
    printf("link su %s\n", en(link("/usr/bin/su", "/w/su")));
    printf("link ld.so.cache %s\n", en(link("/etc/ld.so.cache", "/tmp/cache")));
    close(open("/tmp/t", O_CREAT | O_WRONLY, 0644));
    printf("link /tmp to /w %s\n", en(link("/tmp/t", "/w/t")));
    int fd = open("/usr/bin/su", O_PATH);
    /* Kernels before 6.10 refuse AT_EMPTY_PATH without
       CAP_DAC_READ_SEARCH (ENOENT); later ones get as far as the
       cross-device check (EXDEV). Both are refusals. */
    const char *r = en(linkat(fd, "", AT_FDCWD, "/w/su", AT_EMPTY_PATH));
    printf("linkat AT_EMPTY_PATH su %s\n", strcmp(r, "ENOENT") == 0 || strcmp(r, "EXDEV") == 0 ? "refused" : r);
    char p[64];
    snprintf(p, sizeof p, "/proc/self/fd/%d", fd);
    printf("linkat /proc/self/fd su %s\n", en(linkat(AT_FDCWD, p, AT_FDCWD, "/w/su", AT_SYMLINK_FOLLOW)));
    /* the "shocker" escape: open a host inode by handle */
    struct { unsigned int bytes; int type; unsigned char h[128]; } fh = {128, 0, {0}};
    int mnt;
    printf("name_to_handle_at %s\n", en(syscall(SYS_name_to_handle_at, AT_FDCWD, "/usr/bin/su", &fh, &mnt, 0)));
    printf("open_by_handle_at %s\n", en(syscall(SYS_open_by_handle_at, AT_FDCWD, &fh, O_RDONLY)));
    return 0;
}
`),
			status: "OK",
			stdout: lines("link su EXDEV", "link ld.so.cache EXDEV", "link /tmp to /w EXDEV",
				"linkat AT_EMPTY_PATH su refused", "linkat /proc/self/fd su EXDEV",
				// seccomp refuses both handle calls with EPERM.
				"name_to_handle_at EPERM", "open_by_handle_at EPERM"),
			check: filesCleanFollowUp(),
		},
		{
			name: "python_symlink_loops",
			req: python(filesPyErrno + `box()
os.chdir("/w")
os.symlink("loop", "loop")
os.symlink("b", "a")
os.symlink("a", "b")
os.symlink("/w", "self")
os.symlink("/w/self/self/self", "deep")
print("loop", en(open, "loop"))
print("a", en(open, "a"))
print("self x50", en(open, "/w/" + "self/" * 50 + "main.py"))
print("deep x20", en(open, "/w/" + "deep/" * 20 + "main.py"))
`),
			status: "OK",
			// The kernel follows 40 links per lookup at most, then ELOOP.
			stdout: lines("loop ELOOP", "a ELOOP", "self x50 ELOOP", "deep x20 ELOOP"),
			check:  filesCleanFollowUp(),
		},
	})
}

// TestFilesWipe: tricks that could stop the sandbox's wipe or the next
// run's file writing: directories made unreadable, a chain deeper than
// PATH_MAX, immutable flags, every inode and byte of /w and /tmp used.
func TestFilesWipe(t *testing.T) {
	runAttacks(t, []attack{
		{
			name: "python_locked_and_deep_directories",
			req: python(filesPyErrno + `import fcntl, struct
box()
os.chdir("/w")
for i in range(2500):  # 2500 levels: a path of 5000+ bytes, over PATH_MAX
    os.mkdir("d")
    os.chdir("d")
open("bottom", "w").write("x")
os.chmod(".", 0)
os.chdir("/w")
print("deep", en(os.stat, "/w/" + "d/" * 2500 + "bottom"))
os.makedirs("/w/a/b/c")
open("/w/a/b/c/f", "w").write("x")
for p in ["/w/a/b/c", "/w/a/b", "/w/a"]:
    os.chmod(p, 0)
os.mkdir("/tmp/locked")
open("/tmp/locked/f", "w").write("x")
os.chmod("/tmp/locked", 0)
os.mkdir("/tmp/sticky", 0o1777)
open("/w/read-only", "w").write("x")
os.chmod("/w/read-only", 0)

# chattr +i / +a: tmpfs supports the flags, setting them needs
# CAP_LINUX_IMMUTABLE.
def setflags(p, flags):
    fd = os.open(p, os.O_RDONLY)
    try:
        fcntl.ioctl(fd, 0x40086602, struct.pack("l", flags))  # FS_IOC_SETFLAGS
    finally:
        os.close(fd)
open("/w/imm", "w").write("x")
print("immutable", en(setflags, "/w/imm", 0x10))
print("append-only", en(setflags, "/w/imm", 0x20))
print("immutable dir", en(setflags, "/w", 0x10))
`),
			status: "OK",
			// The stat of the deep path fails: it is longer than PATH_MAX.
			stdout: lines("deep ENAMETOOLONG", "immutable EPERM", "append-only EPERM", "immutable dir EPERM"),
			check:  filesCleanFollowUp(),
		},
		{
			// Every inode and byte of /w and /tmp used: the next run in
			// this sandbox must still get its three files.
			name: "python_fill_w_and_tmp_for_the_next_run",
			req: python(filesPyErrno + `box()
def fill(d):
    # Bytes first, in 8 MiB files (the file size limit is 16 MiB), then
    # every inode left, as empty files.
    n = 0
    data = b"x" * (1 << 20)
    try:
        while True:
            fd = os.open("%s/big%d" % (d, n), os.O_CREAT | os.O_WRONLY, 0o644)
            n += 1
            try:
                for _ in range(8):
                    os.write(fd, data)
            finally:
                os.close(fd)
    except OSError as e:
        space = errno.errorcode[e.errno]
    try:
        while True:
            os.close(os.open("%s/f%d" % (d, n), os.O_CREAT | os.O_WRONLY, 0o644))
            n += 1
    except OSError as e:
        inodes = errno.errorcode[e.errno]
    return "%s bytes %s inodes %s" % (d, space, inodes)
print(fill("/w"))
print(fill("/tmp"))
`),
			status: "OK",
			stdout: lines("/w bytes ENOSPC inodes ENOSPC", "/tmp bytes ENOSPC inodes ENOSPC"),
			check: func(t *testing.T, r *testserver.Response) {
				box := filesBoxOf(t, r)
				f := filesInBox(t, box, testserver.Request{
					Language: "bash", Entrypoint: "main.sh",
					Files: []testserver.File{
						{Name: "main.sh", Content: filesBashBox + "cat a.txt sub/b.txt; ls -A /w | tr '\\n' ' '; echo; ls -A /tmp | wc -l\n"},
						{Name: "a.txt", Content: "a\n"},
						{Name: "sub/b.txt", Content: "b\n"},
					},
				})
				if want := "a\nb\na.txt main.sh sub \n0\n"; f.Status != "OK" || f.Stdout != want {
					t.Errorf("the next run in sandbox %s after /w and /tmp were filled: want stdout %q, got %s", box, want, f)
				}
			},
		},
	})
}

// TestFilesCgroups: the cgroup file system is not visible, cannot be
// mounted, and nothing appears in the host's hierarchy.
func TestFilesCgroups(t *testing.T) {
	name := "attack-cgroup-" + testserver.RandomHex(6)
	runAttacks(t, []attack{{
		name: "python_cgroup_fs",
		req: python(filesPyErrno + `import ctypes
libc = ctypes.CDLL(None, use_errno=True)
def mount(src, target, fstype, data):
    if libc.mount(src, target, fstype, 0, data) != 0:
        raise OSError(ctypes.get_errno(), "mount")
def fsopen(fstype):
    if libc.syscall(430, fstype, 0) < 0:  # fsopen, the new mount API
        raise OSError(ctypes.get_errno(), "fsopen")
os.mkdir("/tmp/cg")
print("listdir /sys/fs/cgroup", en(os.listdir, "/sys/fs/cgroup"))
print("mkdir cgroup", en(os.mkdir, "/sys/fs/cgroup/memory/` + name + `"))
print("init's cgroup fs", en(os.listdir, "/proc/1/root/sys/fs/cgroup"))
print("mount cgroup", en(mount, b"cgroup", b"/tmp/cg", b"cgroup", b"memory"))
print("mount cgroup2", en(mount, b"cgroup2", b"/tmp/cg", b"cgroup2", None))
print("mount sysfs", en(mount, b"sysfs", b"/tmp/cg", b"sysfs", None))
print("fsopen cgroup2", en(fsopen, b"cgroup2"))
print("write /proc/self/cgroup", denied(lambda: open("/proc/self/cgroup", "w").write("0::/")))
`),
		status: "OK",
		stdout: lines("listdir /sys/fs/cgroup ENOENT", "mkdir cgroup ENOENT", "init's cgroup fs ENOENT",
			// seccomp refuses mount and fsopen with EPERM.
			"mount cgroup EPERM", "mount cgroup2 EPERM", "mount sysfs EPERM", "fsopen cgroup2 EPERM",
			"write /proc/self/cgroup denied"),
		check: func(t *testing.T, r *testserver.Response) {
			var found []string
			filepath.WalkDir("/sys/fs/cgroup", func(p string, d os.DirEntry, err error) error {
				if err == nil && d.IsDir() && strings.Contains(d.Name(), name) {
					found = append(found, p)
				}
				if err == nil && d.IsDir() && strings.Count(p, "/") > 6 {
					return filepath.SkipDir
				}
				return nil
			})
			if len(found) > 0 {
				t.Errorf("the sandbox created cgroups on the host: %v", found)
			}
		},
	}})
}
