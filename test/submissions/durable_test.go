package submissions

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/coderacer/coderacer/test/testserver"
)

// job is one submission of the durability test and the line it must
// print: a marker no other job prints, so a mixed-up result shows.
type job struct {
	req    testserver.Request
	marker string
}

// durableJobs makes n jobs: the first 6 sleep 1 s (they are running when
// the server is killed), every 25th sleeps 0.5 s, every 10th is a C hello
// (compiled: a unique source each), the rest Python hellos.
func durableJobs(n int) []job {
	jobs := make([]job, n)
	for i := range jobs {
		m := fmt.Sprintf("durable-%03d-%s", i, testserver.RandomHex(6))
		switch {
		case i < 6:
			jobs[i] = job{sleeper(time.Second, m), m}
		case i%25 == 0:
			jobs[i] = job{sleeper(500*time.Millisecond, m), m}
		case i%10 == 0:
			jobs[i] = job{testserver.C(fmt.Sprintf("#include <stdio.h>\nint main(void){puts(%q);return 0;}\n", m)), m}
		default:
			jobs[i] = job{testserver.Python("print(" + jsonString(m) + ")"), m}
		}
	}
	return jobs
}

// submitAll posts every job, the first six one after the other (so they
// are first in the queue), the rest from 16 clients at once; every
// answer must be a 202 with a token of its own.
func submitAll(t *testing.T, s *testserver.Server, jobs []job) []string {
	tokens := make([]string, len(jobs))
	for i := range 6 {
		tokens[i] = submit(t, s, jobs[i].req)
	}
	next := make(chan int)
	var wg sync.WaitGroup
	errs := make([]error, len(jobs))
	for range 16 {
		wg.Go(func() {
			for i := range next {
				tokens[i], errs[i] = trySubmit(s, encode(t, jobs[i].req))
			}
		})
	}
	for i := 6; i < len(jobs); i++ {
		next <- i
	}
	close(next)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for i, tok := range tokens {
		if tok == "" || seen[tok] {
			t.Fatalf("submission %d: token %q missing or given twice", i, tok)
		}
		seen[tok] = true
	}
	return tokens
}

func countStatus(views []View) map[string]int {
	n := map[string]int{}
	for _, v := range views {
		n[v.Status]++
	}
	return n
}

// TestKillNine is the bar: kill -9 the server with 200
// submissions queued or running, start another on the same data; every
// accepted submission finishes exactly once as its client sees it (one
// stable result, its own), none is lost. A job that was running at the
// kill is run again (its startedAt is then after the restart); the API
// shows no run count, so once the second server has stopped the test
// reads the store's: once for every job, twice for those a worker held.
func TestKillNine(t *testing.T) {
	t.Parallel()
	dataDir, err := os.MkdirTemp(srv.Root, "kill9-data-")
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"CODERACER_PARALLELISM": "2"}
	a := startOwn(t, "kill9", dataDir, env)
	jobs := durableJobs(200)
	begin := time.Now()
	tokens := submitAll(t, a, jobs)
	t.Logf("200 submissions accepted in %v", time.Since(begin).Round(time.Millisecond))
	before := snapshotRunning(t, a, tokens)
	tree := processTree(a.PID)
	a.Kill()
	t.Logf("SIGKILL with %v", countStatus(before))
	if left := survivors(tree, 3*time.Second); len(left) > 0 {
		t.Errorf("the killed server left processes behind: %v", left)
	}
	if left := uidRangeProcesses(a.UIDBase, 1000); len(left) > 0 {
		t.Errorf("processes of the killed server's sandbox uids remain: %v", left)
	}

	restart := time.Now()
	b := startOwn(t, "kill9-again", dataDir, env)
	healthy := time.Since(restart)
	after := drain(t, b, tokens, before, 90*time.Second)
	t.Logf("after the restart: healthy in %v, all 200 over in %v", healthy.Round(time.Millisecond), time.Since(restart).Round(time.Millisecond))
	checkOnce(t, jobs, before, after, restart)
	for range 2 { // the answer is stable: nothing is reported twice
		for i, v := range getAll(t, b, tokens) {
			if v.Status != after[i].Status || string(v.Result) != string(after[i].Result) || !sameTime(v.FinishedAt, after[i].FinishedAt) {
				t.Errorf("submission %d changed on a re-read: %+v, then %+v", i, after[i], v)
			}
		}
	}
	if cg := testserver.Cgroups(a.PID); len(cg) > 0 {
		t.Errorf("the killed server's cgroups remain after the next server started: %v", cg)
	}
	if err := b.Stop(testserver.StopTimeout); err != nil {
		t.Fatal(err)
	}
	checkRuns(t, storedRuns(t, dataDir, tokens), before, 4) // 4: twice the parallelism
}

