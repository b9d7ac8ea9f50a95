// Package admission decides, per client, when a job may go into the engine.
//
// A Gate wraps an engine.Executor (the local engine, or a cluster client)
// and sits between the API layer and it. For every job it:
//
//  1. checks that the client may use the job's language (else *LanguageError);
//  2. checks the client's CPU-seconds quota (else *QuotaError, with the time
//     after which the bucket holds CPU time again);
//  3. waits for a slot: at most Options.Slots jobs run at once in all, and at
//     most the client's cap (Client.MaxJobs, else Options.MaxJobsPerClient)
//     of one client, so one client never holds more sandboxes than its cap;
//  4. runs the job in the wrapped executor and charges its CPU time (compile
//     plus run) to the client's bucket, which may go into debt: a long job
//     is paid for by the client's next jobs.
//
// Queueing. Jobs that cannot run at once wait here, at most
// Options.QueueSize of them. When a slot frees, the next job is chosen
// round-robin between the clients that have a waiting job and are under
// their cap, first in, first out within a client; so a client that queued
// a hundred jobs delays another client's single job by at most one job.
// A client skipped because it is at its cap keeps its place in the round.
// A waiting job whose client's bucket is empty when its turn comes gets the
// *QuotaError it would have got on arrival, and so do the client's other
// waiting jobs.
//
// Eviction. When the queue is full, a newcomer whose client has fewer
// waiting jobs than the client with the most waiting jobs takes the place
// of that heaviest client's newest waiting job, which gets
// engine.ErrQueueFull (the API's 503 "retry later"); a newcomer whose
// client already has as many waiting jobs as any other gets
// engine.ErrQueueFull itself. Among equally heavy clients the one that has
// waited longest for its turn in the round loses the job. So a flood from
// one client fills only the room others do not claim.
//
// Memory. A client's state lives while it has jobs running or waiting, and
// after that until its CPU bucket is full again (at once when it has no
// quota), so many distinct clients (one per address) cost memory only in
// proportion to the jobs they run. No goroutine or timer is kept per client:
// idle clients are forgotten by the next job that comes along.
package admission
