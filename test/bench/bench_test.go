package bench

import (
	"context"
	"flag"
	"fmt"
	"os/exec"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coderacer/coderacer/test/testserver"
)

// The benchmarks run in the order they are declared here; the idle memory
// comes first, on a server that has done nothing but one warm-up request.

var (
	idleWait = flag.Duration("bench.idle", 2*time.Second, "how long the server is left idle before its memory is measured")
	window   = flag.Duration("bench.window", time.Second, "duration of each side's window in one round of BenchmarkThroughput")
)

const (
	pythonHello = `print("hi")`
	cHello      = "#include <stdio.h>\n\nint main(void) {\n\tputs(\"hi\");\n\treturn 0;\n}\n"
	goHello     = "package main\n\nimport \"fmt\"\n\nfunc main() {\n\tfmt.Println(\"hi\")\n}\n"
	throughputN = 4 // concurrent clients, and bare workers
)

// tagged is src after a comment line that makes it unique (no compile
// cache can hold it); prefix is the language's line comment.
func tagged(prefix, what string, i int, src string) string {
	return fmt.Sprintf("%s %s %d %s\n%s", prefix, what, i, testserver.RandomHex(8), src)
}

// rssNow reports the server's memory right after a benchmark (not idle):
// how it grew with what the benchmark made it do.
func rssNow(b *testing.B) float64 {
	m := measureTree(srv.PID)
	b.ReportMetric(mib(m.RSSKiB), "after-rss-MiB")
	return mib(m.RSSKiB)
}

func afterNote(rss float64) string {
	return fmt.Sprintf("; server RSS (all processes) right after: %.1f MiB", rss)
}

// BenchmarkIdleMemory sums the memory of the server and every process
// below it (the started sandboxes' inits) once it has answered one
// request, its pool is back to its warm box (the others stop after the
// default idle timeout, a minute) and it then stayed idle for -bench.idle.
// Each iteration is one sample, 25 ms apart.
func BenchmarkIdleMemory(b *testing.B) {
	mustPost(b, request("python3", "main.py", pythonHello), "hi\n")
	busy := measureTree(srv.PID)
	start := time.Now()
	for deadline := start.Add(3 * time.Minute); ; time.Sleep(250 * time.Millisecond) {
		started, err := metricValue(srv.URL, "coderacer_sandboxes_started")
		if err == nil && started == 1 {
			break
		}
		if time.Now().After(deadline) {
			b.Fatalf("still %v sandboxes started (%v) 3 minutes after the request", started, err)
		}
	}
	waited := time.Since(start)
	time.Sleep(*idleWait)
	var rss, pss, root []float64
	procs := 0
	for b.Loop() {
		m := measureTree(srv.PID)
		rss = append(rss, mib(m.RSSKiB))
		pss = append(pss, mib(m.PSSKiB))
		root = append(root, mib(m.RootRSS))
		procs = m.Processes
		time.Sleep(25 * time.Millisecond)
	}
	r, p, s := medianFloat(rss), medianFloat(pss), medianFloat(root)
	b.ReportMetric(r, "idle-rss-MiB")
	b.ReportMetric(p, "idle-pss-MiB")
	b.ReportMetric(s, "server-rss-MiB")
	b.ReportMetric(float64(procs), "processes")
	b.ReportMetric(0, "ns/op")
	record("memory", row{
		engine: fmt.Sprintf("%.1f MiB RSS", r), bare: "–",
		value: fmt.Sprintf("%.1f MiB (PSS %.1f)", r, p), met: r <= 40,
		detail: fmt.Sprintf("%d processes; the server process alone %.1f MiB RSS; PSS of all %.1f MiB; right after the request (the start-up's probes had started every box) %.1f MiB in %d processes, back to the warm box %v later",
			procs, s, p, mib(busy.RSSKiB), busy.Processes, waited.Round(time.Second)),
	})
}

// pairsPerIteration is how many samples of each side the two rows of
// small fixed costs (python3 hello, the fixed cost) take per iteration.
// On this noisy 2-core host, medians of 40 python3 starts gave ratios
// from 0.91 to 1.11 in six runs; of 400, from 1.050 to 1.062 in five, in
// 17 s each.
const pairsPerIteration = 10

