package store

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"sync"
	"testing"
	"time"
)

// clusterToken is what the nodes of the test cluster authenticate with.
const clusterToken = "test-cluster-token-0123456789"

// freePort is a loopback TCP port free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// syncBuffer is a buffer the nodes' loggers share.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// ends records, per submission, the Finished times of the states OnDone
// was called with, and which node called it.
type ends struct {
	mu sync.Mutex
	at map[string][]time.Time
	by map[string][]int
}

func (e *ends) onDone(node int) func(context.Context, State) error {
	return func(_ context.Context, st State) error {
		e.mu.Lock()
		defer e.mu.Unlock()
		e.at[st.Token] = append(e.at[st.Token], st.Finished)
		e.by[st.Token] = append(e.by[st.Token], node)
		return nil
	}
}

func (e *ends) count() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.at)
}

// startCluster opens n stores, each on an embedded server of its own
// with a data directory of its own, routed to each other, their stream
// and buckets of n replicas; it returns them and the time they took.
func startCluster(t *testing.T, n int, e *ends) ([]*Store, time.Duration) {
	t.Helper()
	var routes, listens []string
	for range n {
		listens = append(listens, fmt.Sprintf("127.0.0.1:%d", freePort(t)))
		routes = append(routes, fmt.Sprintf("nats-route://127.0.0.1:%d", freePort(t)))
	}
	logs := &syncBuffer{}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("the stores' logs:\n%s", logs.String())
		}
	})
	stores := make([]*Store, n)
	errs := make([]error, n)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	start := time.Now()
	var wg sync.WaitGroup
	for i := range n {
		cfg := Config{
			DataDir: t.TempDir(), Listen: listens[i], ServerName: fmt.Sprintf("node%d", i),
			ClusterListen: routes[i][len("nats-route://"):], Routes: routes, Replicas: n, Token: clusterToken,
			AckWait: 2 * time.Second, Workers: 4, OnDone: e.onDone(i),
			Logger: slog.New(slog.NewTextHandler(logs, nil)).With("node", i),
		}
		wg.Go(func() { stores[i], errs[i] = Open(ctx, cfg) })
	}
	wg.Wait()
	for i, s := range stores {
		if s != nil {
			t.Cleanup(func() { s.Close() })
		}
		if errs[i] != nil {
			t.Fatalf("node%d: %v", i, errs[i])
		}
	}
	return stores, time.Since(start)
}

// streamLeader is the index of the node leading the submissions' stream.
func streamLeader(t *testing.T, stores []*Store) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := stores[0].js.Stream(ctx, StreamName)
	if err != nil {
		t.Fatal(err)
	}
	info := st.CachedInfo()
	if info.Cluster == nil || len(info.Cluster.Replicas) != len(stores)-1 {
		t.Fatalf("stream not replicated on %d nodes: %+v", len(stores), info.Cluster)
	}
	for i, s := range stores {
		if s.srv.Name() == info.Cluster.Leader {
			return i
		}
	}
	t.Fatalf("stream leader %q is none of the nodes", info.Cluster.Leader)
	return -1
}

// waitEnded waits for n submissions to end, at most a minute; then it
// tells what the others and the queue look like.
func waitEnded(t *testing.T, s *Store, e *ends, n int) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for e.count() < n {
		if time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		ids, err := s.IDs(ctx)
		for _, id := range ids {
			e.mu.Lock()
			_, ended := e.at[id]
			e.mu.Unlock()
			if !ended {
				st, err := s.Get(ctx, id)
				t.Logf("%s not ended: %s, runs %d, seq %d, %v", id, st.Status, st.Runs, st.Seq, err)
			}
		}
		info, ierr := s.cons.Info(ctx)
		if ierr == nil {
			t.Logf("consumer: leader %+v, %d pending, %d ack pending, %d redelivered", info.Cluster, info.NumPending, info.NumAckPending, info.NumRedelivered)
		}
		t.Fatalf("%d of %d submissions ended after a minute (ids: %v; consumer: %v)", e.count(), n, err, ierr)
	}
}

// newLeader says whether s sees a stream leader other than old.
func newLeader(s *Store, old string) bool {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	st, err := s.js.Stream(ctx, StreamName)
	if err != nil {
		return false
	}
	c := st.CachedInfo().Cluster
	return c != nil && c.Leader != "" && c.Leader != old
}

