package store

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// The child process of TestKillDurability: it opens the store in
// $STORE_KILL_DIR, submits killTotal jobs, consumes until killFirst
// have run, then blocks in every handler until it is killed. It tells
// the parent what it did on stdout: "stored <id>", "ran <id>", "blocked".
const (
	killEnv   = "STORE_KILL_DIR"
	killTotal = 200
	killFirst = 60
)

func TestMain(m *testing.M) {
	if dir := os.Getenv(killEnv); dir != "" {
		killChild(dir)
		return
	}
	if cfg := os.Getenv(clusterNodeEnv); cfg != "" {
		clusterChild(cfg)
		return
	}
	os.Exit(m.Run())
}

func killConfig() Config {
	return Config{Workers: 4, AckWait: 500 * time.Millisecond}
}

func killChild(dir string) {
	cfg := killConfig()
	cfg.DataDir = dir
	out := make(chan string, 1024)
	cfg.OnDone = func(_ context.Context, st State) error { out <- "stored " + st.Token; return nil }
	ctx := context.Background()
	s, err := Open(ctx, cfg)
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	for i := range killTotal {
		if err := s.Submit(ctx, fmt.Sprintf("k%03d", i), []byte(fmt.Sprint(i)), nil); err != nil {
			fmt.Println("error", err)
			os.Exit(1)
		}
	}
	var started atomic.Int64
	go s.Consume(ctx, func(ctx context.Context, id string, p []byte) ([]byte, error) {
		out <- "ran " + id
		if started.Add(1) > killFirst {
			out <- "blocked"
			select {} // until SIGKILL
		}
		return p, nil
	})
	for line := range out {
		fmt.Println(line)
	}
}

// kill -9 of a process with jobs queued and running; a new store on the
// same data directory finishes them: none lost, each result stored once,
// only the jobs that were running run twice.
func TestKillDurability(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), killEnv+"="+dir)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	stored, runs := newCounter(), newCounter()
	blocked := 0
	sc := bufio.NewScanner(stdout)
	for blocked < killConfig().Workers && sc.Scan() {
		word, id, _ := strings.Cut(sc.Text(), " ")
		switch word {
		case "stored":
			stored.add(id)
		case "ran":
			runs.add(id)
		case "blocked":
			blocked++
		default:
			t.Fatalf("child: %s", sc.Text())
		}
	}
	cmd.Process.Kill() // SIGKILL
	cmd.Wait()
	if blocked != killConfig().Workers {
		t.Fatalf("the child ended before blocking its workers (%d blocked)", blocked)
	}
	inFlight := map[string]bool{}
	for id := range runs.n {
		if stored.get(id) == 0 {
			inFlight[id] = true
		}
	}
	t.Logf("killed with %d stored, %d running", stored.len(), len(inFlight))

	cfg := killConfig()
	cfg.OnDone = func(_ context.Context, st State) error { stored.add(st.Token); return nil }
	s := openStore(t, dir, cfg)
	stop := consume(s, func(ctx context.Context, id string, p []byte) ([]byte, error) {
		runs.add(id)
		return p, nil
	})
	defer stop()
	waitFor(t, 20*time.Second, "every submission to be stored", func() bool { return stored.len() == killTotal })
	time.Sleep(2 * cfg.AckWait) // room for a wrong redelivery to show
	for i := range killTotal {
		id := fmt.Sprintf("k%03d", i)
		st, err := s.Get(context.Background(), id)
		if err != nil || st.Status != StatusDone || string(st.Result) != fmt.Sprint(i) {
			t.Errorf("%s: %+v, %v", id, st, err)
		}
		want := 1
		if inFlight[id] {
			want = 2
		}
		if n, m := stored.get(id), runs.get(id); n != 1 || m != want {
			t.Errorf("%s: stored %d times, ran %d times, want 1 and %d", id, n, m, want)
		}
	}
	if n := streamMsgs(t, s); n != 0 {
		t.Errorf("%d jobs left in the queue", n)
	}
}
