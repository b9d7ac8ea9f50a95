package attack

// The WebSocket session cap (issue 10, item 9): at most wsMaxSessions
// sessions are open at once, in both dialects together; one more is
// refused before the upgrade with 503, Retry-After and the dialect's JSON
// error, and the open ones keep working.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// tryDial opens a session of d, or returns the refusal's response.
func tryDial(d wsDialect) (*websocket.Conn, *http.Response, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return websocket.Dial(ctx, wsURL(d.path), nil)
}

// openSessions opens n v1 sessions (v1 waits 10 s for execute; v2 only
// 1 s for init). Sessions of earlier attacks may still be closing: a
// refusal before n closes them all and tries again, for up to 15 s.
func openSessions(t *testing.T, n int) []*websocket.Conn {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		var conns []*websocket.Conn
		var refused *http.Response
		for len(conns) < n {
			conn, resp, err := tryDial(wsV1)
			if err != nil {
				refused = resp
				if resp == nil {
					t.Fatalf("session %d: %v", len(conns)+1, err)
				}
				break
			}
			conns = append(conns, conn)
		}
		if len(conns) == n {
			return conns
		}
		for _, c := range conns {
			c.CloseNow()
		}
		if time.Now().After(deadline) {
			t.Fatalf("only %d sessions could be opened, want %d: %s", len(conns), n, describeResponse(refused))
		}
		time.Sleep(time.Second)
	}
}

func TestWSSessionCap(t *testing.T) {
	conns := openSessions(t, wsMaxSessions)
	defer func() {
		for _, c := range conns {
			c.CloseNow()
		}
	}()
	// One more, in either dialect: 503 before the upgrade.
	for _, tc := range []struct {
		d     wsDialect
		field string
	}{{wsV1, "error"}, {wsV2, "message"}} {
		conn, resp, err := tryDial(tc.d)
		if err == nil {
			conn.CloseNow()
			t.Errorf("%s: session %d was accepted, want 503", tc.d.name, wsMaxSessions+1)
			continue
		}
		checkRefusal(t, tc.d, tc.field, resp)
	}
	// The open ones keep working: one runs a job to its end.
	s := newWSSession(t, wsV1, conns[0])
	s.send(wsV1.start("print('still here')", 0))
	s.readAll()
	s.fast.Store(true)
	out, msgs, end := s.wait(30 * time.Second)
	if out["stdout"] != "still here\n" || len(msgs) != 4 || msgs[3].str("status") != "OK" {
		t.Errorf("an open session's job: stdout %q, messages %v", out["stdout"], msgs)
	}
	if code, _ := closeOf(end); code != websocket.StatusNormalClosure {
		t.Errorf("an open session's job ended with %v, want 1000", end)
	}
	// Its place is free again.
	deadline := time.Now().Add(5 * time.Second)
	for {
		conn, resp, err := tryDial(wsV2)
		if err == nil {
			conn.CloseNow()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("a closed session's place was not freed: %v (%s)", err, describeResponse(resp))
		}
		time.Sleep(100 * time.Millisecond)
	}
	requireHealthy(t)
}

func checkRefusal(t *testing.T, d wsDialect, field string, resp *http.Response) {
	t.Helper()
	if resp == nil {
		t.Fatalf("%s: refused without an HTTP answer", d.name)
	}
	body, _ := io.ReadAll(resp.Body)
	var e map[string]any
	want := fmt.Sprintf("too many WebSocket sessions: at most %d may be open at once; retry later", wsMaxSessions)
	if resp.StatusCode != http.StatusServiceUnavailable || json.Unmarshal(body, &e) != nil || e[field] != want || len(e) != 1 {
		t.Errorf("%s: HTTP %d %q, want 503 {%q: %q}", d.name, resp.StatusCode, body, field, want)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("%s: Content-Type %q, want application/json", d.name, ct)
	}
	if resp.Header.Get("Retry-After") == "" {
		t.Errorf("%s: 503 without Retry-After", d.name)
	}
}
