package callback

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

const body = `{"token":"tok-1","status":"accepted"}`

func enqueue(t *testing.T, d *Deliverer, id string, tg Target, b string) {
	t.Helper()
	if err := d.Enqueue(context.Background(), id, tg, []byte(b)); err != nil {
		t.Fatal(err)
	}
}

// TestDeliverSigned: a POST with the body, its signature and the
// delivery headers, acked after one 2xx.
func TestDeliverSigned(t *testing.T) {
	n := startNATS(t, t.TempDir())
	rc := newReceiver(t, func(_ int, w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) })
	logs := &logBuffer{}
	cfg := testConfig(logs)
	d := runDeliverer(t, n.js, cfg)
	enqueue(t, d, "tok-1", Target{URL: rc.URL + "/hook?key=k"}, body)
	waitFor(t, "one request and an empty stream", func() bool { return len(rc.requests()) == 1 && n.queued(t) == 0 })
	settle()
	reqs := rc.requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want 1", len(reqs))
	}
	r := reqs[0]
	if r.method != http.MethodPost || string(r.body) != body {
		t.Errorf("got %s %q, want POST %q", r.method, r.body, body)
	}
	if !Verify(cfg.Secret, r.body, r.header.Get(SignatureHeader)) {
		t.Errorf("signature %q does not verify", r.header.Get(SignatureHeader))
	}
	want := map[string]string{"Content-Type": "application/json", "User-Agent": UserAgent, DeliveryHeader: "tok-1/1"}
	for k, v := range want {
		if got := r.header.Get(k); got != v {
			t.Errorf("%s: %q, want %q", k, got, v)
		}
	}
	if !strings.Contains(logs.String(), "callback: delivered") || !strings.Contains(logs.String(), "status=204") {
		t.Errorf("no delivery logged:\n%s", logs)
	}
}

// TestDeliverPUTUnsigned: Judge0's PUT; without a secret, no signature.
func TestDeliverPUTUnsigned(t *testing.T) {
	n := startNATS(t, t.TempDir())
	rc := newReceiver(t, nil)
	cfg := testConfig(&logBuffer{})
	cfg.Secret = nil
	d := runDeliverer(t, n.js, cfg)
	enqueue(t, d, "tok-put", Target{URL: rc.URL, Method: http.MethodPut}, body)
	waitFor(t, "one request", func() bool { return len(rc.requests()) == 1 })
	r := rc.requests()[0]
	if r.method != http.MethodPut {
		t.Errorf("method %s, want PUT", r.method)
	}
	if sig, ok := r.header[SignatureHeader]; ok {
		t.Errorf("signature header %q sent without a secret", sig)
	}
}

// TestRetryThenDelivered: 500, 500, then 200: three requests, then none.
func TestRetryThenDelivered(t *testing.T) {
	n := startNATS(t, t.TempDir())
	rc := newReceiver(t, func(i int, w http.ResponseWriter, _ *http.Request) {
		if i <= 2 {
			w.WriteHeader(http.StatusInternalServerError)
		}
	})
	logs := &logBuffer{}
	cfg := testConfig(logs)
	cfg.Attempts = 5
	d := runDeliverer(t, n.js, cfg)
	enqueue(t, d, "tok-retry", Target{URL: rc.URL}, body)
	waitFor(t, "three requests and an empty stream", func() bool { return len(rc.requests()) == 3 && n.queued(t) == 0 })
	settle()
	reqs := rc.requests()
	if len(reqs) != 3 {
		t.Fatalf("%d requests, want 3", len(reqs))
	}
	for i, r := range reqs {
		if got, want := r.header.Get(DeliveryHeader), fmt.Sprintf("tok-retry/%d", i+1); got != want {
			t.Errorf("request %d: %s %q, want %q", i+1, DeliveryHeader, got, want)
		}
		if !Verify(cfg.Secret, r.body, r.header.Get(SignatureHeader)) {
			t.Errorf("request %d: signature does not verify", i+1)
		}
	}
	if w, i := logs.count("callback: attempt failed"), logs.count("callback: delivered"); w != 2 || i != 1 {
		t.Errorf("%d failures and %d deliveries logged, want 2 and 1:\n%s", w, i, logs)
	}
}

