package cluster

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

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
	busyBoth := make(chan bool, 1)
	go func() { busyBoth <- sawBothBusy(a1, 8*time.Second) }()
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
	if !<-busyBoth {
		t.Errorf("the judge's tests did not spread over both workers")
	}
}
