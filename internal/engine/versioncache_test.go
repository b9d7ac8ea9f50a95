package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/coderacer/coderacer/internal/langs"
)

// toolchain is a fake machine for the version cache: real files under a
// temporary directory as the runtimes' binaries, and a pool whose version
// command prints "fake " and its binary's content, so that a binary
// rewritten with another content is an upgrade.
type toolchain struct {
	dir   string
	cache string // the cache file
	pool  *fakePool

	mu     sync.Mutex
	probed []string // binaries whose version command ran, in order
	order  []string // the same, of the last start, as they ran
}

func newToolchain(t *testing.T, names ...string) *toolchain {
	tc := &toolchain{dir: t.TempDir(), pool: newFakePool(2)}
	tc.cache = filepath.Join(tc.dir, "data", "runtime-versions.json")
	for _, n := range names {
		tc.write(t, n, "1.0")
	}
	tc.pool.hook = func(ctx context.Context, b *fakeBox, spec RunSpec) (*RunResult, error) {
		bin := spec.Args[0]
		if bin == "/bin/sh" && len(spec.Args) == 3 { // "/bin/sh -c 'exec BIN'"
			bin = strings.TrimPrefix(spec.Args[2], "exec ")
		}
		if !strings.HasPrefix(bin, tc.dir) {
			return nil, nil
		}
		tc.mu.Lock()
		tc.probed = append(tc.probed, filepath.Base(bin))
		tc.mu.Unlock()
		data, err := os.ReadFile(bin)
		if err != nil || strings.HasPrefix(string(data), "fail") {
			return &RunResult{ExitCode: 1, Stderr: []byte("no")}, nil
		}
		return &RunResult{Stdout: []byte("fake " + string(data) + "\n")}, nil
	}
	return tc
}

// write installs (or upgrades) binary name, whose version is content.
func (tc *toolchain) write(t *testing.T, name, content string) {
	t.Helper()
	bin := filepath.Join(tc.dir, "bin", name)
	if err := os.MkdirAll(filepath.Dir(bin), 0o755); err != nil {
		t.Fatal(err)
	}
	// As dpkg does: a new file renamed over the old one.
	if err := writeFileAtomic(bin, []byte(content)); err != nil {
		t.Fatal(err)
	}
}

