package bench

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coderacer/coderacer/test/testserver"
)

// The idle memory rows of big machines (issue 19): a server of 16 and one
// of 64 slots, each beside the shared one (idle meanwhile), answers one
// python3 hello and then idles until its pool is back to its warm box;
// the memory of the server and all its processes is then sampled. The
// servers run with CODERACER_BOX_IDLE_TIMEOUT=5s, so that the steady
// idle state comes in seconds rather than the default minute: the
// timeout says how soon the boxes beyond the warm one stop, not what the
// idle server holds.

var idleSlots = flag.String("bench.idleslots", "16,64", "parallelism of the servers whose idle memory is measured (comma-separated)")

// idleTimeout is the idle servers' CODERACER_BOX_IDLE_TIMEOUT.
const idleTimeout = 5 * time.Second

// BenchmarkIdleMemoryScale measures, for each -bench.idleslots, the idle
// memory of a server of that parallelism: the target is 40 MiB + 1 MiB a
// slot. Each iteration is one sample of each, 25 ms apart.
func BenchmarkIdleMemoryScale(b *testing.B) {
	var slots []int
	for _, f := range strings.Split(*idleSlots, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			b.Fatalf("-bench.idleslots: %q", f)
		}
		slots = append(slots, n)
	}
	for _, n := range slots {
		s, waited := idleServer(b, n)
		var rss, pss []float64
		procs := 0
		for i := 0; i < b.N && i < 40; i++ {
			m := measureTree(s.PID)
			rss, pss = append(rss, mib(m.RSSKiB)), append(pss, mib(m.PSSKiB))
			procs = m.Processes
			time.Sleep(25 * time.Millisecond)
		}
		if err := s.Stop(testserver.StopTimeout); err != nil {
			b.Error(err)
		}
		r, p := medianFloat(rss), medianFloat(pss)
		target := 40 + float64(n)
		b.ReportMetric(r, fmt.Sprintf("idle-rss-MiB-%d", n))
		record(fmt.Sprint("memory", n), row{
			engine: fmt.Sprintf("%.1f MiB RSS", r), bare: "–",
			value: fmt.Sprintf("%.1f MiB (PSS %.1f)", r, p), met: r <= target,
			detail: fmt.Sprintf("%d slots: %d processes once idle (%v after its request); PSS of all %.1f MiB", n, procs, waited.Round(time.Second), p),
		})
	}
	b.ReportMetric(0, "ns/op")
}

// idleServer starts a server of n slots, has it answer one python3 hello,
// and waits until it has only its warm box left; it returns the server
// and how long the wait took.
func idleServer(b *testing.B, n int) (*testserver.Server, time.Duration) {
	b.Helper()
	env := map[string]string{"CODERACER_PARALLELISM": strconv.Itoa(n), "CODERACER_LOG_LEVEL": "warn",
		"CODERACER_BOX_IDLE_TIMEOUT": idleTimeout.String()}
	s, err := testserver.Start(srv.Bin, srv.Root, testserver.Options{Name: fmt.Sprint("idle-", n), Env: env})
	if err != nil {
		b.Fatal(err)
	}
	if err := s.WaitHealthy(testserver.HealthTimeout); err != nil {
		b.Fatalf("%v\n%s", err, s.LogTail(8<<10))
	}
	resp, err := httpClient.Post(s.URL+"/api/v1/execute", "application/json", bytes.NewReader(request("python3", "main.py", pythonHello)))
	if err != nil {
		b.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b.Fatalf("idle server of %d slots: POST answered %d", n, resp.StatusCode)
	}
	start := time.Now()
	for deadline := start.Add(idleTimeout + time.Minute); ; time.Sleep(250 * time.Millisecond) {
		started, err := metricValue(s.URL, "coderacer_sandboxes_started")
		if err == nil && started == 1 {
			break
		}
		if time.Now().After(deadline) {
			b.Fatalf("idle server of %d slots: still %v sandboxes started (%v) a minute past the idle timeout", n, started, err)
		}
	}
	return s, time.Since(start)
}

// metricValue reads one unlabelled metric of a server's /metrics.
func metricValue(url, name string) (float64, error) {
	resp, err := httpClient.Get(url + "/metrics")
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), name+" "); ok {
			return strconv.ParseFloat(v, 64)
		}
	}
	return 0, fmt.Errorf("%s not in /metrics", name)
}
