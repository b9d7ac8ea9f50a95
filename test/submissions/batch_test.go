package submissions

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coderacer/coderacer/test/testserver"
)

// batchItem is one item of a batch POST's answer.
type batchItem struct {
	Token     string `json:"token"`
	Error     string `json:"error"`
	ErrorCode int    `json:"errorCode"`
}

func postBatch(t testing.TB, body any) (int, []batchItem, []byte) {
	t.Helper()
	status, _, data := testserver.Do(t, srv, http.MethodPost, "/api/v1/submissions/batch", encode(t, body))
	var out struct {
		Submissions []batchItem `json:"submissions"`
	}
	if status == http.StatusAccepted {
		if err := json.Unmarshal(data, &out); err != nil {
			t.Fatalf("POST batch answered 202 with a body that is not a batch (%v): %s", err, data)
		}
	}
	return status, out.Submissions, data
}

// TestBatch: a batch of valid and invalid items queues the valid ones,
// says why each invalid one was refused, in order; a batch read answers
// each submission in the order of its tokens.
func TestBatch(t *testing.T) {
	markers := []string{"b0-" + testserver.RandomHex(6), "", "b2-" + testserver.RandomHex(6), "", "b4-" + testserver.RandomHex(6)}
	items := []any{
		testserver.Python("print(" + jsonString(markers[0]) + ")"),
		map[string]any{"language": "no-such-language", "entrypoint": "a", "files": []map[string]string{{"name": "a", "content": "x"}}},
		testserver.Bash("echo " + markers[2]),
		"not an object",
		testserver.C(fmt.Sprintf("#include <stdio.h>\nint main(void){puts(%q);return 0;}\n", markers[4])),
	}
	status, got, data := postBatch(t, map[string]any{"submissions": items})
	if status != http.StatusAccepted || len(got) != len(items) {
		t.Fatalf("POST batch: want 202 with %d items, got %d: %s", len(items), status, data)
	}
	var tokens []string
	for i, it := range got {
		valid := markers[i] != ""
		if valid != (it.Token != "") || valid == (it.Error != "") {
			t.Fatalf("item %d: want a token %v / an error %v, got %+v", i, valid, !valid, it)
		}
		if !valid && it.ErrorCode != http.StatusBadRequest {
			t.Errorf("item %d: errorCode %d, want 400", i, it.ErrorCode)
		}
		tokens = append(tokens, it.Token)
	}
	if !strings.Contains(got[1].Error, "no-such-language") {
		t.Errorf("item 1's error does not name the language: %q", got[1].Error)
	}
	// Read them back in another order, an unknown one among them.
	order := []string{tokens[4], "00000000-0000-4000-8000-000000000000", tokens[0], tokens[2]}
	want := []string{markers[4], "", markers[0], markers[2]}
	deadline := time.Now().Add(30 * time.Second)
	for {
		views := getBatch(t, srv, order)
		if !allOver(views) && time.Now().Before(deadline) {
			time.Sleep(100 * time.Millisecond)
			continue
		}
		for i, v := range views {
			if want[i] == "" {
				if v.Status != "unknown" {
					t.Errorf("batch read %d: an unknown token's status is %q, want unknown", i, v.Status)
				}
				continue
			}
			if r := v.execResult(t); v.Status != "done" || r.Stdout != want[i]+"\n" {
				t.Errorf("batch read %d: want done with stdout %q, got %s: %s", i, want[i]+"\n", v.Status, r.String())
			}
		}
		return
	}
}

func allOver(views []View) bool {
	for _, v := range views {
		if !v.over() && v.Status != "unknown" {
			return false
		}
	}
	return true
}

// TestBatchBounds: an empty batch, one over the bound (20), and bodies
// that are not a batch are 400s with a JSON error; so are batch reads
// without tokens or with too many.
func TestBatchBounds(t *testing.T) {
	one := testserver.Python("print(1)")
	many := make([]any, 21)
	for i := range many {
		many[i] = one
	}
	for name, body := range map[string]any{
		"empty":     map[string]any{"submissions": []any{}},
		"too_many":  map[string]any{"submissions": many},
		"not_array": `{"submissions":{"language":"python3"}}`,
		"missing":   `{}`,
		"not_json":  `submissions`,
	} {
		status, _, data := postBatch(t, body)
		if status != http.StatusBadRequest {
			t.Errorf("POST batch %s: want 400, got %d: %s", name, status, testserver.Shorten(string(data), 500))
			continue
		}
		errorBody(t, "POST batch "+name, status, data)
	}
	tooMany := strings.TrimSuffix(strings.Repeat("x,", 21), ",")
	for _, q := range []string{"", "?tokens=", "?tokens=" + url.QueryEscape(tooMany)} {
		status, _, data := testserver.Do(t, srv, http.MethodGet, "/api/v1/submissions/batch"+q, nil)
		if status != http.StatusBadRequest {
			t.Errorf("GET batch%s: want 400, got %d: %s", testserver.Shorten(q, 40), status, testserver.Shorten(string(data), 500))
			continue
		}
		errorBody(t, "GET batch", status, data)
	}
}

// TestBatchItemTypes: batch items whose kind or callbackUrl has the wrong
// JSON type are refused each with its error, like any invalid item; an
// item is never answered with neither a token nor an error.
func TestBatchItemTypes(t *testing.T) {
	good := `"language":"python3","entrypoint":"main.py","files":[{"name":"main.py","content":"print(1)"}]`
	body := `{"submissions":[{"kind":7,` + good + `},{"callbackUrl":[],` + good + `},{` + good + `}]}`
	status, got, data := postBatch(t, body)
	if status != http.StatusAccepted || len(got) != 3 {
		t.Fatalf("POST batch: want 202 with 3 items, got %d: %s", status, data)
	}
	for i, it := range got[:2] {
		if it.Token != "" || it.Error == "" || it.ErrorCode != http.StatusBadRequest {
			t.Errorf("item %d: want an error (errorCode 400) and no token, got %+v (answer %s)", i, it, data)
		}
	}
	if got[2].Token == "" {
		t.Errorf("item 2 (valid): no token: %s", data)
	}
}