// BenchmarkPythonHello compares POST /api/v1/execute of print("hi") with
// starting python3 -c 'print("hi")' directly. Each iteration does
// pairsPerIteration of each; the reported metrics are medians and their
// ratio.
func BenchmarkPythonHello(b *testing.B) {
	body := request("python3", "main.py", pythonHello)
	mustPost(b, body, "hi\n") // warm-up
	var eng samples
	var bare []time.Duration
	interleaveLoop(b, pairsPerIteration, func() {
		r, d := mustPost(b, body, "hi\n")
		eng.add(r, d)
	}, func() {
		d, err := bareRun("", nil, "hi\n", "/usr/bin/python3", "-c", pythonHello)
		if err != nil {
			b.Fatal(err)
		}
		bare = append(bare, d)
	})
	ma, mb := reportMedians(b, eng.roundTrip, bare)
	ratio := float64(ma) / float64(mb)
	b.ReportMetric(ratio, "ratio")
	eng.report(b)
	after := rssNow(b)
	b.ReportMetric(0, "ns/op")
	record("python", row{
		engine: fmt.Sprintf("%.2f ms", ms(ma)), bare: fmt.Sprintf("%.2f ms", ms(mb)),
		value: fmt.Sprintf("%.2f", ratio), met: ratio <= 1.08, detail: eng.breakdown() + afterNote(after),
	})
}

// BenchmarkFixedCost is the engine's cost per run besides the program:
// the same C hello is compiled once through the API and once on the host;
// then each iteration posts that source again (a compile cache hit where
// the server has one; otherwise it compiles again, which compile.wallTime
// and cached-fraction show) and execs the host's binary, pairsPerIteration
// times each. fixed-cost-ms is median(round trip) − median(bare exec);
// sandbox-cost-ms is median(the run stage's wallTime) − median(bare
// exec); nocompile-cost-ms takes the compile stage out of each round trip
// first (what the cost would be with a cache hit when the server
// compiled).
func BenchmarkFixedCost(b *testing.B) {
	src := tagged("//", "fixed cost", 0, cHello)
	body := request("c", "main.c", src)
	mustPost(b, body, "hi\n") // compiles (and caches) it
	tc, err := loadBareToolchain("c", b.TempDir(), "main.c")
	if err != nil {
		b.Fatal(err)
	}
	if _, _, err := tc.compileAndRun("main.c", src, "hi\n"); err != nil {
		b.Fatal(err)
	}
	var eng samples
	var bare []time.Duration
	interleaveLoop(b, pairsPerIteration, func() {
		r, d := mustPost(b, body, "hi\n")
		eng.add(r, d)
	}, func() {
		d, err := bareRun(tc.Dir, tc.Env, "hi\n", tc.Run...)
		if err != nil {
			b.Fatal(err)
		}
		bare = append(bare, d)
	})
	ma, mb := reportMedians(b, eng.roundTrip, bare)
	fixed := ma - mb
	b.ReportMetric(ms(fixed), "fixed-cost-ms")
	b.ReportMetric(ms(median(eng.wall)-mb), "sandbox-cost-ms")
	b.ReportMetric(ms(median(eng.withoutCompile())-mb), "nocompile-cost-ms")
	eng.report(b)
	after := rssNow(b)
	b.ReportMetric(0, "ns/op")
	record("fixed", row{
		engine: fmt.Sprintf("%.2f ms", ms(ma)), bare: fmt.Sprintf("%.2f ms", ms(mb)),
		value: fmt.Sprintf("%.2f ms", ms(fixed)), met: fixed <= 500*time.Microsecond,
		detail: fmt.Sprintf("sandbox cost (run wallTime − bare) %.2f ms; round trip without the compile stage − bare %.2f ms; %s",
			ms(median(eng.wall)-mb), ms(median(eng.withoutCompile())-mb), eng.breakdown()) + afterNote(after),
	})
}

// throughputRound runs do on n workers until d has passed and returns the
// completions per second: completed jobs over the time until the last
// worker finished its last job.
func throughputRound(n int, d time.Duration, do func() error) (float64, error) {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var (
		count    atomic.Int64
		wg       sync.WaitGroup
		errOnce  sync.Once
		firstErr error
	)
	start := time.Now()
	for range n {
		wg.Go(func() {
			for ctx.Err() == nil {
				if err := do(); err != nil {
					errOnce.Do(func() { firstErr = err; cancel() })
					return
				}
				count.Add(1)
			}
		})
	}
	wg.Wait()
	if firstErr != nil {
		return 0, firstErr
	}
	return float64(count.Load()) / time.Since(start).Seconds(), nil
}

