package attack

import (
	"strings"
	"testing"

	"github.com/coderacer/coderacer/test/testserver"
)

// procHostFiles are /proc entries that describe the host (its kernel
// command line, boot, hardware, devices, load and memory pressure, other
// users' locks and cgroups) and that no runtime needs.
var procHostFiles = []string{
	"cmdline", "sys/kernel/random/boot_id", "pressure/cpu", "pressure/memory", "pressure/io", "pressure/irq",
	"config.gz", "interrupts", "softirqs", "diskstats", "partitions", "swaps", "devices", "cgroups",
	"locks", "zoneinfo", "buddyinfo", "pagetypeinfo", "vmstat", "slabinfo", "vmallocinfo", "iomem",
	"ioports", "kallsyms", "crypto", "consoles", "execdomains", "mtrr", "dma", "misc", "modules",
	"kpageflags", "kpagecount", "kpagecgroup", "sysrq-trigger",
}

// procHostDirs are /proc directories that describe the host.
var procHostDirs = []string{"pressure", "bus", "driver", "fs", "tty", "irq"}

// procProbePy: probe(path) prints "HIDDEN" for an entry that is empty or
// cannot be opened, "VISIBLE <n>" otherwise; listing(dir) the same for a
// directory.
const procProbePy = `import errno, os
def probe(path, opener=None):
    try:
        fd = opener(path) if opener else os.open(path, os.O_RDONLY)
        try:
            data = os.read(fd, 1 << 16)
        finally:
            os.close(fd)
        return "HIDDEN" if not data else "VISIBLE %d" % len(data)
    except OSError as e:
        if e.errno in (errno.ENOENT, errno.EACCES, errno.EPERM, errno.EINVAL):
            return "HIDDEN"
        return errno.errorcode.get(e.errno, str(e.errno))
def listing(path):
    try:
        names = os.listdir(path)
        return "HIDDEN" if not names else "VISIBLE %d" % len(names)
    except OSError as e:
        return "HIDDEN" if e.errno in (errno.ENOENT, errno.EACCES) else errno.errorcode[e.errno]
`

func pyList(items []string) string {
	q := make([]string, len(items))
	for i, s := range items {
		q[i] = "'" + s + "'"
	}
	return "[" + strings.Join(q, ", ") + "]"
}

func eachHidden(items []string, prefix string) string {
	var l []string
	for _, it := range items {
		l = append(l, prefix+it+" HIDDEN")
	}
	return lines(l...)
}

// TestProcHostEntries: the host's kernel command line, boot id, pressure
// stall information, hardware, devices and global counters are masked,
// however the program reaches them; what runtimes read stays readable.
func TestProcHostEntries(t *testing.T) {
	kept := []string{"meminfo", "cpuinfo", "stat", "self/status", "self/maps", "uptime", "loadavg", "version", "filesystems"}
	keptWant := make([]string, len(kept))
	for i, k := range kept {
		keptWant[i] = k + " readable"
	}
	attacks := []attack{
		{
			name: "read_files",
			req: python(procProbePy + "for p in " + pyList(procHostFiles) + `:
    print(p, probe("/proc/" + p))
`),
			status: "OK",
			stdout: eachHidden(procHostFiles, ""),
		},
		{
			name: "list_dirs",
			req: python(procProbePy + "for p in " + pyList(procHostDirs) + `:
    print(p, listing("/proc/" + p))
`),
			status: "OK",
			stdout: eachHidden(procHostDirs, ""),
		},
		{
			// Through other paths to the same entries: the root links
			// of the program itself and of the init, and a handle on
			// /proc's directory.
			name: "other_paths",
			req: python(procProbePy + `procfd = os.open("/proc", os.O_PATH | os.O_DIRECTORY)
for p in ["cmdline", "sys/kernel/random/boot_id", "pressure/cpu"]:
    print("self_root", p, probe("/proc/self/root/proc/" + p))
    print("thread_self_root", p, probe("/proc/thread-self/root/proc/" + p))
    print("init_root", p, probe("/proc/1/root/proc/" + p))
    print("dirfd", p, probe(p, lambda q: os.open(q, os.O_RDONLY, dir_fd=procfd)))
`),
			status: "OK",
			stdout: lines(
				"self_root cmdline HIDDEN", "thread_self_root cmdline HIDDEN", "init_root cmdline HIDDEN", "dirfd cmdline HIDDEN",
				"self_root sys/kernel/random/boot_id HIDDEN", "thread_self_root sys/kernel/random/boot_id HIDDEN",
				"init_root sys/kernel/random/boot_id HIDDEN", "dirfd sys/kernel/random/boot_id HIDDEN",
				"self_root pressure/cpu HIDDEN", "thread_self_root pressure/cpu HIDDEN", "init_root pressure/cpu HIDDEN",
				"dirfd pressure/cpu HIDDEN"),
		},
		{
			// The shell's way: cat and a redirection, byte counts.
			name: "bash_cat",
			req: bash(`for f in /proc/cmdline /proc/sys/kernel/random/boot_id /proc/pressure/cpu /proc/pressure/memory /proc/interrupts; do
  echo "$f $(cat "$f" 2>/dev/null | wc -c) $( (wc -c < "$f") 2>/dev/null || echo unreadable)"
done
`),
			status: "OK",
			check: func(t *testing.T, r *testserver.Response) {
				for _, l := range strings.Split(strings.TrimSpace(r.Stdout), "\n") {
					f := strings.Fields(l)
					if len(f) != 3 || f[1] != "0" || (f[2] != "0" && f[2] != "unreadable") {
						t.Errorf("%q: the entry has content, want none", l)
					}
				}
				if n := strings.Count(r.Stdout, "\n"); n != 5 {
					t.Errorf("%d lines, want 5: %s", n, r)
				}
			},
		},
		{
			// What runtimes read is still there.
			name: "kept_entries",
			req: python(procProbePy + "for p in " + pyList(kept) + `:
    print(p, "readable" if probe("/proc/" + p).startswith("VISIBLE") else "MISSING")
`),
			status: "OK",
			stdout: lines(keptWant...),
		},
	}
	runAttacks(t, attacks)
}
