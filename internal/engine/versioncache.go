package engine

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/coderacer/coderacer/internal/langs"
)

// versionCacheFormat changes when the file's meaning does: a file of
// another format is ignored (every runtime probed again).
const versionCacheFormat = 1

// maxVersionCacheBytes bounds what is read of the file: 85 runtimes take
// about 15 KiB; a larger file is not ours, and is ignored.
const maxVersionCacheBytes = 1 << 20

// versionCache remembers what each runtime's version probe found, keyed
// by everything that can change the answer, so that a restart probes only
// the runtimes whose key changed. A probe is a run in the sandbox
// (tens of milliseconds to half a second of CPU each, a JVM's more), and
// 85 of them are seconds of start-up on a small machine.
//
// The key of a runtime (runtimeKey) hashes its definition (the runtime
// file as parsed: commands, environment, pattern), the probe's limits and
// the identity (path resolved, device, inode, size, mtime, ctime) of the
// binaries its version, run and compile commands start. A package upgrade
// rewrites its files (new inode and ctime even when dpkg keeps the mtime),
// a removal makes the stat fail, a switched alternative resolves to
// another path: each is a new key, hence a new probe. The whole file is
// also tied to the server's own binary: a new build may sandbox programs
// differently, so its first start probes everything again.
//
// Only successes are kept: a runtime whose probe failed is probed again
// at the next start. A missing, unreadable or corrupt file is an empty
// cache (logged), never an error: the probes are the truth, the file
// only saves their cost.
type versionCache struct {
	path string // "" disables the cache
	log  *slog.Logger
	// server is the identity of the running binary (the file's Server).
	server string

	// hints are the probes' durations the file holds, even under other
	// keys or of another build: the order of this start's probes.
	hints map[string]time.Duration

	mu      sync.Mutex
	old     map[string]versionEntry // what the file held, by language
	new     map[string]versionEntry // this start's answers
	changed bool
}

// versionEntry is one runtime's answer.
type versionEntry struct {
	Key     string `json:"key"`
	Version string `json:"version"`
	// ProbeMs is how long the probe took, in milliseconds.
	ProbeMs int64 `json:"probeMs,omitempty"`
}

// versionFile is the file's content.
type versionFile struct {
	Format   int                     `json:"format"`
	Server   string                  `json:"server"`
	Runtimes map[string]versionEntry `json:"runtimes"`
}

// loadVersionCache reads the cache at path; path "" gives a cache that
// holds nothing and saves nothing.
func loadVersionCache(path string, log *slog.Logger) *versionCache {
	c := &versionCache{path: path, log: log, hints: map[string]time.Duration{},
		old: map[string]versionEntry{}, new: map[string]versionEntry{}}
	if path == "" {
		return c
	}
	c.server = serverIdentity()
	f, err := readVersionFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		log.Info("runtime version cache: none yet; probing every runtime", "path", path)
	case err != nil:
		log.Warn("runtime version cache ignored; probing every runtime", "path", path, "err", err)
	case f.Format != versionCacheFormat:
		log.Info("runtime version cache of another format; probing every runtime", "path", path)
	case c.server == "" || f.Server != c.server:
		log.Info("runtime version cache of another server build; probing every runtime", "path", path)
		c.keepHints(f)
	default:
		c.old = f.Runtimes
		c.keepHints(f)
	}
	// A file not rewritten would be read again at each start and found
	// wanting again.
	c.changed = len(c.old) == 0
	return c
}

// keepHints keeps the probes' durations of f.
func (c *versionCache) keepHints(f *versionFile) {
	for lang, e := range f.Runtimes {
		c.hints[lang] = time.Duration(max(e.ProbeMs, 0)) * time.Millisecond
	}
}

// took is how long lang's probe took at the start that cached it; 0 when
// unknown.
func (c *versionCache) took(lang string) time.Duration { return c.hints[lang] }

// keyOf is rt's key, or "" without a cache file.
func (c *versionCache) keyOf(rt *langs.Runtime, limits Limits) string {
	if c.path == "" {
		return ""
	}
	return runtimeKey(rt, limits)
}

