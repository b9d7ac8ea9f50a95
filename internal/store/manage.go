package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"
)

// ErrNotOver is Delete's refusal of a submission still queued or running.
var ErrNotOver = errors.New("store: submission is queued or running")

// Delete removes an ended submission's state (Judge0's DELETE); a queued
// or running one is ErrNotOver.
func (s *Store) Delete(ctx context.Context, id string) error {
	if err := checkID(id); err != nil {
		return err
	}
	rec, rev, err := s.get(ctx, id)
	if err != nil {
		return err
	}
	if !rec.Status.Over() {
		return fmt.Errorf("%w: %s is %s", ErrNotOver, id, rec.Status)
	}
	if err := s.kv.Delete(ctx, id, jetstream.LastRevision(rev)); err != nil {
		return fmt.Errorf("store: delete %s: %w", id, err)
	}
	s.drop(ctx, rec.MetaBlob)
	s.drop(ctx, rec.ResultBlob)
	return nil
}

// IDs lists the ids of the submissions kept, oldest change first.
func (s *Store) IDs(ctx context.Context) ([]string, error) {
	lister, err := s.kv.ListKeys(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: list: %w", err)
	}
	defer lister.Stop()
	var ids []string
	for id := range lister.Keys() {
		ids = append(ids, id)
	}
	return ids, nil
}
