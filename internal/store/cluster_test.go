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

// clusterToken is what the nodes of the test clusters authenticate with.
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

// nodeConfigs are the configurations of n nodes on loopback, each with a
// data directory of its own, routed to each other, their stream and
// buckets of n replicas, a redelivery after 2 s.
func nodeConfigs(t *testing.T, n int) []Config {
	t.Helper()
	var routes []string
	for range n {
		routes = append(routes, fmt.Sprintf("nats-route://127.0.0.1:%d", freePort(t)))
	}
	cfgs := make([]Config, n)
	for i := range n {
		cfgs[i] = Config{
			DataDir: t.TempDir(), Listen: fmt.Sprintf("127.0.0.1:%d", freePort(t)), ServerName: fmt.Sprintf("node%d", i),
			ClusterListen: routes[i][len("nats-route://"):], Routes: routes, Replicas: n, Token: clusterToken,
			AckWait: 2 * time.Second, Workers: 4,
		}
	}
	return cfgs
}

// openNodes opens a store on each configuration at once (a cluster's
// JetStream waits for its peers), each telling j of its ends; it returns
// them and the time they took. A nil configuration is skipped.
func openNodes(t *testing.T, cfgs []*Config, j *jobLog) ([]*Store, time.Duration) {
	t.Helper()
	logs := &syncBuffer{}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("the stores' logs:\n%s", logs.String())
		}
	})
	stores := make([]*Store, len(cfgs))
	errs := make([]error, len(cfgs))
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	start := time.Now()
	var wg sync.WaitGroup
	for i, cfg := range cfgs {
		if cfg == nil {
			continue
		}
		cfg.OnDone = func(_ context.Context, st State) error { j.ended(st.Token, i, st.Finished); return nil }
		cfg.Logger = slog.New(slog.NewTextHandler(logs, nil)).With("node", i)
		wg.Go(func() { stores[i], errs[i] = Open(ctx, *cfg) })
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

// jobLog records, per submission, the nodes that ran it and the ends
// OnDone was told of (the Finished time of the state stored).
type jobLog struct {
	mu   sync.Mutex
	runs map[string][]int
	ends map[string][]int64
}

func newJobLog() *jobLog {
	return &jobLog{runs: map[string][]int{}, ends: map[string][]int64{}}
}

func (j *jobLog) ran(id string, node int) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.runs[id] = append(j.runs[id], node)
}

func (j *jobLog) ended(id string, _ int, finished time.Time) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.ends[id] = append(j.ends[id], finished.UnixNano())
}

func (j *jobLog) count() int {
	j.mu.Lock()
	defer j.mu.Unlock()
	return len(j.ends)
}

func (j *jobLog) hasEnded(id string) bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	return len(j.ends[id]) > 0
}

// handler runs a job in 50 ms, its result "ran:" and its payload.
func (j *jobLog) handler(node int) Handler {
	return func(_ context.Context, id string, p []byte) ([]byte, error) {
		j.ran(id, node)
		time.Sleep(50 * time.Millisecond)
		return append([]byte("ran:"), p...), nil
	}
}

// leaderOf is the name of the server leading the stream (consumer "")
// or its consumer, as s sees it; "" if none or unknown.
func leaderOf(s *Store, consumer bool) string {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if consumer {
		info, err := s.cons.Info(ctx)
		if err != nil || info.Cluster == nil {
			return ""
		}
		return info.Cluster.Leader
	}
	st, err := s.js.Stream(ctx, StreamName)
	if err != nil || st.CachedInfo().Cluster == nil {
		return ""
	}
	return st.CachedInfo().Cluster.Leader
}

// submitRetry submits until it succeeds, at most d.
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

// waitEnded waits for every id to end, at most a minute; then it tells
// what the others and the queue look like.
func waitEnded(t *testing.T, s *Store, j *jobLog, ids []string) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for j.count() < len(ids) {
		if time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		for _, id := range ids {
			if !j.hasEnded(id) {
				st, err := s.Get(ctx, id)
				t.Logf("%s not ended: %s, runs %d, seq %d, %v", id, st.Status, st.Runs, st.Seq, err)
			}
		}
		info, err := s.cons.Info(ctx)
		if err == nil {
			t.Logf("consumer: %+v, %d pending, %d ack pending, %d redelivered", info.Cluster, info.NumPending, info.NumAckPending, info.NumRedelivered)
		}
		t.Fatalf("%d of %d submissions ended after a minute (consumer info: %v)", j.count(), len(ids), err)
	}
}

// jobIDs are the ids a000.. and b000.. of the jobs submitted before and
// after a node is lost.
func jobIDs(before, after int) (a, b []string) {
	for i := range before {
		a = append(a, fmt.Sprintf("a%03d", i))
	}
	for i := range after {
		b = append(b, fmt.Sprintf("b%03d", i))
	}
	return a, b
}