// snapshotRunning waits (at most 10 s) until at least one submission
// runs, and returns every one's state at that moment.
func snapshotRunning(t *testing.T, s *testserver.Server, tokens []string) []View {
	deadline := time.Now().Add(10 * time.Second)
	for {
		views := getAll(t, s, tokens)
		n := countStatus(views)
		if n["running"] > 0 {
			if n["queued"] < 100 {
				t.Logf("only %d of 200 still queued at the kill", n["queued"])
			}
			return views
		}
		if time.Now().After(deadline) {
			t.Fatalf("no submission running 10 s after they were accepted: %v", n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// drain polls every submission until all are over, at most d. It logs
// when the first was done, and when all those queued in the snapshot
// before the kill were (a worker may have taken one between the snapshot
// and the kill): a job that was running waits for its redelivery.
func drain(t *testing.T, s *testserver.Server, tokens []string, before []View, d time.Duration) []View {
	start := time.Now()
	deadline := start.Add(d)
	var first, queuedOver time.Duration
	for {
		views := getAll(t, s, tokens)
		n, wasQueued := countStatus(views), 0
		for i, v := range views {
			if before[i].Status == "queued" && !v.over() {
				wasQueued++
			}
		}
		if first == 0 && n["done"] > countStatus(before)["done"] {
			first = time.Since(start)
		}
		if queuedOver == 0 && wasQueued == 0 {
			queuedOver = time.Since(start)
		}
		if n["done"]+n["cancelled"] == len(tokens) {
			t.Logf("after healthy: the first job done in %v, those queued in the snapshot over in %v, all in %v",
				first.Round(time.Millisecond), queuedOver.Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
			return views
		}
		if time.Now().After(deadline) {
			t.Fatalf("%v after the restart, not every submission is over: %v", d, n)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// checkOnce requires every submission done with its own marker; one done
// before the kill keeps the very result it had; one running at the kill
// may have run again.
func checkOnce(t *testing.T, jobs []job, before, after []View, restart time.Time) {
	rerun := 0
	for i, v := range after {
		if v.Status != "done" || v.Error != "" {
			t.Errorf("submission %d: want done without error, got %+v", i, v)
			continue
		}
		if r := v.execResult(t); r.Status != "OK" || r.Stdout != jobs[i].marker+"\n" {
			t.Errorf("submission %d: want status OK, stdout %q (its own marker), got %s", i, jobs[i].marker+"\n", r.String())
		}
		switch before[i].Status {
		case "done":
			if string(v.Result) != string(before[i].Result) || !sameTime(v.FinishedAt, before[i].FinishedAt) {
				t.Errorf("submission %d was done before the kill and changed after the restart:\nbefore %s\nafter  %s", i, before[i].Result, v.Result)
			}
		case "running":
			if v.StartedAt != nil && v.StartedAt.After(restart) {
				rerun++
			}
		}
	}
	running := countStatus(before)["running"]
	t.Logf("%d of the %d submissions running at the kill were run again after the restart", rerun, running)
	if running > 0 && rerun == 0 {
		t.Errorf("none of the %d submissions running at the kill was run again (startedAt after the restart)", running)
	}
}

func sameTime(a, b *time.Time) bool {
	return a == nil && b == nil || a != nil && b != nil && a.Equal(*b)
}

// TestCleanRestart: a server stopped with SIGTERM, one submission done,
// one running and one queued, and another started on the same data: the
// done one keeps its result, the other two finish with theirs.
func TestCleanRestart(t *testing.T) {
	t.Parallel()
	dataDir, err := os.MkdirTemp(srv.Root, "restart-data-")
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"CODERACER_PARALLELISM": "1", "CODERACER_SUBMISSION_WORKERS": "1"}
	a := startOwn(t, "restart", dataDir, env)
	status, data := post(t, a, "?wait=true", testserver.Python("print('kept')"))
	if status != http.StatusOK {
		t.Fatalf("POST ?wait=true: want 200, got %d: %s", status, data)
	}
	done := decodeView(t, "POST ?wait=true", status, data)
	running := submit(t, a, sleeper(2*time.Second, "was running"))
	waitStatus(t, a, running, 10*time.Second, "running")
	queued := submit(t, a, testserver.Python("print('was queued')"))
	if v := get(t, a, queued); v.Status != "queued" {
		t.Fatalf("with the one worker busy: want queued, got %+v", v)
	}
	if err := a.Stop(testserver.StopTimeout); err != nil {
		t.Fatal(err)
	}

	restart := time.Now()
	b := startOwn(t, "restart-again", dataDir, env)
	if v := get(t, b, done.Token); v.Status != "done" || string(v.Result) != string(done.Result) {
		t.Errorf("the done submission changed across the restart:\nbefore %s\nafter  %+v", data, v)
	}
	// The queued one first: the running one waits for its redelivery.
	for _, c := range []struct{ tok, want string }{{queued, "was queued\n"}, {running, "was running\n"}} {
		tok, want := c.tok, c.want
		v := waitStatus(t, b, tok, 60*time.Second, "done", "cancelled")
		if r := v.execResult(t); v.Status != "done" || r.Stdout != want {
			t.Errorf("after the restart: want done with stdout %q, got %+v: %s", want, v, r.String())
		}
		t.Logf("%q done %v after the restart", want, time.Since(restart).Round(time.Millisecond))
	}
	if err := b.Stop(testserver.StopTimeout); err != nil {
		t.Error(err)
	}
}