// catalog has one runtime per binary; env is added to each. A name
// "sh:NAME" is a runtime whose commands run binary NAME through /bin/sh.
func (tc *toolchain) catalog(t *testing.T, env string, names ...string) *langs.Catalog {
	t.Helper()
	files := fstest.MapFS{}
	for _, n := range names {
		lang, bin := n, filepath.Join(tc.dir, "bin", n)
		cmd := fmt.Sprintf("%q", bin)
		if name, ok := strings.CutPrefix(n, "sh:"); ok {
			lang, bin = name, filepath.Join(tc.dir, "bin", name)
			cmd = fmt.Sprintf(`"/bin/sh", "-c", "exec %s"`, bin)
		}
		files[lang+".json"] = &fstest.MapFile{Data: fmt.Appendf(nil, `{"language": %q, "extension": "x", "entrypoint": "main.x",
			"version": {"command": [%s], "pattern": "fake ([0-9.]+)"}, "run": [%s, "{entrypoint}"], "env": [%q]}`, lang, cmd, cmd, env)}
	}
	c, err := langs.Load(files)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// start is NewLocal over the toolchain; it returns the runtimes listed
// and the binaries probed.
func (tc *toolchain) start(t *testing.T, catalog *langs.Catalog) (listed, probed []string) {
	t.Helper()
	tc.mu.Lock()
	tc.probed = nil
	tc.mu.Unlock()
	e, err := NewLocal(t.Context(), Config{
		Pool: tc.pool, Catalog: catalog, Run: DefaultRunPolicy(), Compile: DefaultCompilePolicy(),
		VersionCache: tc.cache, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, rt := range e.Runtimes() {
		listed = append(listed, rt.Language+" "+rt.Version)
	}
	tc.mu.Lock()
	defer tc.mu.Unlock()
	tc.order = slices.Clone(tc.probed)
	slices.Sort(tc.probed)
	return listed, tc.probed
}

func expect(t *testing.T, what string, got []string, want ...string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s: %q, want %q", what, got, want)
	}
}

func TestVersionCacheWarmStartProbesNothing(t *testing.T) {
	tc := newToolchain(t, "a", "b")
	cat := tc.catalog(t, "X=1", "a", "b")
	listed, probed := tc.start(t, cat)
	expect(t, "cold start lists", listed, "a 1.0", "b 1.0")
	expect(t, "cold start probes", probed, "a", "b")
	listed, probed = tc.start(t, cat)
	expect(t, "warm start lists", listed, "a 1.0", "b 1.0")
	expect(t, "warm start probes", probed)
}

func TestVersionCacheProbesWhatChanged(t *testing.T) {
	tc := newToolchain(t, "a", "b", "c", "d")
	tc.start(t, tc.catalog(t, "X=1", "a", "b", "c", "d"))

	// a upgraded (new file, new content); b's binary touched only (same
	// content, another mtime); c removed; d untouched.
	tc.write(t, "a", "2.0")
	later := time.Now().Add(time.Hour)
	if err := os.Chtimes(filepath.Join(tc.dir, "bin", "b"), later, later); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(tc.dir, "bin", "c")); err != nil {
		t.Fatal(err)
	}
	listed, probed := tc.start(t, tc.catalog(t, "X=1", "a", "b", "c", "d"))
	expect(t, "after the changes, lists", listed, "a 2.0", "b 1.0", "d 1.0")
	expect(t, "after the changes, probes", probed, "a", "b")

	// c reinstalled: probed again (its failure was not kept), listed.
	tc.write(t, "c", "3.0")
	listed, probed = tc.start(t, tc.catalog(t, "X=1", "a", "b", "c", "d"))
	expect(t, "c reinstalled, lists", listed, "a 2.0", "b 1.0", "c 3.0", "d 1.0")
	expect(t, "c reinstalled, probes", probed, "c")
}

func TestVersionCacheSeesToolsBehindAShell(t *testing.T) {
	// Runtimes whose commands are shell scripts naming their tools
	// (typescript's, kotlin's): the key covers the tools they name.
	tc := newToolchain(t, "a", "b")
	cat := tc.catalog(t, "X=1", "sh:a", "sh:b")
	listed, probed := tc.start(t, cat)
	expect(t, "cold start lists", listed, "a 1.0", "b 1.0")
	expect(t, "cold start probes", probed, "a", "b")
	tc.write(t, "a", "2.0")
	if err := os.Remove(filepath.Join(tc.dir, "bin", "b")); err != nil {
		t.Fatal(err)
	}
	listed, probed = tc.start(t, cat)
	expect(t, "a upgraded, b removed, lists", listed, "a 2.0")
	expect(t, "a upgraded, b removed, probes", probed, "a", "b")
}

func TestVersionCacheLongestProbesFirst(t *testing.T) {
	// A file of another build: every runtime is probed, in the order of
	// the durations it recorded, longest first (unknown ones last).
	tc := newToolchain(t, "a", "b", "c", "d")
	one := newFakePool(1)
	one.hook = tc.pool.hook
	tc.pool = one
	f := versionFile{Format: versionCacheFormat, Server: "another build", Runtimes: map[string]versionEntry{
		"a": {Key: "k", Version: "1", ProbeMs: 3}, "b": {Key: "k", Version: "1", ProbeMs: 500},
		"c": {Key: "k", Version: "1", ProbeMs: 40}}}
	data, _ := json.Marshal(f)
	if err := writeFileAtomic(tc.cache, data); err != nil {
		t.Fatal(err)
	}
	listed, _ := tc.start(t, tc.catalog(t, "X=1", "a", "b", "c", "d"))
	expect(t, "lists", listed, "a 1.0", "b 1.0", "c 1.0", "d 1.0")
	expect(t, "probe order", tc.order, "b", "c", "a", "d")
	saved, err := readVersionFile(tc.cache)
	if err != nil {
		t.Fatal(err)
	}
	for lang, e := range saved.Runtimes {
		if e.ProbeMs < 1 || e.Version != "1.0" {
			t.Errorf("saved entry of %s: %+v", lang, e)
		}
	}
}

func TestNamedPaths(t *testing.T) {
	rt, err := langs.Parse([]byte(`{"language": "k", "extension": "k", "entrypoint": "main.k",
		"version": {"command": ["/bin/sh", "-c", "ls /usr/share/k/k-[0-9]*.jar; cat /tmp/x /w/y"], "pattern": "k-([0-9.]+)"},
		"run": ["/usr/bin/k", "-cp", "/w:/opt/k/lib/k.jar", "@/w/.main", "{entrypoint}"],
		"paths": ["/etc/k"]}`))
	if err != nil {
		t.Fatal(err)
	}
	expect(t, "paths", namedPaths(rt), "/bin/sh", "/etc/k", "/opt/k/lib/k.jar", "/tmp/x", "/usr/bin/k", "/usr/share/k/k-", "/w/y")
	// A box's own paths missing on the host are not keyed by their host
	// directory (/tmp changes all the time).
	if id := pathIdentity("/tmp/.coderacer-no-such-file"); id != "missing" {
		t.Errorf("identity of a missing /tmp path: %q", id)
	}
}

func TestVersionCacheKeyCoversDefinition(t *testing.T) {
	tc := newToolchain(t, "a", "b")
	tc.start(t, tc.catalog(t, "X=1", "a", "b"))
	// The runtime files changed (their environment): both probed again.
	_, probed := tc.start(t, tc.catalog(t, "X=2", "a", "b"))
	expect(t, "runtime files changed, probes", probed, "a", "b")
	// A runtime that left the catalog leaves the file.
	tc.start(t, tc.catalog(t, "X=2", "a"))
	f, err := readVersionFile(tc.cache)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := f.Runtimes["b"]; ok || len(f.Runtimes) != 1 {
		t.Errorf("cache file after b left the catalog: %+v", f.Runtimes)
	}
}

func TestVersionCacheFailureNotKept(t *testing.T) {
	tc := newToolchain(t, "a", "b")
	tc.write(t, "b", "fail")
	cat := tc.catalog(t, "X=1", "a", "b")
	listed, _ := tc.start(t, cat)
	expect(t, "b fails, lists", listed, "a 1.0")
	// b's binary is as it was: still probed, still not listed.
	listed, probed := tc.start(t, cat)
	expect(t, "b fails again, lists", listed, "a 1.0")
	expect(t, "b fails again, probes", probed, "b")
}

func TestVersionCacheCorruptFileIgnored(t *testing.T) {
	for name, content := range map[string]string{
		"garbage":      "\x00not json{{",
		"empty":        "",
		"empty key":    `{"format": 1, "server": "%s", "runtimes": {"a": {"key": "", "version": "9.9"}}}`,
		"other format": `{"format": 99, "server": "%s", "runtimes": {}}`,
		"other server": `{"format": 1, "server": "another build", "runtimes": {"a": {"key": "k", "version": "9.9"}}}`,
		"too large":    strings.Repeat(" ", maxVersionCacheBytes+1) + "{}",
	} {
		t.Run(name, func(t *testing.T) {
			tc := newToolchain(t, "a", "b")
			cat := tc.catalog(t, "X=1", "a", "b")
			if err := writeFileAtomic(tc.cache, []byte(strings.ReplaceAll(content, "%s", serverIdentity()))); err != nil {
				t.Fatal(err)
			}
			listed, probed := tc.start(t, cat)
			expect(t, "lists", listed, "a 1.0", "b 1.0")
			expect(t, "probes", probed, "a", "b")
			// The file was rewritten: the next start probes nothing.
			_, probed = tc.start(t, cat)
			expect(t, "next start probes", probed)
		})
	}
}

func TestVersionCacheWrongVersionInFileIsTheKeys(t *testing.T) {
	// The file is trusted only under the key: an entry with another key
	// (edited, or of another machine) is probed.
	tc := newToolchain(t, "a")
	cat := tc.catalog(t, "X=1", "a")
	f := versionFile{Format: versionCacheFormat, Server: serverIdentity(),
		Runtimes: map[string]versionEntry{"a": {Key: "not the key", Version: "9.9"}}}
	data, _ := json.Marshal(f)
	if err := writeFileAtomic(tc.cache, data); err != nil {
		t.Fatal(err)
	}
	listed, probed := tc.start(t, cat)
	expect(t, "lists", listed, "a 1.0")
	expect(t, "probes", probed, "a")
}

func TestVersionCacheUnwritableDirIsNoError(t *testing.T) {
	tc := newToolchain(t, "a")
	// The data "directory" is a file: the cache cannot be saved.
	blocker := filepath.Join(tc.dir, "blocker")
	if err := os.WriteFile(blocker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	tc.cache = filepath.Join(blocker, "runtime-versions.json")
	cat := tc.catalog(t, "X=1", "a")
	for range 2 {
		listed, probed := tc.start(t, cat)
		expect(t, "lists", listed, "a 1.0")
		expect(t, "probes", probed, "a")
	}
}

func TestRuntimeKey(t *testing.T) {
	tc := newToolchain(t, "a")
	rt := tc.catalog(t, "X=1", "a").All()[0]
	lim := DefaultCompilePolicy().Default
	k := runtimeKey(rt, lim)
	if k == "" || k != runtimeKey(rt, lim) {
		t.Fatalf("key %q not stable", k)
	}
	lim2 := lim
	lim2.Memory /= 2
	if runtimeKey(rt, lim2) == k {
		t.Error("the probe's limits are not in the key")
	}
	// The same content written anew with the old mtime, as dpkg
	// reinstalls a package's file: new key (inode, ctime).
	bin := filepath.Join(tc.dir, "bin", "a")
	fi, err := os.Stat(bin)
	if err != nil {
		t.Fatal(err)
	}
	tc.write(t, "a", "1.0")
	if err := os.Chtimes(bin, fi.ModTime(), fi.ModTime()); err != nil {
		t.Fatal(err)
	}
	if runtimeKey(rt, lim) == k {
		t.Error("a binary replaced by a new file keeps its key")
	}
	os.Remove(bin)
	if k := runtimeKey(rt, lim); k != "" {
		t.Errorf("a missing binary has key %q", k)
	}
}

func TestPathIdentityOfAGlob(t *testing.T) {
	// A path that does not exist (a glob's stem) is keyed by its
	// directory, which changes when a file comes or goes. (The test's
	// directory is under /tmp, a box's own: not here.)
	defer func(old []string) { sandboxOnly = old }(sandboxOnly)
	sandboxOnly = []string{WorkDir + "/"}
	dir := t.TempDir()
	stem := filepath.Join(dir, "lib", "k-")
	if err := os.MkdirAll(filepath.Dir(stem), 0o755); err != nil {
		t.Fatal(err)
	}
	before := pathIdentity(stem)
	if before != pathIdentity(stem) || !strings.HasPrefix(before, "missing, in "+filepath.Dir(stem)+" ") {
		t.Fatalf("identity %q", before)
	}
	// The directory's mtime may not move within its granularity: wait
	// for it to.
	time.Sleep(20 * time.Millisecond)
	if err := os.WriteFile(stem+"2.0.jar", nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if pathIdentity(stem) == before {
		t.Error("a file added beside the stem keeps its identity")
	}
}
