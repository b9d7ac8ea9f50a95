package metrics

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/coderacer/coderacer/internal/engine"
	"github.com/coderacer/coderacer/internal/judge"
)

type noStats struct{}

func (noStats) Stats() engine.Stats { return engine.Stats{} }

func TestJudged(t *testing.T) {
	m := New(noStats{})
	m.Judged("v1-judge", &engine.JudgeResult{Language: "c++", Status: judge.WrongAnswer,
		Tests: []engine.TestResult{{Verdict: judge.Accepted}, {Verdict: judge.WrongAnswer}, {Verdict: judge.Skipped}}})
	m.Judged("v1-judge", &engine.JudgeResult{Language: "c++", Status: judge.Accepted, Tests: []engine.TestResult{{Verdict: judge.Accepted}}})
	m.Judged("v1-judge-websocket", nil)
	var nilM *Metrics
	nilM.Judged("v1-judge", nil) // records nothing, does not panic

	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	for _, want := range []string{
		`coderacer_judge_submissions_total{dialect="v1-judge",language="c++",status="WA"} 1`,
		`coderacer_judge_submissions_total{dialect="v1-judge",language="c++",status="AC"} 1`,
		`coderacer_judge_tests_total{verdict="AC"} 2`,
		`coderacer_judge_tests_total{verdict="WA"} 1`,
		`coderacer_judge_tests_total{verdict="SKIPPED"} 1`,
		`coderacer_engine_errors_total 1`,
	} {
		if !strings.Contains(string(body), want+"\n") {
			t.Errorf("no %s in:\n%s", want, body)
		}
	}
}
