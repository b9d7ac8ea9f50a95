package attack

import (
	"sync"
	"testing"

	"github.com/coderacer/coderacer/test/testserver"
)

// The pool hands out the sandbox used last first, so runs one after the
// other all land in the same one. To reach both of the server's sandboxes
// (both stay started, see TestMain), the tests below send their runs two
// at a time: two runs that overlap hold the two sandboxes, one each.

// executePair posts req twice at once and returns both answers (each a
// 200).
func executePair(t *testing.T, req any) [2]*testserver.Response {
	t.Helper()
	var out [2]*testserver.Response
	var wg sync.WaitGroup
	for i := range out {
		wg.Go(func() {
			status, r := testserver.Execute(t, srv, req)
			if status != 200 {
				t.Errorf("POST /api/v1/execute: want 200, got %d: %s", status, testserver.Shorten(string(r.Raw), 2000))
				return
			}
			out[i] = r
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	return out
}
