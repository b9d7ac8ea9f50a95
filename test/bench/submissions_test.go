package bench

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coderacer/coderacer/test/testserver"
)

// The rows of asynchronous submissions (/api/v1/submissions). Their
// rounds are long (a thousand requests, or hundreds of jobs), so they run
// min(-benchtime, -bench.submitrounds) rounds.

var submitRounds = flag.Int("bench.submitrounds", 5, "rounds of each submissions benchmark at most (each is 1,000 POSTs, or 2×-bench.submitjobs jobs)")
var submitJobs = flag.Int("bench.submitjobs", 200, "python3 hellos per side in one round of BenchmarkSubmitThroughput")
var submitPoll = flag.Duration("bench.submitpoll", 500*time.Millisecond, "how often BenchmarkSubmitThroughput reads its submissions until all are done")

const (
	acceptN       = 1000 // POSTs of one round of BenchmarkSubmitAccept
	submitClients = 16   // concurrent clients that post
	throughputC   = 8    // concurrent clients of BenchmarkSubmitThroughput's execute side
)

// submission is the part of a submission's view the benchmarks read.
type submission struct {
	Token      string          `json:"token"`
	Status     string          `json:"status"`
	Result     json.RawMessage `json:"result"`
	FinishedAt *time.Time      `json:"finishedAt"`
}