// giveUp enqueues a delivery to url that fails every time and waits
// until it is given up, returning the logs.
func giveUp(t *testing.T, cfg Config, logs *logBuffer, url string) *natsServer {
	t.Helper()
	n := startNATS(t, t.TempDir())
	d := runDeliverer(t, n.js, cfg)
	enqueue(t, d, "tok-fail", Target{URL: url}, body)
	waitFor(t, "given up", func() bool { return logs.count("callback: given up") == 1 })
	waitFor(t, "an empty stream", func() bool { return n.queued(t) == 0 })
	settle()
	return n
}

// TestAttemptsExhausted: exactly Attempts requests, then given up,
// logged without the query string.
func TestAttemptsExhausted(t *testing.T) {
	rc := newReceiver(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	})
	logs := &logBuffer{}
	cfg := testConfig(logs)
	giveUp(t, cfg, logs, rc.URL+"/hook?key=s3cr3t")
	if got := len(rc.requests()); got != cfg.Attempts {
		t.Errorf("%d requests, want %d", got, cfg.Attempts)
	}
	out := logs.String()
	if strings.Contains(out, "s3cr3t") {
		t.Errorf("the query string was logged:\n%s", out)
	}
	for _, s := range []string{"tok-fail", rc.URL + "/hook", "503 Service Unavailable", "attempt=3"} {
		if !strings.Contains(out, s) {
			t.Errorf("the logs do not say %q:\n%s", s, out)
		}
	}
	if w := logs.count("callback: attempt failed"); w != cfg.Attempts-1 {
		t.Errorf("%d failures logged, want %d", w, cfg.Attempts-1)
	}
}

// TestRedirectNotFollowed: a 302 is a failed attempt; its target is
// never reached.
func TestRedirectNotFollowed(t *testing.T) {
	other := newReceiver(t, nil)
	rc := newReceiver(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL, http.StatusFound)
	})
	logs := &logBuffer{}
	cfg := testConfig(logs)
	cfg.Attempts = 2
	giveUp(t, cfg, logs, rc.URL)
	if got := len(rc.requests()); got != 2 {
		t.Errorf("%d requests to the redirecting receiver, want 2", got)
	}
	if got := len(other.requests()); got != 0 {
		t.Errorf("redirect followed: %d requests to its target", got)
	}
	if !strings.Contains(logs.String(), "302 Found") {
		t.Errorf("the 302 is not logged:\n%s", logs)
	}
}

// TestSlowReceiver: an answer later than Timeout is a failure, and the
// deliverer does not wait for it.
func TestSlowReceiver(t *testing.T) {
	rc := newReceiver(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	})
	logs := &logBuffer{}
	cfg := testConfig(logs)
	cfg.Attempts = 2
	cfg.Timeout = 200 * time.Millisecond
	start := time.Now()
	giveUp(t, cfg, logs, rc.URL)
	if elapsed := time.Since(start); elapsed > 3*time.Second {
		t.Errorf("given up after %v: the deliverer waited for the receiver", elapsed)
	}
	if got := len(rc.requests()); got != 2 {
		t.Errorf("%d requests, want 2", got)
	}
	if !strings.Contains(logs.String(), "no answer within 200ms") {
		t.Errorf("the timeout is not logged:\n%s", logs)
	}
}

// TestDialTimeCheck: a loopback target enqueued without CheckURL (or a
// name that resolved elsewhere at submission) is refused when dialled.
func TestDialTimeCheck(t *testing.T) {
	rc := newReceiver(t, nil)
	logs := &logBuffer{}
	cfg := testConfig(logs)
	cfg.Attempts = 2
	cfg.Policy = Policy{resolver: noDNS()}
	port := rc.URL[strings.LastIndex(rc.URL, ":")+1:]
	giveUp(t, cfg, logs, "http://localhost:"+port+"/")
	if got := len(rc.requests()); got != 0 {
		t.Errorf("the receiver was reached %d times", got)
	}
	if !strings.Contains(logs.String(), "127.0.0.1 is a loopback address") {
		t.Errorf("the refusal is not logged:\n%s", logs)
	}
}

