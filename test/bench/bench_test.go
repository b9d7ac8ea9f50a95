// Package bench measures the engine against bare process starts in the
// same run, interleaved so that the machine's drift hits both sides.
//
//	go test -run='^$' -bench=. -benchtime=60x ./test/bench/
package bench

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

var baseURL string

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "coderacer-bench-*")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "coderacer")
	build := exec.Command("go", "build", "-o", bin, "github.com/coderacer/coderacer/cmd/coderacer")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build:", err)
		return 1
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	srv := exec.Command(bin, "serve", "--port", fmt.Sprint(port), "--log-level", "warn")
	srv.Stderr = os.Stderr
	if err := srv.Start(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer func() {
		srv.Process.Signal(os.Interrupt)
		srv.Wait()
	}()
	baseURL = fmt.Sprintf("http://127.0.0.1:%d", port)
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if resp, err := http.Get(baseURL + "/api/v1/health"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			fmt.Fprintln(os.Stderr, "server did not become healthy")
			return 1
		}
	}
	return m.Run()
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
