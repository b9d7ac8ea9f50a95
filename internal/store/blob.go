package store

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"
)

// Values larger than Config.InlineBytes (a payload, a meta, a result)
// live in an object store bucket, so that no message nor state depends
// on the server's max_payload (1 MiB by default): the job or the state
// carries only the blob's name. Each blob has a name of its own, never
// reused, so that two writers never overwrite each other's.

// blobHeader names a job's payload blob; the message's data is then empty.
const blobHeader = "Coderacer-Payload-Blob"

// newBlobName names a new blob of id: "<id>.<kind>.<random>".
func newBlobName(id, kind string) string {
	return id + "." + kind + "." + rand.Text()
}

// stash keeps b inline if it is small, else puts it in a new blob and
// returns its name instead.
func (s *Store) stash(ctx context.Context, id, kind string, b []byte) (inline []byte, blob string, err error) {
	if len(b) <= s.cfg.InlineBytes {
		return b, "", nil
	}
	name := newBlobName(id, kind)
	if _, err := s.blobs.PutBytes(ctx, name, b); err != nil {
		return nil, "", fmt.Errorf("store: %s of %s (%d bytes): %w", kind, id, len(b), err)
	}
	return nil, name, nil
}

// fetch returns blob's bytes; inline if there is no blob.
func (s *Store) fetch(ctx context.Context, inline []byte, blob string) ([]byte, error) {
	if blob == "" {
		return inline, nil
	}
	b, err := s.blobs.GetBytes(ctx, blob)
	if errors.Is(err, jetstream.ErrObjectNotFound) {
		return nil, fmt.Errorf("%w: blob %s has expired", ErrNotFound, blob)
	}
	if err != nil {
		return nil, fmt.Errorf("store: read blob %s: %w", blob, err)
	}
	return b, nil
}

// drop deletes a blob no longer needed. A failure is only logged: the
// bucket's TTL removes it anyway.
func (s *Store) drop(ctx context.Context, blob string) {
	if blob == "" {
		return
	}
	err := s.blobs.Delete(ctx, blob)
	if err != nil && !errors.Is(err, jetstream.ErrObjectNotFound) {
		s.cfg.Logger.Info("submission: blob not deleted; it expires with the bucket's TTL", "blob", blob, "err", err)
	}
}

// resolve returns a record's State with its meta and result in full.
func (s *Store) resolve(ctx context.Context, rec record) (State, error) {
	st := rec.State
	var err error
	if st.Meta, err = s.fetch(ctx, st.Meta, rec.MetaBlob); err != nil {
		return State{}, fmt.Errorf("store: meta of %s: %w", rec.Token, err)
	}
	if st.Result, err = s.fetch(ctx, st.Result, rec.ResultBlob); err != nil {
		return State{}, fmt.Errorf("store: result of %s: %w", rec.Token, err)
	}
	return st, nil
}
