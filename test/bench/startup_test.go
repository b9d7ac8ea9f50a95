package bench

import (
	"encoding/json"
	"flag"
	"fmt"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coderacer/coderacer/test/testserver"
)

// The start-up rows (issue 19): time from `coderacer serve` to its first
// 200 from GET /api/v1/health, cold (an empty data directory: every
// version probed in the sandbox) and warm (the data directory of an
// earlier start: versions from its version cache), interleaved. The
// probes of a cold start run after the server answers, and the runtime
// lists wait for them: so each start also times, from the same instant,
// the three lists asked for right after health (what a Piston client
// reads first), every runtime of the machine in them. Each start is a
// server of its own beside the shared one (idle meanwhile), with the
// shared one's settings, and stopped before the next.

var startups = flag.Int("bench.startups", 5, "starts of each kind (cold, warm) for the start-up rows")

// startupTarget is the target of a start, cold or warm, to health.
const startupTarget = time.Second

// timedStart starts a server on data, returns its time to health, its
// time to the runtime lists (asked for once healthy) and the lists, and
// stops it.
func timedStart(b *testing.B, name, data string) (health, listed time.Duration, lists map[string]string) {
	b.Helper()
	env := map[string]string{"CODERACER_DATA_DIR": data, "CODERACER_LOG_LEVEL": "warn",
		"CODERACER_PARALLELISM": strconv.Itoa(runtime.NumCPU())}
	begin := time.Now()
	s, health, err := testserver.StartTimed(srv.Bin, srv.Root, testserver.Options{Name: name, Env: env}, testserver.HealthTimeout)
	if err != nil {
		b.Fatal(err)
	}
	lists, err = testserver.RuntimeLists(s)
	listed = time.Since(begin)
	if stopErr := s.Stop(testserver.StopTimeout); stopErr != nil {
		b.Error(stopErr)
	}
	if err != nil {
		b.Fatal(err)
	}
	return health, listed, lists
}

// BenchmarkStartup: cold and warm starts, interleaved; every start's
// runtime lists (v1, Piston v2, Judge0) must be the first cold start's.
func BenchmarkStartup(b *testing.B) {
	root := b.TempDir()
	warmDir := filepath.Join(root, "warm")
	// The warm side's cache is made by a start that is not counted.
	_, _, want := timedStart(b, "startup-prime", warmDir)
	var cold, warm, coldLists, warmLists []time.Duration
	check := func(kind string, lists map[string]string) {
		for path, body := range want {
			if lists[path] != body {
				b.Fatalf("%s start: GET %s differs from the first start's:\n%s\nwant:\n%s", kind, path,
					testserver.Shorten(lists[path], 2000), testserver.Shorten(body, 2000))
			}
		}
	}
	// Each iteration up to -bench.startups is a cold and a warm start;
	// the rest (of -benchtime's count) do nothing.
	i := 0
	for b.Loop() {
		if i >= *startups {
			continue
		}
		interleave(i, func() {
			took, listed, lists := timedStart(b, "startup-warm", warmDir)
			check("warm", lists)
			warm, warmLists = append(warm, took), append(warmLists, listed)
		}, func() {
			took, listed, lists := timedStart(b, "startup-cold", filepath.Join(root, fmt.Sprint("cold-", i)))
			check("cold", lists)
			cold, coldLists = append(cold, took), append(coldLists, listed)
		})
		i++
	}
	mw, mc := median(warm), median(cold)
	mwl, mcl := median(warmLists), median(coldLists)
	b.ReportMetric(ms(mw), "warm-median-ms")
	b.ReportMetric(ms(mc), "cold-median-ms")
	b.ReportMetric(ms(mwl), "warm-lists-median-ms")
	b.ReportMetric(ms(mcl), "cold-lists-median-ms")
	b.ReportMetric(0, "ns/op")
	var rts []testserver.RuntimeInfo
	if err := json.Unmarshal([]byte(want["/api/v1/runtimes"]), &rts); err != nil {
		b.Fatal(err)
	}
	detail := fmt.Sprintf("%d starts of each kind, interleaved, %d runtimes, parallelism %d; to health: warm %s, cold %s; to the runtime lists: warm %s, cold %s",
		len(warm), len(rts), runtime.NumCPU(), msList(warm), msList(cold), msList(warmLists), msList(coldLists))
	record("startupwarm", row{engine: fmt.Sprintf("%.0f ms", ms(mw)), value: fmt.Sprintf("%.0f ms", ms(mw)),
		met: mw <= startupTarget, detail: detail})
	record("startupcold", row{engine: fmt.Sprintf("%.0f ms", ms(mc)), value: fmt.Sprintf("%.0f ms", ms(mc)),
		met: mc <= startupTarget})
	record("startuplists", row{engine: fmt.Sprintf("%.0f ms", ms(mcl)), value: fmt.Sprintf("%.0f ms", ms(mcl))})
}

// msList is each duration in milliseconds, in the order measured.
func msList(d []time.Duration) string {
	var parts []string
	for _, x := range d {
		parts = append(parts, fmt.Sprintf("%.0f", ms(x)))
	}
	return strings.Join(parts, ", ") + " ms"
}
