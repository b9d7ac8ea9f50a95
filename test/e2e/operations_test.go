package e2e

import (
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// TestRequestIDAndReadiness: the real server names every answer with an
// id, the client's when it sent one, and answers readiness.
func TestRequestIDAndReadiness(t *testing.T) {
	body := `{"language":"bash","entrypoint":"a.sh","files":[{"name":"a.sh","content":"echo hi"}]}`
	for _, sent := range []string{"e2e-" + strings.Repeat("7", 20), ""} {
		req, err := http.NewRequest(http.MethodPost, srv.URL+"/api/v1/execute", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if sent != "" {
			req.Header.Set("X-Request-Id", sent)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		got := resp.Header.Get("X-Request-Id")
		switch {
		case sent != "" && got != sent:
			t.Errorf("sent id %q, answer says %q", sent, got)
		case sent == "" && !regexp.MustCompile(`^[0-9a-f]{16}$`).MatchString(got):
			t.Errorf("no id sent: answer's %q is not one the server made", got)
		}
	}
	resp, err := http.Get(srv.URL + "/api/v1/ready")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || string(b) != `{"status":"ready"}`+"\n" {
		t.Errorf("GET /api/v1/ready: %d %s", resp.StatusCode, b)
	}
}
