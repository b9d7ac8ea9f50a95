package cluster

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
)

// Names on NATS, the one place they live.
const (
	StreamName     = "CODERACER_JOBS"
	WorkersBucket  = "coderacer_workers"
	jobsSubject    = "coderacer.jobs"
	cancelSubject  = "coderacer.jobcancel"
	streamSubject  = "coderacer.stream"
	consumerPrefix = "coderacer-jobs-"
)

// Headers of a job message and of the messages about it.
const (
	hdrReply     = "Coderacer-Reply"
	hdrKind      = "Coderacer-Kind"
	hdrStream    = "Coderacer-Stream"
	hdrDeadline  = "Coderacer-Deadline" // unix milliseconds: past it nobody waits
	hdrRequestID = "Coderacer-Request-Id"
	hdrType      = "Coderacer-Type" // on the reply subject: start or reply
	hdrEOF       = "Coderacer-Eof"
)

// Kinds of jobs.
const (
	kindExecute = "execute"
	kindJudge   = "judge"
)

// Types of messages on a reply subject.
const (
	typeStart = "start"
	typeAlive = "alive" // a streamed job's worker, every heartbeatEvery
	typeReply = "reply"
)

const (
	// heartbeatEvery is how often the worker of a streamed job tells
	// its client it is alive; lostAfter without news, the client ends
	// the session ErrWorkerLost (a job that is not streamed is
	// redelivered instead).
	heartbeatEvery = time.Second
	lostAfter      = 3 * time.Second
)

// Defaults, the one place they live.
const (
	DefaultAckWait        = 5 * time.Second
	DefaultMaxDeliver     = 10
	DefaultStopGrace      = 10 * time.Second
	DefaultFetchWait      = 2 * time.Second
	DefaultMaxAge         = 10 * time.Minute
	DefaultMaxQueued      = 100_000
	DefaultStdinBuffer    = 1 << 20
	DefaultMargin         = 20 * time.Second
	DefaultAdvertiseEvery = 2 * time.Second
	WorkerTTL             = 10 * time.Second
)

// Token turns a runtime's language into a NATS subject token (and a part
// of a consumer name): lower-case letters, digits and '-' stay, every
// other byte is '_' and its hex, so two languages never share a token
// ("c++" is "c_2b_2b").
func Token(language string) string {
	var b strings.Builder
	for _, c := range []byte(strings.ToLower(language)) {
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-':
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, "_%02x", c)
		}
	}
	if b.Len() == 0 {
		return "_"
	}
	return b.String()
}

func jobSubject(language string) string   { return jobsSubject + "." + Token(language) }
func consumerName(language string) string { return consumerPrefix + Token(language) }
func cancelSubj(id string) string         { return cancelSubject + "." + id }
func streamSubj(id, part string) string   { return streamSubject + "." + id + "." + part }

// newID is a job's id: 128 random bits in hex, a valid subject token.
func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand's promise)
	return hex.EncodeToString(b[:])
}

// validID reports whether id is one newID could have made: anything else
// in a header is hostile and must not reach a subject.
func validID(id string) bool {
	if len(id) != 32 {
		return false
	}
	_, err := hex.DecodeString(id)
	return err == nil
}