// A 3-node cluster of embedded servers: jobs submitted on one node run
// on the two others; the stream leader's server is shut down with jobs
// queued, and submitting, running and reading go on through the two
// left, every job ending once.
func TestClusterSurvivesANode(t *testing.T) {
	j := newJobLog()
	cfgs := nodeConfigs(t, 3)
	stores, formed := openNodes(t, []*Config{&cfgs[0], &cfgs[1], &cfgs[2]}, j)
	t.Logf("3 nodes formed their cluster and placed R3 stream and buckets in %v", formed.Round(time.Millisecond))

	before, after := jobIDs(150, 100)
	for _, id := range before {
		submitRetry(t, stores[0], id, 10*time.Second)
	}
	stops := []func(){nil, consume(stores[1], j.handler(1)), consume(stores[2], j.handler(2))}
	waitFor(t, 30*time.Second, "the first jobs to end", func() bool { return j.count() >= 20 })

	leader := leaderOf(stores[0], false)
	victim := slices.IndexFunc(cfgs, func(c Config) bool { return c.ServerName == leader })
	if victim < 0 {
		t.Fatalf("stream leader %q is none of the nodes", leader)
	}
	killed := time.Now()
	stores[victim].srv.Shutdown()
	t.Logf("shut down node%d (the stream leader) with %d jobs queued or running", victim, len(before)-j.count())
	survivors := slices.Delete([]int{0, 1, 2}, victim, victim+1)
	goOn(t, stores[survivors[0]], j, leader, killed, before, after)
	if stops[victim] != nil {
		go stops[victim]() // its store lost its server: its workers end in their own time
		stops[victim] = nil
	}
	time.Sleep(3 * time.Second) // past AckWait: room for a wrong redelivery to show
	for _, stop := range stops {
		if stop != nil {
			stop()
		}
	}
	checkClusterJobs(t, []*Store{stores[survivors[0]], stores[survivors[1]]}, j, victim, append(before, after...))
}

// goOn submits the jobs after through s once a node was lost at killed,
// and waits for them and those before to end, telling how long each step
// took.
func goOn(t *testing.T, s *Store, j *jobLog, oldLeader string, killed time.Time, before, ids []string) {
	t.Helper()
	submitRetry(t, s, ids[0], 30*time.Second)
	firstSubmit := time.Since(killed)
	waitFor(t, 30*time.Second, "a new stream leader", func() bool {
		l := leaderOf(s, false)
		return l != "" && l != oldLeader
	})
	elected := time.Since(killed)
	for _, id := range ids[1:] {
		submitRetry(t, s, id, 10*time.Second)
	}
	waitEnded(t, s, j, append(slices.Clip(before), ids...))
	t.Logf("after the loss: first submit accepted in %v, new stream leader seen in %v, all jobs ended in %v",
		firstSubmit.Round(time.Millisecond), elected.Round(time.Millisecond), time.Since(killed).Round(time.Millisecond))
}

// checkClusterJobs: every job is done with its result, readable on each
// node left; its end was stored once (OnDone may be told it again after
// an ack lost); a job runs twice at most: once more if it ran on the
// lost node, or if storing its result timed out while leaders changed.
func checkClusterJobs(t *testing.T, readers []*Store, j *jobLog, victim int, ids []string) {
	t.Helper()
	lost, twice, repeated := 0, 0, 0
	perNode := map[int]int{}
	for _, id := range ids {
		for _, s := range readers {
			st, err := s.Get(context.Background(), id)
			if err != nil || st.Status != StatusDone || string(st.Result) != "ran:"+id {
				t.Fatalf("%s: %+v, %v", id, st, err)
			}
		}
		j.mu.Lock()
		ends, runs := j.ends[id], j.runs[id]
		j.mu.Unlock()
		if len(slices.Compact(slices.Clone(ends))) != 1 {
			t.Errorf("%s: %d different ends stored (%v)", id, len(slices.Compact(ends)), ends)
		}
		if len(ends) > 1 {
			repeated++
		}
		for _, n := range runs {
			perNode[n]++
		}
		switch {
		case len(runs) == 2 && runs[0] == victim:
			lost++
		case len(runs) == 2:
			twice++
		case len(runs) != 1:
			t.Errorf("%s: ran on nodes %v", id, runs)
		}
	}
	t.Logf("runs per node %v; %d jobs ran again as they were running on the lost node, %d as storing their result timed out while leaders changed; OnDone told %d twice (an ack lost)",
		perNode, lost, twice, repeated)
	if n := streamMsgs(t, readers[0]); n != 0 {
		t.Errorf("%d jobs left in the queue", n)
	}
}

// Replicas applies to an existing stream, consumer and buckets too: a
// cluster that kept one copy of each keeps three once a node opens with
// Replicas 3, and one again after.
func TestReplicasUpdated(t *testing.T) {
	cfgs := nodeConfigs(t, 3)
	for i := range cfgs {
		cfgs[i].Replicas = 1
	}
	stores, _ := openNodes(t, []*Config{&cfgs[0], &cfgs[1], &cfgs[2]}, newJobLog())
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	s := stores[0]
	if n := replicas(ctx, t, s); !slices.Equal(n, []int{1, 1, 1, 1}) {
		t.Fatalf("replicas before: %v", n)
	}
	for _, r := range []int{3, 1} {
		start := time.Now()
		s.cfg.Replicas = r
		if err := s.setupWhenReady(ctx); err != nil {
			t.Fatal(err)
		}
		if n := replicas(ctx, t, s); !slices.Equal(n, []int{r, r, r, r}) {
			t.Fatalf("replicas after: %v (stream, consumer, states, blobs), want %d", n, r)
		}
		t.Logf("to %d replicas in %v", r, time.Since(start).Round(time.Millisecond))
	}
}

// replicas are those of the stream, its consumer, the states' bucket and
// the blobs' bucket.
func replicas(ctx context.Context, t *testing.T, s *Store) []int {
	t.Helper()
	var n []int
	for _, name := range []string{StreamName, "KV_" + BucketName, "OBJ_" + BlobBucketName} {
		st, err := s.js.Stream(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		n = append(n, st.CachedInfo().Config.Replicas)
		if name == StreamName {
			info, err := s.cons.Info(ctx)
			if err != nil {
				t.Fatal(err)
			}
			n = append(n, info.Config.Replicas)
		}
	}
	return n
}
