package engine

import (
	"context"
	"sync"
)

// AfterAnswer holds the engine's work that may wait until the caller of
// Execute has sent its answer: the wipe of the job's box. The wipe has the
// box's init replace two mounts; done while the answer is being written,
// it takes the CPU from the answer (two cores run the server, the client
// and the init); done after, it costs the answer nothing. The slot stays
// taken until the wipe is over, as it always was.
//
// The caller that puts one on the context (WithAfterAnswer) must call
// Done once its answer is on its way, and whatever happens: a deferred
// Done covers the error paths. It must not wait on its client first: a
// client that does not read would hold the box (the API's write of a
// small answer is bounded, and a timer calls Done too). Without one on
// the context, the engine starts the work at once.
type AfterAnswer struct {
	mu   sync.Mutex
	done bool
	work []func()
}

type afterAnswerKey struct{}

// WithAfterAnswer returns a context whose jobs leave the work that can
// wait to a, and a.
func WithAfterAnswer(ctx context.Context) (context.Context, *AfterAnswer) {
	a := &AfterAnswer{}
	return context.WithValue(ctx, afterAnswerKey{}, a), a
}

// Done starts the work held for the answer, each piece in a goroutine of
// its own; work handed over later starts at once. It may be called more
// than once, from any goroutine.
func (a *AfterAnswer) Done() {
	a.mu.Lock()
	work := a.work
	a.work, a.done = nil, true
	a.mu.Unlock()
	for _, f := range work {
		go f()
	}
}

// hold keeps f for Done, unless Done was called already.
func (a *AfterAnswer) hold(f func()) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.done {
		return false
	}
	a.work = append(a.work, f)
	return true
}

// afterAnswer runs f in a goroutine once the answer of ctx's caller is on
// its way (see AfterAnswer), or at once when ctx has no AfterAnswer.
func afterAnswer(ctx context.Context, f func()) {
	if a, ok := ctx.Value(afterAnswerKey{}).(*AfterAnswer); ok && a.hold(f) {
		return
	}
	go f()
}