// BenchmarkThroughput compares the python3 hellos per second that 4
// concurrent clients get from the server (CODERACER_PARALLELISM = the
// number of CPUs) with the python3 -c starts per second of 4 bare
// workers. Each iteration is one round: a -bench.window of each side, the
// engine first in even rounds. The ratio is of the medians over rounds.
func BenchmarkThroughput(b *testing.B) {
	body := request("python3", "main.py", pythonHello)
	mustPost(b, body, "hi\n")
	var eng, bare []float64
	i := 0
	for b.Loop() {
		interleave(i, func() {
			r, err := throughputRound(throughputN, *window, func() error {
				_, _, err := post(body, "hi\n")
				return err
			})
			if err != nil {
				b.Fatal(err)
			}
			eng = append(eng, r)
		}, func() {
			r, err := throughputRound(throughputN, *window, func() error {
				_, err := bareRun("", nil, "hi\n", "/usr/bin/python3", "-c", pythonHello)
				return err
			})
			if err != nil {
				b.Fatal(err)
			}
			bare = append(bare, r)
		})
		i++
	}
	me, mb := medianFloat(eng), medianFloat(bare)
	ratio := me / mb
	b.ReportMetric(me, "api-per-s")
	b.ReportMetric(mb, "bare-per-s")
	b.ReportMetric(ratio, "throughput-ratio")
	after := rssNow(b)
	b.ReportMetric(0, "ns/op")
	record("throughput", row{
		engine: fmt.Sprintf("%.1f /s", me), bare: fmt.Sprintf("%.1f /s", mb),
		value: fmt.Sprintf("%.2f", ratio), met: ratio >= 0.88,
		detail: fmt.Sprintf("%d rounds of %v per side, %d clients / workers", len(eng), *window, throughputN) + afterNote(after),
	})
}

// compiledBench compares posting a hello of a compiled language with
// compiling and running it on the host with the runtime's own command and
// environment (runtimes/<lang>.json). With unique, every iteration posts
// a new source (a comment differs), which no cache can hold; otherwise the
// same source every time, compiled once before. Both sides compile and
// run once before measuring (which fills Go's build cache on the host and
// the compile cache of the server).
func compiledBench(b *testing.B, key, lang, entry, comment, src string, unique bool, target float64) {
	tc, err := loadBareToolchain(lang, b.TempDir(), entry)
	if err != nil {
		b.Fatal(err)
	}
	fixed := tagged(comment, key, 0, src)
	mustPost(b, request(lang, entry, fixed), "hi\n") // warm-up; compiles and caches fixed
	if _, _, err := tc.compileAndRun(entry, fixed, "hi\n"); err != nil {
		b.Fatal(err) // warms the bare side (Go's build cache)
	}
	var eng samples
	var bare, bareCompile []time.Duration
	i := 0
	for b.Loop() {
		engSrc, bareSrc := fixed, fixed
		if unique {
			engSrc = tagged(comment, key+" engine", i, src)
			bareSrc = tagged(comment, key+" bare", i, src)
		}
		body := request(lang, entry, engSrc)
		interleave(i, func() {
			r, d := mustPost(b, body, "hi\n")
			eng.add(r, d)
		}, func() {
			d, c, err := tc.compileAndRun(entry, bareSrc, "hi\n")
			if err != nil {
				b.Fatal(err)
			}
			bare = append(bare, d)
			bareCompile = append(bareCompile, c)
		})
		i++
	}
	ma, mb := reportMedians(b, eng.roundTrip, bare)
	ratio := float64(ma) / float64(mb)
	b.ReportMetric(ratio, "ratio")
	b.ReportMetric(ms(median(bareCompile)), "bare-compile-ms")
	eng.report(b)
	after := rssNow(b)
	b.ReportMetric(0, "ns/op")
	record(key, row{
		engine: fmt.Sprintf("%.1f ms", ms(ma)), bare: fmt.Sprintf("%.1f ms", ms(mb)),
		value: fmt.Sprintf("%.2f", ratio), met: ratio <= target,
		detail: fmt.Sprintf("bare compiler %.1f ms (%s); %s", ms(median(bareCompile)), filepath.Base(tc.Compile[0]), eng.breakdown()) + afterNote(after),
	})
}

// BenchmarkCCompileRun: a new C hello every iteration through the API vs
// gcc (runtimes/c.json's flags) + run on the host.
func BenchmarkCCompileRun(b *testing.B) {
	compiledBench(b, "c", "c", "main.c", "//", cHello, true, 1.2)
}

// BenchmarkCCacheHit: the same C hello posted again and again (a compile
// cache hit where the server has a cache) vs gcc + run on the host.
func BenchmarkCCacheHit(b *testing.B) {
	compiledBench(b, "ccache", "c", "main.c", "//", cHello, false, 0.5)
}

// BenchmarkGoCompileRun: a new Go hello every iteration through the API vs
// /usr/bin/go build + run on the host with runtimes/go.json's environment
// and a build cache warmed before measuring.
func BenchmarkGoCompileRun(b *testing.B) {
	if _, err := exec.LookPath("/usr/bin/go"); err != nil {
		b.Skip("no /usr/bin/go (golang-go)")
	}
	compiledBench(b, "go", "go", "main.go", "//", goHello, true, 1.3)
}
