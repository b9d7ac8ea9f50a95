package engine

import (
	"testing"
	"time"
)

// The box of a job whose caller holds an AfterAnswer is wiped only once
// the caller says its answer is on its way; its slot is taken until then.
// Without one, or once Done was called, the wipe starts at once.
func TestReleaseWaitsForTheAnswer(t *testing.T) {
	pool := newFakePool(1)
	e := newFakeEngine(t, pool, 0)
	ctx, after := WithAfterAnswer(t.Context())
	if _, err := e.Execute(ctx, interpJob()); err != nil {
		t.Fatal(err)
	}
	time.Sleep(20 * time.Millisecond)
	pool.mu.Lock()
	released := pool.released
	pool.mu.Unlock()
	if released != 0 || e.Stats().InFlight != 1 {
		t.Fatalf("before the answer: %d boxes released, %d jobs in flight; want 0 and 1", released, e.Stats().InFlight)
	}
	after.Done()
	e.Wait()
	if pool.released != 1 || e.Stats().InFlight != 0 {
		t.Fatalf("after the answer: %d boxes released, %d jobs in flight; want 1 and 0", pool.released, e.Stats().InFlight)
	}
	after.Done() // again: nothing more to start
	// A job on a context whose answer was already sent: released at once.
	if _, err := e.Execute(ctx, interpJob()); err != nil {
		t.Fatal(err)
	}
	e.Wait()
	if _, err := execute(t, e, interpJob()); err != nil { // no AfterAnswer
		t.Fatal(err)
	}
	if pool.released != 3 {
		t.Fatalf("%d boxes released, want 3", pool.released)
	}
}
