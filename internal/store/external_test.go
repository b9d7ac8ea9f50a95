package store

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// With a URL the store uses that NATS, and Close leaves it running.
func TestExternalURL(t *testing.T) {
	srv := startNATS(t)
	ctx := context.Background()
	s, err := Open(ctx, Config{URL: srv.ClientURL()})
	if err != nil {
		t.Fatal(err)
	}
	if s.srv != nil {
		t.Fatal("an embedded server was started despite a URL")
	}
	stop := consume(s, upper)
	if err := s.Submit(ctx, "ext", []byte("abc"), nil); err != nil {
		t.Fatal(err)
	}
	if st := waitStatus(t, s, "ext", StatusDone); string(st.Result) != "ABC" {
		t.Fatalf("result %q", st.Result)
	}
	// Larger than the server's max_payload (NATS's default, 1 MiB).
	big := bytes.Repeat([]byte("a"), 2<<20)
	if err := s.Submit(ctx, "ext-big", big, big); err != nil {
		t.Fatal(err)
	}
	if st, err := s.Wait(ctx, "ext-big"); err != nil || !bytes.Equal(st.Result, bytes.ToUpper(big)) || !bytes.Equal(st.Meta, big) {
		t.Fatalf("2 MiB through a 1 MiB max_payload: %d bytes of result, %d of meta, %v", len(st.Result), len(st.Meta), err)
	}
	stop()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if !srv.Running() {
		t.Fatal("Close stopped an external server")
	}
	// A second store on the same NATS finds the state.
	s2, err := Open(ctx, Config{URL: srv.ClientURL()})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if st, err := s2.Get(ctx, "ext"); err != nil || st.Status != StatusDone {
		t.Fatalf("after reconnecting: %+v, %v", st, err)
	}
}

// startNATS runs a NATS server with JetStream on a loopback port, with
// NATS's defaults (max_payload 1 MiB), stopped at the test's end.
func startNATS(t *testing.T) *server.Server {
	t.Helper()
	srv, err := server.NewServer(&server.Options{
		Host: "127.0.0.1", Port: -1, JetStream: true, StoreDir: t.TempDir(), NoSigs: true, NoLog: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	srv.Start()
	t.Cleanup(func() { srv.Shutdown(); srv.WaitForShutdown() })
	if !srv.ReadyForConnections(10 * time.Second) {
		t.Fatal("NATS not ready")
	}
	return srv
}

func TestOpenBadDataDir(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if s, err := Open(ctx, Config{DataDir: "/proc/version/x"}); err == nil {
		s.Close()
		t.Fatal("Open on an unusable data directory succeeded")
	}
}

// A NATS without JetStream is refused at once, not waited for.
func TestExternalWithoutJetStream(t *testing.T) {
	srv, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, NoSigs: true, NoLog: true})
	if err != nil {
		t.Fatal(err)
	}
	srv.Start()
	defer func() { srv.Shutdown(); srv.WaitForShutdown() }()
	if !srv.ReadyForConnections(10 * time.Second) {
		t.Fatal("NATS not ready")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	start := time.Now()
	s, err := Open(ctx, Config{URL: srv.ClientURL()})
	if err == nil {
		s.Close()
		t.Fatal("a store opened on a NATS without JetStream")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("refused after %v: %v", d, err)
	}
}
