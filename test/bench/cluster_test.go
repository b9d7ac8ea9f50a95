package bench

import (
	"encoding/json"
	"flag"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/coderacer/coderacer/test/testserver"
)

// The rows of scaling out (issue 16). Their nodes are started by each
// benchmark (clusternodes_test.go) and stopped before it returns.

var (
	clusterRounds = flag.Int("bench.clusterrounds", 3, "rounds of each side of BenchmarkClusterSpread at most (min(-benchtime, this)); each is -bench.spreadjobs sleeping jobs")
	spreadJobs    = flag.Int("bench.spreadjobs", 32, "python3 programs that sleep in one round of BenchmarkClusterSpread")
	spreadSleep   = flag.Duration("bench.spreadsleep", 500*time.Millisecond, "how long each program of BenchmarkClusterSpread sleeps")
	spreadClients = flag.Int("bench.spreadclients", 16, "concurrent clients of BenchmarkClusterSpread (enough to fill both workers' slots)")
)

// spreadSlots is each worker's slots (CODERACER_PARALLELISM) in
// BenchmarkClusterSpread.
const spreadSlots = 4

// sleeperBody is a python3 program that sleeps d then prints marker.
func sleeperBody(d time.Duration, marker string) []byte {
	body, err := json.Marshal(testserver.Request{
		Language: "python3", Entrypoint: "main.py",
		Files:  []testserver.File{{Name: "main.py", Content: fmt.Sprintf("import time\ntime.sleep(%g)\nprint(%q)\n", d.Seconds(), marker)}},
		Limits: &testserver.Limits{WallTimeMs: d.Milliseconds() + 10000},
	})
	if err != nil {
		panic(err)
	}
	return body
}

// spreadRound sends -bench.spreadjobs sleeping programs through url from
// -bench.spreadclients clients and returns the completions per second.
func spreadRound(url string, round int) (float64, error) {
	n := *spreadJobs
	start := time.Now()
	err := inParallel(n, *spreadClients, func(i int) error {
		marker := fmt.Sprintf("spread-%d-%d", round, i)
		_, err := postTo(url, sleeperBody(*spreadSleep, marker), marker+"\n")
		return err
	})
	return float64(n) / time.Since(start).Seconds(), err
}

// spreadRounds runs rounds rounds through url and returns their rates.
func spreadRounds(b *testing.B, url string, rounds int) []float64 {
	var rates []float64
	for i := range rounds {
		r, err := spreadRound(url, i)
		if err != nil {
			b.Fatal(err)
		}
		rates = append(rates, r)
	}
	return rates
}

// BenchmarkClusterSpread: an API node and a hub worker of 4 slots; the
// jobs per second of sleeping python3 programs sent through the API node,
// then the same once a second worker of 4 slots has joined (the API node
// lists 2 workers). The programs sleep, so the 2 CPUs are not the limit:
// two workers should complete twice the jobs per second of one.
func BenchmarkClusterSpread(b *testing.B) {
	c, err := startCluster(spreadSlots)
	if err != nil {
		b.Fatal(err)
	}
	defer func() {
		if err := c.stop(); err != nil {
			b.Error(err)
		}
	}()
	if _, err := postTo(c.api.URL, sleeperBody(0, "warm"), "warm\n"); err != nil {
		b.Fatal(err)
	}
	rounds := min(b.N, *clusterRounds)
	one := spreadRounds(b, c.api.URL, rounds)
	if _, err := c.join("w2", "worker", spreadSlots); err != nil {
		b.Fatal(err)
	}
	if err := waitWorkers(c.api, 2); err != nil {
		b.Fatal(err)
	}
	two := spreadRounds(b, c.api.URL, rounds)
	m1, m2 := medianFloat(one), medianFloat(two)
	ratio := m2 / m1
	b.ReportMetric(m1, "one-worker-per-s")
	b.ReportMetric(m2, "two-workers-per-s")
	b.ReportMetric(ratio, "spread-ratio")
	b.ReportMetric(0, "ns/op")
	ideal := float64(spreadSlots) / spreadSleep.Seconds()
	record("spread", row{
		engine: fmt.Sprintf("%.2f /s (2 workers)", m2), bare: fmt.Sprintf("%.2f /s (1 worker)", m1),
		value: fmt.Sprintf("%.2f", ratio), met: ratio >= 1.8 && ratio <= 2.2,
		detail: fmt.Sprintf("%d rounds per side of %d programs sleeping %v from %d clients, one worker's rounds first; one worker's ceiling %.1f /s; rates one worker %s, two %s",
			rounds, *spreadJobs, *spreadSleep, *spreadClients, ideal, rates(one), rates(two)),
	})
}

func rates(r []float64) string {
	s := ""
	for i, v := range r {
		if i > 0 {
			s += " "
		}
		s += fmt.Sprintf("%.2f", v)
	}
	return s
}

// BenchmarkClusterLatency: the cost of the cluster's path. Each iteration
// posts a python3 hello to an API node whose one worker has as many slots
// as the shared server (the number of CPUs), and the same to the shared
// `--role all` server, one after the other (interleaved). Informative: no
// target.
func BenchmarkClusterLatency(b *testing.B) {
	c, err := startCluster(runtime.NumCPU())
	if err != nil {
		b.Fatal(err)
	}
	defer func() {
		if err := c.stop(); err != nil {
			b.Error(err)
		}
	}()
	body := request("python3", "main.py", pythonHello)
	var viaCluster, single []time.Duration
	for _, url := range []string{c.api.URL, baseURL} { // warm-up
		if _, err := postTo(url, body, "hi\n"); err != nil {
			b.Fatal(err)
		}
	}
	i := 0
	for b.Loop() {
		interleave(i, func() {
			viaCluster = append(viaCluster, mustPostTo(b, c.api.URL, body))
		}, func() {
			single = append(single, mustPostTo(b, baseURL, body))
		})
		i++
	}
	mc, ms1 := median(viaCluster), median(single)
	ratio := float64(mc) / float64(ms1)
	b.ReportMetric(ms(mc), "cluster-median-ms")
	b.ReportMetric(ms(ms1), "all-median-ms")
	b.ReportMetric(ratio, "ratio")
	b.ReportMetric(0, "ns/op")
	record("clusterlatency", row{
		engine: fmt.Sprintf("%.2f ms", ms(mc)), bare: fmt.Sprintf("%.2f ms (--role all)", ms(ms1)),
		value: fmt.Sprintf("%.2f (+%.2f ms)", ratio, ms(mc-ms1)), met: true,
		detail: fmt.Sprintf("%d sequential requests per side, interleaved; the worker has %d slots like the single server", len(single), runtime.NumCPU()),
	})
}

func mustPostTo(b *testing.B, url string, body []byte) time.Duration {
	b.Helper()
	d, err := postTo(url, body, "hi\n")
	if err != nil {
		b.Fatal(err)
	}
	return d
}
