package attack

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/coderacer/coderacer/test/testserver"
)

// Compilers that read files at compile time (Template Haskell's runIO,
// Rust's include_str!, Nim's staticRead) bake what the compile stage could
// observe into the artifact. What one submitter's compile saw must never be
// served to another whose compile would have seen something else: here the
// compile stage's own limits, as /proc/self/limits shows them. Each attack
// compiles the same source twice with different compile limits; the second
// must be compiled anew and show its own limits. A third request with the
// first's limits must be a cache hit, so the cache still works.
func TestCompileCacheKeyCoversLimits(t *testing.T) {
	type variant struct {
		name, lang, entry string
		src               func(nonce string) string
		// line is the /proc/self/limits line the program prints, and
		// limits sets the compile limit that line shows.
		line   string
		limits func(v int64) testserver.Limits
		values [2]int64
		// soft is the first number the line shows for values[i]
		soft [2]string
	}
	openFiles := func(v int64) testserver.Limits { return testserver.Limits{OpenFiles: v} }
	fileSize := func(v int64) testserver.Limits { return testserver.Limits{FileSizeBytes: v} }
	memory := func(v int64) testserver.Limits { return testserver.Limits{MemoryBytes: v} }
	variants := []variant{
		{
			name: "haskell_template_open_files", lang: "haskell", entry: "main.hs",
			src: func(nonce string) string {
				return `{-# LANGUAGE TemplateHaskell #-}
-- ` + nonce + `
import Data.List (isPrefixOf)
import Language.Haskell.TH.Syntax (lift, runIO)

main :: IO ()
main = putStrLn $(runIO (readFile "/proc/self/limits") >>= \s -> lift (concat [l | l <- lines s, isPrefixOf "Max open files" l]))
`
			},
			line: "Max open files", limits: openFiles,
			values: [2]int64{300, 301}, soft: [2]string{"300", "301"},
		},
		{
			name: "rust_include_str_file_size", lang: "rust", entry: "main.rs",
			src: func(nonce string) string {
				return `// ` + nonce + `
fn main() {
    let limits = include_str!("/proc/self/limits");
    let line = limits.lines().find(|l| l.starts_with("Max file size")).unwrap_or("no line");
    println!("{}", line);
}
`
			},
			line: "Max file size", limits: fileSize,
			values: [2]int64{60 << 20, 61 << 20}, soft: [2]string{fmt.Sprint(60 << 20), fmt.Sprint(61 << 20)},
		},
		{
			name: "nim_static_read_stack", lang: "nim", entry: "main.nim",
			src: func(nonce string) string {
				return `# ` + nonce + `
import strutils
const limits = staticRead("/proc/self/limits")
for line in limits.splitLines():
  if line.startsWith("Max stack size"):
    echo line
`
			},
			line: "Max stack size", limits: memory,
			// The stack limit is the stage's memory limit.
			values: [2]int64{500 << 20, 501 << 20}, soft: [2]string{fmt.Sprint(500 << 20), fmt.Sprint(501 << 20)},
		},
	}
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			testserver.RequireRuntime(t, srv, v.lang)
			src := v.src("nonce " + testserver.RandomHex(16))
			req := func(i int) testserver.Request {
				r := testserver.Single(v.lang, v.entry, src)
				l := v.limits(v.values[i])
				r.CompileLimits = &l
				return r
			}
			want := func(i int) *regexp.Regexp {
				return regexp.MustCompile("^" + regexp.QuoteMeta(v.line) + ` +` + v.soft[i] + ` +`)
			}
			for step, i := range []int{0, 1, 0} {
				r := testserver.MustExecute(t, srv, req(i))
				if r.Status != "OK" {
					t.Fatalf("step %d: status %s: %s", step, r.Status, r)
				}
				if !want(i).MatchString(r.Stdout) {
					t.Errorf("step %d (compile limit %d): the program saw %q: another submission's compile limits were served", step, v.values[i], r.Stdout)
				}
				cached := r.Compile != nil && r.Compile.Cached
				if wantCached := step == 2; cached != wantCached {
					t.Errorf("step %d: compile cached %v, want %v", step, cached, wantCached)
				}
			}
		})
	}
}
