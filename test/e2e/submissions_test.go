package e2e

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/coderacer/coderacer/internal/callback"
	"github.com/coderacer/coderacer/test/testserver"
)

// callbackSecret signs the shared server's callbacks (main_test.go).
const callbackSecret = "e2e-callback-secret"

// submission is GET /api/v1/submissions/{token}'s answer.
type submission struct {
	Token  string    `json:"token"`
	Status string    `json:"status"`
	Result *Response `json:"result"`
	Error  string    `json:"error"`
}

// submit posts req to /api/v1/submissions and returns its token.
func submit(t *testing.T, req any) string {
	t.Helper()
	b, _ := json.Marshal(req)
	code, _, body := testserver.Do(t, srv, "POST", "/api/v1/submissions", b)
	var v struct{ Token string }
	if err := json.Unmarshal(body, &v); code != http.StatusAccepted || err != nil || v.Token == "" {
		t.Fatalf("POST /api/v1/submissions: %d %s", code, body)
	}
	return v.Token
}

// withCallback is req with a callbackUrl.
func withCallback(req Request, url string) map[string]any {
	b, _ := json.Marshal(req)
	var m map[string]any
	json.Unmarshal(b, &m)
	m["callbackUrl"] = url
	return m
}

// delivery is one callback a receiver got.
type delivery struct {
	method, path, signature, contentType string
	body                                 []byte
}

// receiver is a callback receiver on this host's loopback.
type receiver struct {
	mu  sync.Mutex
	got []delivery
	url string
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: r}
	go hs.Serve(ln)
	t.Cleanup(func() { hs.Close() })
	r.url = "http://" + ln.Addr().String()
	return r
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	r.got = append(r.got, delivery{req.Method, req.URL.RequestURI(), req.Header.Get(callback.SignatureHeader), req.Header.Get("Content-Type"), body})
	r.mu.Unlock()
}

func (r *receiver) deliveries() []delivery {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]delivery(nil), r.got...)
}

// TestSubmissionCallbacks: each finished submission is POSTed once to
// its callback URL, signed; a target the server must not call is a 400.
func TestSubmissionCallbacks(t *testing.T) {
	rcv := newReceiver(t)
	want := map[string]string{} // token → its program's output
	for i := range 8 {
		marker := testserver.RandomHex(8)
		token := submit(t, withCallback(testserver.Python("print('"+marker+"')"), rcv.url+"/hook?n="+string(rune('a'+i))))
		want[token] = marker + "\n"
	}
	deadline := time.Now().Add(60 * time.Second)
	for len(rcv.deliveries()) < len(want) && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(time.Second) // a second delivery of any would show by now
	seen := map[string]bool{}
	for _, d := range rcv.deliveries() {
		var s submission
		if err := json.Unmarshal(d.body, &s); err != nil {
			t.Fatalf("callback body %q: %v", d.body, err)
		}
		switch {
		case d.method != "POST" || !strings.HasPrefix(d.path, "/hook?n=") || d.contentType != "application/json":
			t.Errorf("callback of %s: %s %s (%s)", s.Token, d.method, d.path, d.contentType)
		case !callback.Verify([]byte(callbackSecret), d.body, d.signature):
			t.Errorf("callback of %s: signature %q does not verify", s.Token, d.signature)
		case seen[s.Token]:
			t.Errorf("callback of %s delivered twice", s.Token)
		case s.Status != "done" || s.Result == nil || s.Result.Stdout != want[s.Token]:
			t.Errorf("callback of %s: status %s, result %+v; want stdout %q", s.Token, s.Status, s.Result, want[s.Token])
		}
		seen[s.Token] = true
	}
	if len(seen) != len(want) {
		t.Fatalf("%d of %d submissions were called back", len(seen), len(want))
	}
	for _, url := range []string{"http://10.1.2.3/hook", "http://169.254.169.254/latest/meta-data", "http://[::1]:9/", "file:///etc/passwd", "http://user:pw@example.com/"} {
		b, _ := json.Marshal(withCallback(testserver.Python("print(1)"), url))
		code, _, body := testserver.Do(t, srv, "POST", "/api/v1/submissions", b)
		if code != http.StatusBadRequest || !strings.Contains(string(body), "callback") {
			t.Errorf("callbackUrl %s: %d %s, want a 400 about the callback", url, code, body)
		}
	}
}

// TestSubmissionFollow: a WebSocket follow gets the status at once, then
// the submission when it is over; an unknown token is a 4404.
func TestSubmissionFollow(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	token := submit(t, testserver.Python("import time; time.sleep(0.5); print('followed')"))
	conn := dialConnect(ctx, t)
	defer conn.CloseNow()
	wsWrite(ctx, t, conn, `{"type":"follow","token":"`+token+`"}`)
	var first, last struct {
		Type   string    `json:"type"`
		Token  string    `json:"token"`
		Status string    `json:"status"`
		Result *Response `json:"result"`
	}
	wsRead(ctx, t, conn, &first)
	if first.Type != "status" || first.Token != token || first.Status == "" {
		t.Fatalf("first message %+v", first)
	}
	wsRead(ctx, t, conn, &last)
	if last.Type != "submission" || last.Status != "done" || last.Result == nil || last.Result.Stdout != "followed\n" {
		t.Fatalf("last message %+v", last)
	}
	if _, _, err := conn.Read(ctx); websocket.CloseStatus(err) != websocket.StatusNormalClosure {
		t.Fatalf("after the submission: %v, want the close 1000", err)
	}

	unknown := dialConnect(ctx, t)
	defer unknown.CloseNow()
	wsWrite(ctx, t, unknown, `{"type":"follow","token":"00000000-0000-4000-8000-000000000000"}`)
	var msg struct{ Type, Error string }
	wsRead(ctx, t, unknown, &msg)
	if _, _, err := unknown.Read(ctx); msg.Type != "error" || websocket.CloseStatus(err) != 4404 {
		t.Fatalf("follow of an unknown token: %+v then %v, want an error and the close 4404", msg, err)
	}
}

func dialConnect(ctx context.Context, t *testing.T) *websocket.Conn {
	t.Helper()
	conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http")+"/api/v1/connect", nil)
	if err != nil {
		t.Fatal(err)
	}
	return conn
}

func wsWrite(ctx context.Context, t *testing.T, conn *websocket.Conn, msg string) {
	t.Helper()
	if err := conn.Write(ctx, websocket.MessageText, []byte(msg)); err != nil {
		t.Fatal(err)
	}
}

func wsRead(ctx context.Context, t *testing.T, conn *websocket.Conn, v any) {
	t.Helper()
	_, data, err := conn.Read(ctx)
	if err != nil {
		t.Fatalf("reading a message: %v", err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("message %s: %v", data, err)
	}
}
