package submissions

import (
	"net/http"
	"testing"
	"time"

	"github.com/coderacer/coderacer/test/testserver"
)

// TestLargeOutput: a program that prints 8 MiB (within the limits, half
// their maximum) of bytes JSON must escape (6 bytes each: a 48 MiB
// answer, which /api/v1/execute streams) still ends within moments: done
// with its result, or done with an error saying why there is none. It is
// not left "running", nor run again and again.
func TestLargeOutput(t *testing.T) {
	req := python("import sys\nsys.stdout.buffer.write(b'\\x01' * (8 << 20))\n", 20*time.Second)
	req.Limits.OutputBytes = 8 << 20
	token := submit(t, srv, req)
	start := time.Now()
	v := waitStatus(t, srv, token, 20*time.Second, "done", "cancelled")
	t.Logf("over in %v: status %s, error %q (code %d), result %d bytes", time.Since(start).Round(time.Millisecond), v.Status, v.Error, v.ErrorCode, len(v.Result))
	if v.Status != "done" {
		t.Fatalf("want done, got %+v", v)
	}
	if string(v.Result) == "null" && v.Error == "" {
		t.Errorf("done without a result and without an error")
	}
	status, _, _ := testserver.Do(t, srv, http.MethodGet, "/api/v1/submissions/"+token, nil)
	if status != http.StatusOK {
		t.Errorf("GET after: %d", status)
	}
}