// submitRetry submits until it succeeds, at most d; it says when it first did.
func submitRetry(t *testing.T, s *Store, id string, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		err := s.Submit(ctx, id, []byte(id), nil)
		cancel()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("submit %s: still failing after %v: %v", id, d, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// A 3-node cluster of embedded servers: jobs submitted on one node run
// on the two others; the stream leader's server is shut down with jobs
// queued, and submitting, running and reading go on through the two
// left, every job ending once.
func TestClusterSurvivesANode(t *testing.T) {
	e := &ends{at: map[string][]time.Time{}, by: map[string][]int{}}
	stores, formed := startCluster(t, 3, e)
	t.Logf("3 nodes formed their cluster and placed R3 stream and buckets in %v", formed.Round(time.Millisecond))

	ran := map[string][]int{} // the nodes that ran each job
	var mu sync.Mutex
	handler := func(node int) Handler {
		return func(_ context.Context, id string, p []byte) ([]byte, error) {
			mu.Lock()
			ran[id] = append(ran[id], node)
			mu.Unlock()
			time.Sleep(50 * time.Millisecond)
			return append([]byte("ran:"), p...), nil
		}
	}
	const before, after = 150, 100
	for i := range before {
		submitRetry(t, stores[0], fmt.Sprintf("a%03d", i), 10*time.Second)
	}
	stops := []func(){nil, consume(stores[1], handler(1)), consume(stores[2], handler(2))}
	waitFor(t, 30*time.Second, "the first jobs to end", func() bool { return e.count() >= 20 })

	victim := streamLeader(t, stores)
	killed := time.Now()
	stores[victim].srv.Shutdown()
	queued := before - e.count()
	survivors := slices.Delete([]int{0, 1, 2}, victim, victim+1)
	t.Logf("shut down node%d (the stream leader) with %d jobs queued or running", victim, queued)

	submitter := stores[survivors[0]]
	submitRetry(t, submitter, "b000", 30*time.Second)
	firstSubmit := time.Since(killed)
	waitFor(t, 30*time.Second, "a new stream leader", func() bool { return newLeader(submitter, stores[victim].srv.Name()) })
	elected := time.Since(killed)
	for i := 1; i < after; i++ {
		submitRetry(t, submitter, fmt.Sprintf("b%03d", i), 10*time.Second)
	}
	waitEnded(t, submitter, e, before+after)
	allDone := time.Since(killed)
	t.Logf("after the shutdown: first submit accepted in %v, new stream leader seen in %v, all %d jobs ended in %v",
		firstSubmit.Round(time.Millisecond), elected.Round(time.Millisecond), queued+after, allDone.Round(time.Millisecond))
	if stops[victim] != nil {
		go stops[victim]() // its store lost its server: its workers end in their own time
		stops[victim] = nil
	}
	time.Sleep(3 * time.Second) // two AckWaits: room for a wrong redelivery to show
	for _, stop := range stops {
		if stop != nil {
			stop()
		}
	}
	checkClusterJobs(t, stores, survivors, victim, e, ran, before, after)
}

// checkClusterJobs: every job is done with its result, readable on each
// node left; its end was stored once (OnDone may be told it again only
// by an ack lost); a job runs twice at most: once more if it ran on the
// lost node, or if storing its result timed out while leaders changed.
func checkClusterJobs(t *testing.T, stores []*Store, survivors []int, victim int, e *ends, ran map[string][]int, before, after int) {
	t.Helper()
	var ids []string
	for i := range before {
		ids = append(ids, fmt.Sprintf("a%03d", i))
	}
	for i := range after {
		ids = append(ids, fmt.Sprintf("b%03d", i))
	}
	lost, twice, repeated := 0, 0, 0
	for _, id := range ids {
		for _, n := range survivors {
			st, err := stores[n].Get(context.Background(), id)
			if err != nil || st.Status != StatusDone || string(st.Result) != "ran:"+id {
				t.Fatalf("%s on node%d: %+v, %v", id, n, st, err)
			}
		}
		if at := slices.Compact(e.at[id]); len(at) != 1 {
			t.Errorf("%s: %d different ends stored (%v)", id, len(at), at)
		}
		if len(e.at[id]) > 1 {
			repeated++
		}
		switch r := ran[id]; {
		case len(r) == 2 && r[0] == victim:
			lost++
		case len(r) == 2:
			twice++
		case len(r) != 1:
			t.Errorf("%s: ran on nodes %v", id, r)
		}
	}
	t.Logf("%d jobs ran again as they were running on the lost node, %d as storing their result timed out in the election; OnDone told %d twice (a lost ack)",
		lost, twice, repeated)
	if n := streamMsgs(t, stores[survivors[0]]); n != 0 {
		t.Errorf("%d jobs left in the queue", n)
	}
}
