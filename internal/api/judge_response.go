package api

// The answer of a judge request: the same document over HTTP (streamed,
// writeJudgeResponse) and as the v1 WebSocket's result message
// (newJudgeResultStream). The tests' expected outputs are never in it.

import (
	"unsafe"

	"github.com/coderacer/coderacer/internal/engine"
)

type judgeResponse struct {
	Language string         `json:"language"`
	Version  string         `json:"version"`
	Status   string         `json:"status"`
	Compile  *stageResponse `json:"compile,omitempty"`
	judgeTotals
	Tests []judgeTestResponse `json:"tests"`
}

// judgeTotals are the numbers of the whole submission.
type judgeTotals struct {
	Passed      int     `json:"passed"`
	Total       int     `json:"total"`
	Score       float64 `json:"score"`
	MaxScore    float64 `json:"maxScore"`
	MaxCPUTime  string  `json:"maxCpuTime"`
	MaxWallTime string  `json:"maxWallTime"`
	MaxMemory   int64   `json:"maxMemory"`
}

type judgeTestResponse struct {
	judgeTestHead
	Stdout string `json:"stdout"`
	Stderr string `json:"stderr"`
	judgeTestTail
}

// judgeTestHead are a test's fields before its output.
type judgeTestHead struct {
	Name           string  `json:"name"`
	Verdict        string  `json:"verdict"`
	ExitCode       int     `json:"exitCode"`
	Signal         string  `json:"signal"`
	CPUTime        string  `json:"cpuTime"`
	WallTime       string  `json:"wallTime"`
	Memory         int64   `json:"memory"`
	Points         float64 `json:"points"`
	CheckerMessage string  `json:"checkerMessage"`
}

// judgeTestTail are a test's fields after its output, each only when set.
type judgeTestTail struct {
	StdoutTruncated bool   `json:"stdoutTruncated,omitempty"`
	StderrTruncated bool   `json:"stderrTruncated,omitempty"`
	Message         string `json:"message,omitempty"`
}

// judgeTestMessage is the v1 WebSocket's "test" event; index is the
// test's place in the request, as tests finish in any order.
type judgeTestMessage struct {
	Type  string `json:"type"`
	Index int    `json:"index"`
	judgeTestResponse
}

type judgeResultMessage struct {
	Type string `json:"type"`
	judgeResponse
}

// bytesText is b as a string without a copy: results are not changed
// once the executor returned them.
func bytesText(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

// newJudgeResponse is the answer to res; text makes each free text's
// string (outputs, names, messages), in document order.
func newJudgeResponse(res *engine.JudgeResult, text func(string) string) judgeResponse {
	out := judgeResponse{
		Language: res.Language, Version: res.Version, Status: string(res.Status),
		judgeTotals: newJudgeTotals(res),
		Tests:       make([]judgeTestResponse, len(res.Tests)),
	}
	if c := res.Compile; c != nil {
		out.Compile = &stageResponse{Stdout: text(bytesText(c.Stdout)), Stderr: text(bytesText(c.Stderr)), stageFields: newStageFields(c), Cached: c.Cached}
	}
	for i := range res.Tests {
		out.Tests[i] = newJudgeTest(&res.Tests[i], text)
	}
	return out
}

func newJudgeTotals(res *engine.JudgeResult) judgeTotals {
	return judgeTotals{
		Passed: res.Passed, Total: res.Total, Score: res.Score, MaxScore: res.MaxScore,
		MaxCPUTime: dur(res.MaxCPUTime), MaxWallTime: dur(res.MaxWallTime), MaxMemory: res.MaxMemory,
	}
}

func newJudgeTest(t *engine.TestResult, text func(string) string) judgeTestResponse {
	out := judgeTestResponse{judgeTestHead: newJudgeTestHead(t)}
	out.Name = text(t.Name)
	out.CheckerMessage = text(t.CheckerMessage)
	out.Stdout = text(bytesText(t.Stdout))
	out.Stderr = text(bytesText(t.Stderr))
	out.judgeTestTail = judgeTestTail{StdoutTruncated: t.StdoutTruncated, StderrTruncated: t.StderrTruncated}
	if t.Message != "" {
		out.Message = text(t.Message)
	}
	return out
}

func newJudgeTestHead(t *engine.TestResult) judgeTestHead {
	return judgeTestHead{
		Name: t.Name, Verdict: string(t.Verdict), ExitCode: t.ExitCode, Signal: t.Signal,
		CPUTime: dur(t.CPUTime), WallTime: dur(t.WallTime), Memory: t.Memory,
		Points: t.Points, CheckerMessage: t.CheckerMessage,
	}
}

// writeJudgeResponse writes newJudgeResponse(res) as json.Encoder would,
// with the outputs streamed from res.
func writeJudgeResponse(o *jsonOut, res *engine.JudgeResult) {
	o.raw(`{`)
	o.members(struct {
		Language string `json:"language"`
		Version  string `json:"version"`
		Status   string `json:"status"`
	}{res.Language, res.Version, string(res.Status)}, true)
	if c := res.Compile; c != nil {
		o.raw(`"compile":{"stdout":`)
		o.str(c.Stdout)
		o.raw(`,"stderr":`)
		o.str(c.Stderr)
		o.raw(`,`)
		o.members(struct {
			stageFields
			Cached bool `json:"cached,omitempty"`
		}{newStageFields(c), c.Cached}, false)
		o.raw(`},`)
	}
	o.members(newJudgeTotals(res), true)
	o.raw(`"tests":[`)
	for i := range res.Tests {
		if i > 0 {
			o.raw(`,`)
		}
		writeJudgeTest(o, &res.Tests[i])
	}
	o.raw(`]}`)
}

func writeJudgeTest(o *jsonOut, t *engine.TestResult) {
	o.raw(`{`)
	o.members(newJudgeTestHead(t), true)
	o.raw(`"stdout":`)
	o.str(t.Stdout)
	o.raw(`,"stderr":`)
	o.str(t.Stderr)
	tail := judgeTestTail{StdoutTruncated: t.StdoutTruncated, StderrTruncated: t.StderrTruncated, Message: t.Message}
	if tail != (judgeTestTail{}) {
		o.raw(`,`)
		o.members(tail, false)
	}
	o.raw(`}`)
}

// newJudgeResultStream is the v1 WebSocket's result message, its free
// texts streamed in the order they appear. Every text a client or a
// program chose (a test's name, a checker's message, outputs) is among
// them, so none can hold a placeholder of its own: the head holds only
// the engine's words and numbers.
func newJudgeResultStream(res *engine.JudgeResult) streamedMessage {
	var strs []string
	hold := func(s string) string {
		strs = append(strs, s)
		return streamedPlaceholder(len(strs) - 1)
	}
	resp := newJudgeResponse(res, hold)
	return streamedMessage{head: judgeResultMessage{Type: "result", judgeResponse: resp}, strs: strs}
}
