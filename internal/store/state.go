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

// State is a submission's record in the bucket. Result is the handler's
// output, set once with Status done; Error says why a job ended without
// one (its handler failed on its last delivery).
type State struct {
	Token  string `json:"token"`
	Status Status `json:"status"`
	Result []byte `json:"result,omitempty"`
	Meta   []byte `json:"meta,omitempty"` // STUB until branch store2 lands
	Error  string `json:"error,omitempty"`
	Runs   int    `json:"runs"` // handler runs started, more than 1 after a redelivery
	// Seq is the stream sequence of the job being run: a redelivery of
	// it runs again, another copy of it does not.
	Seq      uint64    `json:"seq,omitempty"`
	Created  time.Time `json:"created"`
	Started  time.Time `json:"started,omitzero"`
	Finished time.Time `json:"finished,omitzero"`
}

var (
	ErrNotFound  = errors.New("store: submission not found")
	ErrInvalidID = errors.New("store: invalid submission id")
	ErrNotQueued = errors.New("store: submission is not queued")
	ErrFinished  = ErrNotQueued // STUB until branch store2 lands
	ErrTooLarge  = errors.New("store: payload too large")
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

func encodeState(st State) ([]byte, error) {
	b, err := json.Marshal(st)
	if err != nil {
		return nil, fmt.Errorf("store: encode state of %s: %w", st.Token, err)
	}
	return b, nil
}

func decodeState(id string, b []byte) (State, error) {
	var st State
	if err := json.Unmarshal(b, &st); err != nil {
		return State{}, fmt.Errorf("store: decode state of %s: %w", id, err)
	}
	return st, nil
}