// postSubmission posts body to /api/v1/submissions and returns its token.
func postSubmission(body []byte) (string, error) {
	resp, err := httpClient.Post(baseURL+"/api/v1/submissions", "application/json", bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	var tok struct {
		Token string `json:"token"`
	}
	if resp.StatusCode != http.StatusAccepted || json.Unmarshal(data, &tok) != nil || tok.Token == "" {
		return "", fmt.Errorf("POST /api/v1/submissions: want 202 with a token, got %d: %s", resp.StatusCode, testserver.Shorten(string(data), 500))
	}
	return tok.Token, nil
}

// inParallel runs do(i) for i in [0, n) on c goroutines and returns the
// first error.
func inParallel(n, c int, do func(i int) error) error {
	next := make(chan int)
	errs := make([]error, c)
	var wg sync.WaitGroup
	for w := range c {
		wg.Go(func() {
			for i := range next {
				if err := do(i); err != nil && errs[w] == nil {
					errs[w] = err
				}
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	return errors.Join(errs...)
}

// submitAll posts body n times from submitClients clients and returns the
// tokens and the wall time until the last 202.
func submitAll(n int, body []byte) ([]string, time.Duration, error) {
	tokens := make([]string, n)
	start := time.Now()
	err := inParallel(n, submitClients, func(i int) error {
		var err error
		tokens[i], err = postSubmission(body)
		return err
	})
	return tokens, time.Since(start), err
}

// readSubmissions reads tokens, 20 a request (the server's batch bound).
func readSubmissions(tokens []string) ([]submission, error) {
	var all []submission
	for i := 0; i < len(tokens); i += 20 {
		q := url.QueryEscape(strings.Join(tokens[i:min(i+20, len(tokens))], ","))
		resp, err := httpClient.Get(baseURL + "/api/v1/submissions/batch?tokens=" + q)
		if err != nil {
			return nil, err
		}
		data, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return nil, err
		}
		var out struct {
			Submissions []submission `json:"submissions"`
		}
		if resp.StatusCode != http.StatusOK || json.Unmarshal(data, &out) != nil {
			return nil, fmt.Errorf("GET batch: %d: %s", resp.StatusCode, testserver.Shorten(string(data), 500))
		}
		all = append(all, out.Submissions...)
	}
	return all, nil
}

// waitAll polls tokens every interval until all are over (at most
// timeout) and returns their last views.
func waitAll(tokens []string, interval, timeout time.Duration) ([]submission, error) {
	deadline := time.Now().Add(timeout)
	for {
		views, err := readSubmissions(tokens)
		if err != nil {
			return nil, err
		}
		left := 0
		for _, v := range views {
			if v.Status != "done" && v.Status != "cancelled" {
				left++
			}
		}
		if left == 0 {
			return views, nil
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("%d of %d submissions not over after %v", left, len(tokens), timeout)
		}
		time.Sleep(interval)
	}
}

// cancelAll cancels what is still queued of tokens (a running or done
// one answers 409, which is fine) and waits for all to be over, so that a
// round leaves no backlog to the next measurement.
func cancelAll(tokens []string) error {
	err := inParallel(len(tokens), submitClients, func(i int) error {
		req, err := http.NewRequest(http.MethodDelete, baseURL+"/api/v1/submissions/"+tokens[i], nil)
		if err != nil {
			return err
		}
		resp, err := httpClient.Do(req)
		if err != nil {
			return err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusConflict {
			return fmt.Errorf("DELETE /api/v1/submissions/%s: %d", tokens[i], resp.StatusCode)
		}
		return nil
	})
	if err != nil {
		return err
	}
	_, err = waitAll(tokens, 200*time.Millisecond, 2*time.Minute)
	return err
}

// BenchmarkSubmitAccept: 1,000 POST /api/v1/submissions of a python3
// hello from 16 clients at once; the time until the last 202. After each
// round what is still queued is cancelled and the rest waited for.
func BenchmarkSubmitAccept(b *testing.B) {
	body := request("python3", "main.py", pythonHello)
	mustPost(b, body, "hi\n")
	var took []time.Duration
	for range min(b.N, *submitRounds) {
		tokens, d, err := submitAll(acceptN, body)
		if err != nil {
			b.Fatal(err)
		}
		took = append(took, d)
		if err := cancelAll(tokens); err != nil {
			b.Fatal(err)
		}
	}
	m := median(took)
	b.ReportMetric(ms(m), "accept-1000-ms")
	b.ReportMetric(acceptN/m.Seconds(), "accepted-per-s")
	after := rssNow(b)
	b.ReportMetric(0, "ns/op")
	record("submitaccept", row{
		engine: fmt.Sprintf("%.0f ms", ms(m)), bare: "–",
		value: fmt.Sprintf("%.2f s (%.0f /s)", m.Seconds(), acceptN/m.Seconds()), met: m < 2*time.Second,
		detail: fmt.Sprintf("%d rounds of %d POSTs from %d clients; every round's queue cancelled after", len(took), acceptN, submitClients) + afterNote(after),
	})
}

// executeRound runs n python3 hellos through /api/v1/execute from
// throughputC clients and returns the completions per second.
func executeRound(n int, body []byte) (float64, error) {
	start := time.Now()
	err := inParallel(n, throughputC, func(int) error {
		_, _, err := post(body, "hi\n")
		return err
	})
	return float64(n) / time.Since(start).Seconds(), err
}

// submitRound posts n python3 hellos as submissions, waits until all are
// done (polling every -bench.submitpoll) and returns the completions per second: n
// over the time from the first POST to the last finishedAt.
func submitRound(n int, body []byte) (float64, error) {
	start := time.Now()
	tokens, _, err := submitAll(n, body)
	if err != nil {
		return 0, err
	}
	views, err := waitAll(tokens, *submitPoll, 5*time.Minute)
	if err != nil {
		return 0, err
	}
	last := start
	for _, v := range views {
		var r testserver.Response
		if v.Status != "done" || json.Unmarshal(v.Result, &r) != nil || r.Status != "OK" || r.Stdout != "hi\n" {
			return 0, fmt.Errorf("submission %s: want done, status OK, stdout hi: %s %s", v.Token, v.Status, testserver.Shorten(string(v.Result), 500))
		}
		if v.FinishedAt != nil && v.FinishedAt.After(last) {
			last = *v.FinishedAt
		}
	}
	return float64(n) / last.Sub(start).Seconds(), nil
}

// BenchmarkSubmitThroughput compares the python3 hellos per second of
// POST /submissions + completion with those of /api/v1/execute: each
// round runs -bench.submitjobs of each, the execute side from 8 clients,
// the submissions posted from 16 clients then polled until done; the
// engine side first in even rounds. The ratio is of the medians.
func BenchmarkSubmitThroughput(b *testing.B) {
	body := request("python3", "main.py", pythonHello)
	mustPost(b, body, "hi\n")
	var subs, execs []float64
	for i := range min(b.N, *submitRounds) {
		interleave(i, func() {
			r, err := submitRound(*submitJobs, body)
			if err != nil {
				b.Fatal(err)
			}
			subs = append(subs, r)
		}, func() {
			r, err := executeRound(*submitJobs, body)
			if err != nil {
				b.Fatal(err)
			}
			execs = append(execs, r)
		})
	}
	sub, exe := medianFloat(subs), medianFloat(execs)
	ratio := sub / exe
	b.ReportMetric(sub, "submit-per-s")
	b.ReportMetric(exe, "execute-per-s")
	b.ReportMetric(ratio, "submit-throughput-ratio")
	after := rssNow(b)
	b.ReportMetric(0, "ns/op")
	record("submitthroughput", row{
		engine: fmt.Sprintf("%.1f /s", sub), bare: fmt.Sprintf("%.1f /s (execute)", exe),
		value: fmt.Sprintf("%.2f", ratio), met: ratio >= 0.85,
		detail: fmt.Sprintf("%d rounds of %d jobs per side; execute from %d clients, submissions posted from %d, polled", len(subs), *submitJobs, throughputC, submitClients) + afterNote(after),
	})
}
