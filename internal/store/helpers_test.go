package store

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// claimFirst fetches the next job and claims it for id as a worker would,
// then leaves it: the worker is gone, the job unacked.
func claimFirst(t *testing.T, s *Store, id string) (jetstream.Msg, record, uint64) {
	t.Helper()
	msg, err := s.cons.Next(jetstream.FetchMaxWait(5 * time.Second))
	if err != nil {
		t.Fatal(err)
	}
	md, err := msg.Metadata()
	if err != nil {
		t.Fatal(err)
	}
	rec, rev, act, err := s.claim(context.Background(), id, md.Sequence.Stream)
	if err != nil || act != actRun {
		t.Fatalf("claim: action %v, %v", act, err)
	}
	return msg, rec, rev
}

// blobNames lists the blob bucket's objects.
func blobNames(t *testing.T, s *Store) []string {
	t.Helper()
	infos, err := s.blobs.List(context.Background())
	if err == jetstream.ErrNoObjectsFound {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, i := range infos {
		names = append(names, i.Name)
	}
	return names
}
