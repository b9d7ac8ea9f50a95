package callback

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// natsServer is an embedded nats-server with JetStream in dir, reached
// in-process, as internal/store runs it.
type natsServer struct {
	srv  *server.Server
	nc   *nats.Conn
	js   jetstream.JetStream
	once sync.Once
}

func startNATS(t *testing.T, dir string) *natsServer {
	t.Helper()
	srv, err := server.NewServer(&server.Options{
		JetStream: true, StoreDir: dir, DontListen: true, NoSigs: true, NoLog: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	srv.Start()
	if !srv.ReadyForConnections(10 * time.Second) {
		srv.Shutdown()
		t.Fatal("nats-server not ready within 10s")
	}
	n := &natsServer{srv: srv}
	t.Cleanup(n.stop)
	n.nc, err = nats.Connect("", nats.InProcessServer(srv))
	if err != nil {
		t.Fatal(err)
	}
	if n.js, err = jetstream.New(n.nc); err != nil {
		t.Fatal(err)
	}
	return n
}

func (n *natsServer) stop() {
	n.once.Do(func() {
		if n.nc != nil {
			n.nc.Close()
		}
		n.srv.Shutdown()
		n.srv.WaitForShutdown()
	})
}

// queued is how many deliveries the stream still holds.
func (n *natsServer) queued(t *testing.T) uint64 {
	t.Helper()
	s, err := n.js.Stream(context.Background(), StreamName)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return info.State.Msgs
}

// logBuffer collects log records from concurrent workers.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (b *logBuffer) count(s string) int { return strings.Count(b.String(), s) }

// testConfig delivers fast to receivers on 127.0.0.1, logging into logs.
func testConfig(logs *logBuffer) Config {
	return Config{
		Attempts:   3,
		Timeout:    2 * time.Second,
		Backoff:    10 * time.Millisecond,
		MaxBackoff: 40 * time.Millisecond,
		Workers:    2,
		Secret:     []byte("test secret"),
		Policy:     Policy{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, resolver: noDNS()},
		Logger:     slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
}

// runDeliverer creates a Deliverer on js and runs it until the test ends.
func runDeliverer(t *testing.T, js jetstream.JetStream, cfg Config) *Deliverer {
	t.Helper()
	d, err := New(context.Background(), js, cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(15 * time.Second):
			t.Error("Run did not return within 15s of its ctx's end")
		}
	})
	return d
}

// request is what a receiver got.
type request struct {
	method string
	header http.Header
	body   []byte
}

// receiver is a callback target on 127.0.0.1 answering with respond
// (n counts requests from 1; nil: 200).
type receiver struct {
	*httptest.Server
	mu      sync.Mutex
	reqs    []request
	respond func(n int, w http.ResponseWriter, r *http.Request)
}

func newReceiver(t *testing.T, respond func(n int, w http.ResponseWriter, r *http.Request)) *receiver {
	rc := &receiver{respond: respond}
	rc.Server = httptest.NewServer(http.HandlerFunc(rc.serve))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *receiver) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	rc.reqs = append(rc.reqs, request{r.Method, r.Header.Clone(), body})
	n := len(rc.reqs)
	rc.mu.Unlock()
	if rc.respond != nil {
		rc.respond(n, w, r)
	}
}

func (rc *receiver) requests() []request {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]request(nil), rc.reqs...)
}

// waitFor polls cond until it holds or 10s pass.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within 10s: %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// settle waits long enough for a wrongly scheduled further attempt
// (backoffs are at most 40ms in tests) to have happened.
func settle() { time.Sleep(300 * time.Millisecond) }
