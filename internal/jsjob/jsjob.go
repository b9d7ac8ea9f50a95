// Package jsjob holds what every consumer of a JetStream work queue in
// this project does the same way (the submissions' store, the cluster's
// workers, the callbacks' deliverer): keeping a long job from redelivery,
// and pausing between attempts without outliving its context.
package jsjob

import (
	"context"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// KeepInProgress tells NATS every third of ackWait that msg's job is
// still being worked on, until done is closed: a long job is not
// redelivered, while the job of a worker that died is, after ackWait.
func KeepInProgress(msg jetstream.Msg, ackWait time.Duration, done <-chan struct{}) {
	t := time.NewTicker(max(ackWait/3, time.Millisecond))
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case <-t.C:
			_ = msg.InProgress()
		}
	}
}

// Sleep pauses for d, or until ctx ends.
func Sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
