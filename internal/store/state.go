package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Status is where a submission is in its life.
type Status string

const (
	StatusQueued    Status = "queued"
	StatusRunning   Status = "running"
	StatusDone      Status = "done"
	StatusCancelled Status = "cancelled"
)

// Over says whether a submission has ended: done or cancelled.
func (s Status) Over() bool { return s == StatusDone || s == StatusCancelled }

// State is a submission's record in the bucket. Result is the handler's
// output, set once with Status done; Error says why a job ended without
// one (its handler failed on its last run, or it was cancelled: Error is
// then "cancelled"). Meta is the submitter's, returned as given.
type State struct {
	Token  string `json:"token"`
	Status Status `json:"status"`
	Result []byte `json:"result,omitempty"`
	Error  string `json:"error,omitempty"`
	Meta   []byte `json:"meta,omitempty"`
	Runs   int    `json:"runs"` // handler runs started, more than 1 after a redelivery
	// CancelRequested is set by Cancel on a running submission; the
	// worker that runs it ends it as cancelled. Status stays running
	// until then.
	CancelRequested bool `json:"cancel_requested,omitempty"`
	// Seq is the stream sequence of the job being run: a redelivery of
	// it runs again, another copy of it does not.
	Seq      uint64    `json:"seq,omitempty"`
	Created  time.Time `json:"created"`
	Started  time.Time `json:"started,omitzero"`
	Finished time.Time `json:"finished,omitzero"`
}

// record is a State as stored: a meta or a result larger than
// Config.InlineBytes lives in the blob bucket, named here, and is
// absent from the State.
type record struct {
	State
	MetaBlob   string `json:"meta_blob,omitempty"`
	ResultBlob string `json:"result_blob,omitempty"`
}

// cancelledError is the Error of a cancelled submission.
const cancelledError = "cancelled"

// maxErrorBytes bounds a handler's error as stored: it is the handler's
// text, of any length.
const maxErrorBytes = 16 << 10

var (
	ErrNotFound  = errors.New("store: submission not found")
	ErrInvalidID = errors.New("store: invalid submission id")
	ErrFinished  = errors.New("store: submission is over")
	ErrQueueFull = errors.New("store: the queue is full")
	ErrTooLarge  = errors.New("store: submission too large")
	errConflict  = errors.New("store: state changed concurrently")
	maxIDLength  = 128
)

// checkID accepts ids that are both a key of the bucket and a safe
// header value: letters, digits, '-' and '_', 1 to 128 of them.
func checkID(id string) error {
	if id == "" || len(id) > maxIDLength {
		return fmt.Errorf("%w: length %d", ErrInvalidID, len(id))
	}
	for _, c := range []byte(id) {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_'
		if !ok {
			return fmt.Errorf("%w: byte %q", ErrInvalidID, c)
		}
	}
	return nil
}

func encodeRecord(rec record) ([]byte, error) {
	b, err := json.Marshal(rec)
	if err != nil {
		return nil, fmt.Errorf("store: encode state of %s: %w", rec.Token, err)
	}
	return b, nil
}

func decodeRecord(id string, b []byte) (record, error) {
	var rec record
	if err := json.Unmarshal(b, &rec); err != nil {
		return record{}, fmt.Errorf("store: decode state of %s: %w", id, err)
	}
	return rec, nil
}

// truncate bounds a handler's error text.
func truncate(s string) string {
	if len(s) <= maxErrorBytes {
		return s
	}
	return s[:maxErrorBytes] + "…"
}