// TestDurable: a delivery queued while no deliverer runs survives NATS
// stopping, and is delivered once after it restarts on the same store.
func TestDurable(t *testing.T) {
	dir := t.TempDir()
	rc := newReceiver(t, nil)
	cfg := testConfig(&logBuffer{})
	first := startNATS(t, dir)
	d, err := New(context.Background(), first.js, cfg)
	if err != nil {
		t.Fatal(err)
	}
	enqueue(t, d, "tok-durable", Target{URL: rc.URL}, body)
	first.stop()

	second := startNATS(t, dir)
	if q := second.queued(t); q != 1 {
		t.Fatalf("%d deliveries queued after the restart, want 1", q)
	}
	runDeliverer(t, second.js, cfg)
	waitFor(t, "one request and an empty stream", func() bool { return len(rc.requests()) == 1 && second.queued(t) == 0 })
	settle()
	reqs := rc.requests()
	if len(reqs) != 1 || string(reqs[0].body) != body {
		t.Fatalf("got %d requests (%v), want 1 with the body", len(reqs), reqs)
	}
}

// TestDedup: the same id enqueued again, before or after its delivery,
// within the window, is delivered once, with the first body.
func TestDedup(t *testing.T) {
	n := startNATS(t, t.TempDir())
	rc := newReceiver(t, nil)
	d := runDeliverer(t, n.js, testConfig(&logBuffer{}))
	enqueue(t, d, "tok-dup", Target{URL: rc.URL}, body)
	enqueue(t, d, "tok-dup", Target{URL: rc.URL}, `{"second":true}`)
	waitFor(t, "one request and an empty stream", func() bool { return len(rc.requests()) == 1 && n.queued(t) == 0 })
	enqueue(t, d, "tok-dup", Target{URL: rc.URL}, `{"third":true}`)
	settle()
	reqs := rc.requests()
	if len(reqs) != 1 || string(reqs[0].body) != body {
		t.Fatalf("got %d requests (%v), want 1 with the first body", len(reqs), reqs)
	}
	if q := n.queued(t); q != 0 {
		t.Errorf("%d deliveries still queued", q)
	}
}

func TestEnqueueRefuses(t *testing.T) {
	n := startNATS(t, t.TempDir())
	d, err := New(context.Background(), n.js, testConfig(&logBuffer{}))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		id string
		t  Target
	}{
		{"", Target{URL: "http://93.184.216.34/"}},
		{"tok/1", Target{URL: "http://93.184.216.34/"}},
		{"tok\r\nX: y", Target{URL: "http://93.184.216.34/"}},
		{strings.Repeat("a", 129), Target{URL: "http://93.184.216.34/"}},
		{"tok", Target{URL: "http://93.184.216.34/", Method: "GET"}},
		{"tok", Target{URL: "http://93.184.216.34/", Method: "post"}},
		{"tok", Target{URL: "ftp://93.184.216.34/"}},
		{"tok", Target{URL: "http://u:p@93.184.216.34/"}},
		{"tok", Target{URL: ""}},
	}
	for _, c := range cases {
		if err := d.Enqueue(context.Background(), c.id, c.t, []byte(body)); err == nil {
			t.Errorf("Enqueue(%q, %+v) accepted", c.id, c.t)
		}
	}
	if q := n.queued(t); q != 0 {
		t.Errorf("%d deliveries queued, want none", q)
	}
}

// TestRunEndsWithConnection: Run returns an error when its NATS
// connection is closed, rather than spinning.
func TestRunEndsWithConnection(t *testing.T) {
	n := startNATS(t, t.TempDir())
	d, err := New(context.Background(), n.js, testConfig(&logBuffer{}))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- d.Run(context.Background()) }()
	time.Sleep(50 * time.Millisecond)
	n.nc.Close()
	select {
	case err := <-done:
		if err == nil || errors.Is(err, context.Canceled) {
			t.Errorf("Run = %v, want an error about the connection", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return within 10s of its connection's close")
	}
}
