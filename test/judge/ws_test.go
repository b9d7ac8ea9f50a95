package judge

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// TestJudgeWebSocket: a "judge" message on /api/v1/connect gets a "test"
// message per test as it finishes, then the result with the tests in
// test order, then the close 1000.
func TestJudgeWebSocket(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http")+"/api/v1/connect", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.CloseNow()
	msg := map[string]any{"type": "judge", "language": "python3", "entrypoint": "main.py",
		"files": []File{{Name: "main.py", Content: "print(sum(map(int, input().split())))"}},
		"tests": []Test{{Stdin: "1 2", ExpectedOutput: "3"}, {Stdin: "2 2", ExpectedOutput: "5"}, {Stdin: "5 5", ExpectedOutput: "10"}}}
	b, _ := json.Marshal(msg)
	if err := conn.Write(ctx, websocket.MessageText, b); err != nil {
		t.Fatal(err)
	}
	var indexes []int
	var result struct {
		Type   string `json:"type"`
		Status string `json:"status"`
		Passed int    `json:"passed"`
		Tests  []struct {
			Name    string `json:"name"`
			Verdict string `json:"verdict"`
		} `json:"tests"`
	}
	for {
		_, data, err := conn.Read(ctx)
		if err != nil {
			if websocket.CloseStatus(err) != websocket.StatusNormalClosure || result.Type != "result" {
				t.Fatalf("session ended with %v before a result (tests seen %v)", err, indexes)
			}
			break
		}
		var m struct {
			Type    string `json:"type"`
			Index   int    `json:"index"`
			Verdict string `json:"verdict"`
		}
		if err := json.Unmarshal(data, &m); err != nil {
			t.Fatalf("%v: %s", err, data)
		}
		switch m.Type {
		case "test":
			indexes = append(indexes, m.Index)
		case "result":
			if err := json.Unmarshal(data, &result); err != nil {
				t.Fatal(err)
			}
		default:
			t.Fatalf("unexpected message %s", data)
		}
	}
	slices.Sort(indexes)
	if !slices.Equal(indexes, []int{0, 1, 2}) {
		t.Errorf("test messages for %v, want one for each of 0, 1, 2", indexes)
	}
	var verdicts []string
	for _, tr := range result.Tests {
		verdicts = append(verdicts, tr.Name+":"+tr.Verdict)
	}
	if result.Status != "WA" || result.Passed != 2 || strings.Join(verdicts, " ") != "1:AC 2:WA 3:AC" {
		t.Errorf("result %+v, want WA with 1:AC 2:WA 3:AC", result)
	}
}
