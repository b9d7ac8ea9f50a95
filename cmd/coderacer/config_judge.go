package main

import (
	"fmt"

	"github.com/coderacer/coderacer/internal/api"
)

// ---- POST /api/v1/judge (README "Judge") ----

func (c *serveConfig) judgeSettings() []setting {
	j := &c.Judge
	return []setting{
		{"CODERACER_JUDGE_MAX_BODY_BYTES", "judge-max-body-bytes", "largest judge request body (POST /api/v1/judge, or the WebSocket's judge message); 413 above", bytesValue(&j.MaxBodyBytes)},
		{"CODERACER_JUDGE_MAX_TESTS", "judge-max-tests", "most tests in a judge request; 400 above", intValue(&j.MaxTests)},
		{"CODERACER_JUDGE_MAX_TEST_BYTES", "judge-max-test-bytes", "stdin, expectedOutput and files of every test of a judge request together; 400 above", bytesValue(&j.MaxTestBytes)},
		{"CODERACER_JUDGE_MAX_OUTPUT_PREVIEW_BYTES", "judge-max-output-preview-bytes", "largest outputPreviewBytes a judge request may ask for: the stdout and the stderr kept of each test; 400 above", bytesValue(&j.MaxOutputPreviewBytes)},
	}
}

// checkJudge checks the judge bounds. A judge body larger than the body
// memory is not refused here (lowering the body memory must not break a
// configuration that worked): such a body is read when no other is held.
func (c *serveConfig) checkJudge() error {
	j := c.Judge
	switch {
	case j.MaxBodyBytes < 1 || j.MaxTests < 1 || j.MaxTestBytes < 1 || j.MaxOutputPreviewBytes < 1:
		return fmt.Errorf("judge bounds (body, tests, test bytes, output preview) must be positive")
	case j.MaxOutputPreviewBytes < api.DefaultJudgeOutputPreviewBytes:
		return fmt.Errorf("judge max output preview (%d bytes) must be at least a request's default, %d", j.MaxOutputPreviewBytes, api.DefaultJudgeOutputPreviewBytes)
	}
	return nil
}
