package cluster

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/coderacer/coderacer/test/testserver"
)

// TestJudgeSpreads: a judge request on an API node has its tests run on
// both workers, and its answer is in test order.
func TestJudgeSpreads(t *testing.T) {
	var tests []map[string]any
	for i := range 8 {
		tests = append(tests, map[string]any{"name": fmt.Sprint(i), "stdin": fmt.Sprint(i), "expectedOutput": fmt.Sprint(i * 2)})
	}
	body, _ := json.Marshal(map[string]any{
		"language": "python3", "entrypoint": "main.py",
		"files": []testserver.File{{Name: "main.py", Content: "import time\nn = int(input())\ntime.sleep(0.5)\nprint(n * 2)\n"}},
		"tests": tests,
	})
	before := []int{judgesLogged(t, hub), judgesLogged(t, w2)}
	code, _, data := testserver.Do(t, a1, "POST", "/api/v1/judge", body)
	var res struct {
		Status string
		Passed int
		Total  int
		Tests  []struct{ Name, Verdict, Stdout string }
	}
	if err := json.Unmarshal(data, &res); code != http.StatusOK || err != nil || res.Status != "AC" || res.Passed != 8 || len(res.Tests) != 8 {
		t.Fatalf("judge through the cluster: %d %s", code, testserver.Shorten(string(data), 2000))
	}
	for i, tr := range res.Tests {
		if tr.Name != fmt.Sprint(i) || tr.Stdout != fmt.Sprint(i*2)+"\n" {
			t.Errorf("test %d of the answer: %+v", i, tr)
		}
	}
	if after := []int{judgesLogged(t, hub), judgesLogged(t, w2)}; after[0] == before[0] || after[1] == before[1] {
		t.Errorf("the workers judged %v parts before and %v after: the tests did not spread over both", before, after)
	}
}

// judgesLogged counts the judges a node's engine logged.
func judgesLogged(t *testing.T, s *testserver.Server) int {
	t.Helper()
	log, err := os.ReadFile(s.LogPath)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Count(string(log), "msg=judge ")
}
