package judge0

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/coderacer/coderacer/internal/callback"
)

// TestCallback: callback_url gets a PUT of the finished submission, the
// default fields in base64, signed, once.
func TestCallback(t *testing.T) {
	type got struct {
		method, signature string
		body              []byte
	}
	var mu sync.Mutex
	var deliveries []got
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		deliveries = append(deliveries, got{r.Method, r.Header.Get(callback.SignatureHeader), b})
		mu.Unlock()
	})}
	go hs.Serve(ln)
	defer hs.Close()

	token := create(t, sub(71, "print('called back')", "callback_url", "http://"+ln.Addr().String()+"/judge0-hook"))
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		mu.Lock()
		n := len(deliveries)
		mu.Unlock()
		if n > 0 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond) // a second delivery would show by now
	mu.Lock()
	defer mu.Unlock()
	if len(deliveries) != 1 {
		t.Fatalf("%d deliveries, want 1", len(deliveries))
	}
	d := deliveries[0]
	var body Result
	if err := json.Unmarshal(d.body, &body); err != nil {
		t.Fatalf("callback body %q: %v", d.body, err)
	}
	if d.method != http.MethodPut || !callback.Verify([]byte(callbackSecret), d.body, d.signature) {
		t.Errorf("callback: %s, signature %q", d.method, d.signature)
	}
	if body["token"] != token || dec(t, body["stdout"]) != "called back\n" || body.statusID() != 3 {
		t.Errorf("callback body %s", d.body)
	}
	for _, field := range []string{"token", "time", "memory", "stdout", "stderr", "compile_output", "message", "status"} {
		if _, ok := body[field]; !ok {
			t.Errorf("callback body lacks the default field %s: %s", field, d.body)
		}
	}
}