// readVersionFile reads and decodes the file, within its bound.
func readVersionFile(path string) (*versionFile, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	data, err := io.ReadAll(io.LimitReader(fh, maxVersionCacheBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxVersionCacheBytes {
		return nil, fmt.Errorf("larger than %d bytes", maxVersionCacheBytes)
	}
	var f versionFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, err
	}
	for lang, e := range f.Runtimes {
		if e.Key == "" || e.Version == "" {
			return nil, fmt.Errorf("runtime %q: empty key or version", lang)
		}
	}
	return &f, nil
}

// lookup is the version cached for lang under key.
func (c *versionCache) lookup(lang, key string) (string, bool) {
	if c.path == "" || key == "" {
		return "", false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.old[lang]
	if !ok || e.Key != key {
		return "", false
	}
	c.new[lang] = e
	return e.Version, true
}

// store records a successful probe; a runtime without a key (its files
// could not be stat'ed) is not kept.
func (c *versionCache) store(lang, key, version string, took time.Duration) {
	if c.path == "" || key == "" {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.new[lang] = versionEntry{Key: key, Version: version, ProbeMs: max(took.Milliseconds(), 1)}
	c.changed = true
}

// save writes this start's answers, when they differ from the file's:
// runtimes that failed or left the catalog are dropped. The write is
// atomic (a temporary file renamed), so a crash never leaves half a file.
func (c *versionCache) save() {
	if c.path == "" {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.changed && len(c.new) == len(c.old) {
		return
	}
	data, err := json.MarshalIndent(versionFile{Format: versionCacheFormat, Server: c.server, Runtimes: c.new}, "", "  ")
	if err == nil {
		err = writeFileAtomic(c.path, data)
	}
	if err != nil {
		c.log.Warn("runtime version cache not saved; the next start probes every runtime again", "path", c.path, "err", err)
	}
}

// writeFileAtomic writes data to path through a temporary file beside it.
func writeFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	_, err = tmp.Write(append(data, '\n'))
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}

// runtimeKey hashes what can change rt's probe: its definition, the
// probe's limits, and the identity of the host files its commands name.
// It is "" when a command's binary cannot be stat'ed (the probe will say
// why).
func runtimeKey(rt *langs.Runtime, limits Limits) string {
	h := sha256.New()
	def, err := json.Marshal(rt)
	if err != nil {
		return ""
	}
	fmt.Fprintf(h, "%s\n%+v\n", def, limits)
	for _, cmd := range [][]string{rt.Version.Command, rt.Run, rt.Compile} {
		if len(cmd) == 0 || strings.HasPrefix(cmd[0], WorkDir+"/") {
			continue
		}
		id, err := fileIdentity(cmd[0])
		if err != nil {
			return ""
		}
		fmt.Fprintf(h, "%s\n", id)
	}
	for _, p := range namedPaths(rt) {
		fmt.Fprintf(h, "%s %s\n", p, pathIdentity(p))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// hostPath finds the absolute paths in a command's arguments: shell
// scripts name their tools (typescript's version command runs /usr/bin/tsc
// through /bin/sh; kotlin's lists /usr/share/java/kotlin-stdlib-[0-9]*.jar).
var hostPath = regexp.MustCompile(`(?:^|[^A-Za-z0-9._/@+~-])(/[A-Za-z0-9._@+~-]+(?:/[A-Za-z0-9._@+~-]+)+)`)

// sandboxOnly are prefixes of paths that, in a command, mean a box's
// own files (its work directory and tmpfs, its /proc): one missing on the
// host is just missing, not keyed by its host directory, whose mtime
// changes all the time.
var sandboxOnly = []string{WorkDir + "/", "/tmp/", "/proc/", "/dev/", "/sys/"}

// namedPaths lists, sorted and once each, the host paths in rt's
// commands' arguments and its extra read-only paths.
func namedPaths(rt *langs.Runtime) []string {
	seen := map[string]bool{}
	add := func(p string) { seen[p] = true }
	for _, cmd := range [][]string{rt.Version.Command, rt.Run, rt.Compile} {
		for _, arg := range cmd {
			for _, m := range hostPath.FindAllStringSubmatch(arg, -1) {
				add(m[1])
			}
		}
	}
	for _, p := range rt.Paths {
		add(p)
	}
	return slices.Sorted(maps.Keys(seen))
}

// pathIdentity is fileIdentity of p or, when p does not exist (a glob's
// stem, a tool not installed), "missing" and the identity of its nearest
// existing parent directory, whose mtime changes when an entry is added
// to it or removed from it.
func pathIdentity(p string) string {
	if id, err := fileIdentity(p); err == nil {
		return id
	}
	for _, pre := range sandboxOnly {
		if strings.HasPrefix(p, pre) {
			return "missing"
		}
	}
	for dir := filepath.Dir(p); ; dir = filepath.Dir(dir) {
		if id, err := fileIdentity(dir); err == nil {
			return "missing, in " + id
		}
		if dir == "/" || dir == "." {
			return "missing"
		}
	}
}

// fileIdentity names the file path leads to as it is now: the path
// resolved, and its device, inode, size, mtime and ctime.
func fileIdentity(path string) (string, error) {
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return "", err
	}
	fi, err := os.Stat(real)
	if err != nil {
		return "", err
	}
	id := fmt.Sprintf("%s %d %d", real, fi.Size(), fi.ModTime().UnixNano())
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		id += fmt.Sprintf(" %d %d %d.%d", st.Dev, st.Ino, st.Ctim.Sec, st.Ctim.Nsec)
	}
	return id, nil
}

// serverIdentity is the identity of the running binary; "" when it cannot
// be known, which no file matches (fileIdentity's are never empty).
func serverIdentity() string {
	exe, err := os.Executable()
	if err != nil {
		return ""
	}
	id, err := fileIdentity(exe)
	if err != nil {
		return ""
	}
	return id
}
