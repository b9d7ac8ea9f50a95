package store

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
)

func TestConfigCheck(t *testing.T) {
	routes := []string{"nats-route://127.0.0.1:6222", "nats-route://127.0.0.1:6223"}
	for _, tc := range []struct {
		cfg  Config
		want string // in the error; empty: accepted
	}{
		{Config{}, ""},
		{Config{URL: "nats://a:4222,nats://b:4222", CredsFile: "x.creds", TLSCA: "ca.pem", TLSCert: "c.pem", TLSKey: "k.pem", Replicas: 3}, ""},
		{Config{Listen: "127.0.0.1:4222", Token: "t"}, ""},
		{Config{ClusterListen: "127.0.0.1:6222", Routes: routes, Replicas: 3}, ""},
		{Config{URL: "nats://a:4222", Listen: "127.0.0.1:4222"}, "exclude each other"},
		{Config{URL: "nats://a:4222", Routes: routes}, "exclude each other"},
		{Config{TLSCA: "ca.pem"}, "for an external NATS"},
		{Config{CredsFile: "x.creds"}, "for an external NATS"},
		{Config{URL: "nats://a:4222", TLSCert: "c.pem"}, "needs its key"},
		{Config{Routes: routes}, "need a ClusterListen"},
		{Config{ClusterListen: "127.0.0.1:6222"}, "needs Routes"},
		{Config{Replicas: 3}, "need a cluster"},
		{Config{URL: "nats://a:4222", Replicas: 6}, "from 1 to 5"},
		{Config{Listen: "4222"}, "want host:port"},
		{Config{ClusterListen: "127.0.0.1:x", Routes: routes}, "want host:port"},
		{Config{ClusterListen: "127.0.0.1:6222", Routes: []string{"http://a:1"}}, "want nats-route://"},
		{Config{ClusterListen: "127.0.0.1:6222", Routes: []string{"nats-route://a"}}, "want nats-route://"},
	} {
		err := tc.cfg.check()
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%+v: error %v, want %q", tc.cfg, err, tc.want)
		}
	}
}

func TestRouteURLsCarryTheToken(t *testing.T) {
	urls, err := routeURLs([]string{"nats-route://127.0.0.1:6222", "nats-route://u:p@127.0.0.1:6223"}, "tok")
	if err != nil {
		t.Fatal(err)
	}
	if urls[0].String() != "nats-route://coderacer:tok@127.0.0.1:6222" || urls[1].User.Username() != "u" {
		t.Errorf("routes %v", urls)
	}
}

// A generated server name is kept in the data directory: JetStream
// knows its peers by name.
func TestServerNameKept(t *testing.T) {
	dir := t.TempDir()
	first, err := serverName("", dir)
	if err != nil || first == "" || strings.ContainsAny(first, " .") {
		t.Fatalf("name %q, %v", first, err)
	}
	if again, err := serverName("", dir); err != nil || again != first {
		t.Errorf("second start named %q, first %q (%v)", again, first, err)
	}
	if given, _ := serverName("node-a", dir); given != "node-a" {
		t.Errorf("given name became %q", given)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, serverNameFile)); strings.TrimSpace(string(b)) != first {
		t.Errorf("kept %q", b)
	}
}

// An embedded server told to listen takes other nodes' stores by URL,
// with its token, and refuses a client without it.
func TestListenWithToken(t *testing.T) {
	addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	node := openStore(t, t.TempDir(), Config{Listen: addr, Token: clusterToken})
	stop := consume(node, upper)
	defer stop()
	if nc, err := nats.Connect("nats://"+addr, nats.MaxReconnects(0)); err == nil {
		nc.Close()
		t.Fatal("a client without the token was let in")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	other, err := Open(ctx, Config{URL: "nats://" + addr, Token: clusterToken})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if err := other.Submit(ctx, "remote", []byte("abc"), nil); err != nil {
		t.Fatal(err)
	}
	if st := waitStatus(t, other, "remote", StatusDone); string(st.Result) != "ABC" {
		t.Fatalf("result %q", st.Result)
	}
	if _, err := Open(ctx, Config{URL: "nats://" + addr}); err == nil {
		t.Fatal("a store without the token opened")
	}
}

// A node whose peers are not up waits for them as long as Open's ctx
// lasts, and no longer.
func TestOpenWaitsForPeers(t *testing.T) {
	cfg := nodeConfigs(t, 3)[0]
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	start := time.Now()
	s, err := Open(ctx, cfg)
	if err == nil {
		s.Close()
		t.Fatal("a node opened without its peers")
	}
	if d := time.Since(start); d < 2*time.Second || d > 5*time.Second {
		t.Errorf("Open gave up after %v, want its ctx's 2s: %v", d, err)
	}
	// Its data directory is free again.
	f, err := lockDataDir(cfg.DataDir)
	if err != nil {
		t.Fatalf("the lock is still held: %v", err)
	}
	f.Close()
}
