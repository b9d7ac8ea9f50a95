// Package bench measures the engine against bare process starts in the
// same run, interleaved so that the machine's drift hits both sides.
//
//	go test -run='^$' -bench=. -benchtime=60x ./test/bench/
package bench

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"testing"
	"time"

	"github.com/coderacer/coderacer/test/testserver"
)

var baseURL string

// TestMain starts one server (default parallelism, warn-level log) through
// the shared black-box harness.
func TestMain(m *testing.M) {
	os.Exit(testserver.Main(m, testserver.Options{
		Name: "bench",
		Env:  map[string]string{"CODERACER_LOG_LEVEL": "warn"},
	}, func(s *testserver.Server) error {
		baseURL = s.URL
		return nil
	}))
}

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}

// BenchmarkPythonHello compares POST /api/v1/execute of print("hi") with
// starting python3 -c 'print("hi")' directly. Each iteration does one of
// each; the reported metrics are medians and their ratio.
func BenchmarkPythonHello(b *testing.B) {
	body, _ := json.Marshal(map[string]any{
		"language": "python3", "entrypoint": "main.py",
		"files": []map[string]string{{"name": "main.py", "content": `print("hi")`}},
	})
	var api, bare []time.Duration
	for b.Loop() {
		start := time.Now()
		resp, err := http.Post(baseURL+"/api/v1/execute", "application/json", bytes.NewReader(body))
		if err != nil {
			b.Fatal(err)
		}
		var out struct{ Stdout, Status string }
		err = json.NewDecoder(resp.Body).Decode(&out)
		resp.Body.Close()
		if err != nil || out.Stdout != "hi\n" {
			b.Fatalf("execute: %v %+v", err, out)
		}
		api = append(api, time.Since(start))

		start = time.Now()
		got, err := exec.Command("/usr/bin/python3", "-c", `print("hi")`).Output()
		if err != nil || string(got) != "hi\n" {
			b.Fatalf("bare python3: %v %q", err, got)
		}
		bare = append(bare, time.Since(start))
	}
	ma, mb := median(api), median(bare)
	b.ReportMetric(float64(ma.Microseconds())/1000, "api-median-ms")
	b.ReportMetric(float64(mb.Microseconds())/1000, "bare-median-ms")
	b.ReportMetric(float64(ma)/float64(mb), "ratio")
	b.ReportMetric(0, "ns/op")
}
