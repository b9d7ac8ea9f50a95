package store

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
)

// clusterNodeEnv holds the JSON Config of the child node of
// TestClusterSurvivesACrash. The child opens its store, tells the parent
// on stdout "ready", "ran <id>", "done <id> <finished, unix ns>", and runs
// until it is killed.
const clusterNodeEnv = "STORE_CLUSTER_NODE"

func clusterChild(cfgJSON string) {
	var c childConfig
	if err := json.Unmarshal([]byte(cfgJSON), &c); err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	cfg := Config{DataDir: c.DataDir, Listen: c.Listen, ServerName: c.ServerName, ClusterListen: c.ClusterListen,
		Token: c.Token, Routes: c.Routes, Replicas: c.Replicas, Workers: c.Workers, AckWait: c.AckWait}
	out := make(chan string, 1024)
	cfg.OnDone = func(_ context.Context, st State) error {
		out <- fmt.Sprintf("done %s %d", st.Token, st.Finished.UnixNano())
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	s, err := Open(ctx, cfg)
	cancel()
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	fmt.Println("ready")
	go s.Consume(context.Background(), func(_ context.Context, id string, p []byte) ([]byte, error) {
		out <- "ran " + id
		time.Sleep(50 * time.Millisecond)
		return append([]byte("ran:"), p...), nil
	})
	for line := range out {
		fmt.Println(line)
	}
}

// childConfig is what of a Config the child node is given.
type childConfig struct {
	DataDir, Listen, ServerName, ClusterListen, Token string
	Routes                                            []string
	Replicas, Workers                                 int
	AckWait                                           time.Duration
}

// startChildNode runs node cfg in a child process, its lines told to j
// as node's; ready receives its first line, "ready" once its store is
// open.
func startChildNode(t *testing.T, cfg Config, node int, j *jobLog) (*exec.Cmd, <-chan string) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(childConfig{DataDir: cfg.DataDir, Listen: cfg.Listen, ServerName: cfg.ServerName,
		ClusterListen: cfg.ClusterListen, Token: cfg.Token, Routes: cfg.Routes, Replicas: cfg.Replicas,
		Workers: cfg.Workers, AckWait: cfg.AckWait})
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), clusterNodeEnv+"="+string(b))
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	ready := make(chan string, 1)
	go readChild(bufio.NewScanner(stdout), node, j, ready)
	return cmd, ready
}

// readChild reads the child's lines until it ends; the first goes to ready.
func readChild(sc *bufio.Scanner, node int, j *jobLog, ready chan<- string) {
	first := true
	for sc.Scan() {
		word, rest, _ := strings.Cut(sc.Text(), " ")
		switch word {
		case "ran":
			j.ran(rest, node)
		case "done":
			id, ns, _ := strings.Cut(rest, " ")
			n, _ := strconv.ParseInt(ns, 10, 64)
			j.ended(id, node, time.Unix(0, n))
		}
		if first {
			ready <- sc.Text()
			first = false
		}
	}
}

// lead makes the server named want lead the stream (and its consumer):
// the leader is asked to step down in its favour, up to 10 times.
func lead(t *testing.T, s *Store, want string) bool {
	t.Helper()
	for _, consumer := range []bool{false, true} {
		subject := "$JS.API.STREAM.LEADER.STEPDOWN." + StreamName
		if consumer {
			subject = "$JS.API.CONSUMER.LEADER.STEPDOWN." + StreamName + "." + ConsumerName
		}
		for try := 0; leaderOf(s, consumer) != want; try++ {
			if try == 10 {
				return false
			}
			body := fmt.Sprintf(`{"placement":{"preferred":%q}}`, want)
			if _, err := s.nc.Request(subject, []byte(body), 5*time.Second); err != nil && err != nats.ErrTimeout {
				t.Logf("step down: %v", err)
			}
			waitFor(t, 15*time.Second, "a stream leader", func() bool { return leaderOf(s, consumer) != "" })
		}
	}
	return true
}

// The child's last lines before its death may be lost: a job it was
// running may seem to have run once, on the node that ran it again.
//
// A 3-node cluster whose third node, leading the stream and its
// consumer, runs in a child process that is killed (SIGKILL: no leader
// hand-over, no goodbye) with jobs queued and running: submitting,
// running and reading go on through the two left, every job ending once.
func TestClusterSurvivesACrash(t *testing.T) {
	j := newJobLog()
	cfgs := nodeConfigs(t, 3)
	child, ready := startChildNode(t, cfgs[2], 2, j)
	stores, formed := openNodes(t, []*Config{&cfgs[0], &cfgs[1], nil}, j)
	select {
	case line := <-ready:
		if line != "ready" {
			t.Fatalf("child node: %q", line)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("the child node did not open its store within 60s")
	}
	t.Logf("3 nodes, one a child process, formed their cluster in %v", formed.Round(time.Millisecond))
	led := lead(t, stores[0], cfgs[2].ServerName)
	t.Logf("node2 (the child) leads the stream and its consumer: %v", led)

	before, after := jobIDs(150, 100)
	for _, id := range before {
		submitRetry(t, stores[0], id, 10*time.Second)
	}
	stop := consume(stores[1], j.handler(1))
	defer stop()
	waitFor(t, 30*time.Second, "the first jobs to end", func() bool { return j.count() >= 20 })
	leader := leaderOf(stores[0], false)
	killed := time.Now()
	child.Process.Kill()
	child.Wait()
	t.Logf("killed node2 (SIGKILL; stream leader %s) with %d jobs queued or running", leader, len(before)-j.count())
	goOn(t, stores[0], j, cfgs[2].ServerName, killed, before, after)
	time.Sleep(3 * time.Second) // past AckWait: room for a wrong redelivery to show
	checkClusterJobs(t, slices.Clip(stores[:2]), j, 2, append(before, after...))
}
