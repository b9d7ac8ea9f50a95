// Package cluster runs jobs on other machines over NATS: a Client is an
// engine.Executor (and engine.Judger) for API nodes, a Worker serves jobs
// from its local executor on worker nodes. Nothing but NATS links them.
//
// # Where things go
//
//	jobs          JetStream work-queue stream CODERACER_JOBS, subjects
//	              coderacer.jobs.<runtime>; one durable pull consumer per
//	              runtime, shared by every worker that has it
//	reply         core NATS, the client's inbox named in the job's header:
//	              a worker's answer (result, or a typed error) and, for a
//	              streamed job, its request to start
//	cancel        core NATS coderacer.jobcancel.<id>: the client gave up
//	streams       core NATS coderacer.stream.<id>.{stdin,signal,event,test}
//	workers       KV bucket coderacer_workers: each worker's advertisement,
//	              put every AdvertiseEvery, gone after WorkerTTL
//
// Every message is JSON. A job is published with its id as Nats-Msg-Id
// (JetStream drops a duplicate), its reply subject and its kind in
// headers. A worker fetches a job only when it has a free slot, runs it,
// publishes the answer, then acks: a worker that dies first has its job
// redelivered after AckWait, and its successor answers the same inbox.
// The client takes the first answer.
//
// A streamed job (a WebSocket session) cannot run twice (its stdin is
// gone): a redelivered one is answered ErrWorkerLost. Before a streamed
// job starts, its worker asks the client (a request on the reply
// subject), so that stdin flows only once the worker listens; while it
// runs, the worker sends heartbeats on the reply subject, and a client
// that hears none for lostAfter ends the session ErrWorkerLost even when
// no other worker is there to be redelivered the job. Stdin flows chunk
// by chunk, each a request the worker answers once its program has read
// the buffer below WorkerConfig.StdinBuffer.
//
// A body larger than a NATS message (a job's files, a program's output)
// goes through the object store BlobsBucket; the message names it.
//
// A worker whose Run ctx ends drains: it fetches no more, is advertised
// as draining, lets its jobs finish (StopGrace), then withdraws its
// advertisement.
//
// The client's errors: the engine's own (rebuilt from Error), ctx's,
// ErrNoAnswer (no answer within the job's limits and Margin), ErrNoWorker
// (NATS did not take the job), ErrWorkerLost (a streamed job's worker
// died), engine.ErrQueueFull (the jobs stream is full).
package cluster
