package cluster

import (
	"context"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// BlobsBucket holds the bodies of jobs and replies too large for a NATS
// message (a program's megabytes of output, a job's many files); the
// message names its blob in a header.
const BlobsBucket = "coderacer_cluster_blobs"

const (
	hdrBlob = "Coderacer-Blob"
	// maxBody bounds a body read from a blob.
	maxBody = 256 << 20
	// blobHeadroom is what headers and framing may take of a message
	// beside its body.
	blobHeadroom = 16 << 10
	// blobWait bounds a blob's write, read or delete.
	blobWait = 10 * time.Second
)

// blobs moves large bodies through the object store.
type blobs struct {
	store  jetstream.ObjectStore
	inline int // larger bodies go to the store
}

func openBlobs(ctx context.Context, js jetstream.JetStream, nc *nats.Conn) (*blobs, error) {
	store, err := js.CreateOrUpdateObjectStore(ctx, jetstream.ObjectStoreConfig{
		Bucket:  BlobsBucket,
		TTL:     DefaultMaxAge + WorkerTTL,
		Storage: jetstream.FileStorage,
	})
	if err != nil {
		return nil, fmt.Errorf("cluster: bucket %s: %w", BlobsBucket, err)
	}
	return &blobs{store: store, inline: max(int(nc.MaxPayload())-blobHeadroom, 1024)}, nil
}

// attach moves m's body to the blob name when it is too large for m.
func (b *blobs) attach(ctx context.Context, m *nats.Msg, name string) error {
	if len(m.Data) <= b.inline {
		return nil
	}
	if _, err := b.store.PutBytes(ctx, name, m.Data); err != nil {
		return fmt.Errorf("cluster: store a body of %d bytes: %w", len(m.Data), err)
	}
	m.Header.Set(hdrBlob, name)
	m.Data = nil
	return nil
}

// body is a message's body: data, or the blob its header names.
func (b *blobs) body(ctx context.Context, h nats.Header, data []byte) ([]byte, error) {
	name := h.Get(hdrBlob)
	if name == "" {
		return data, nil
	}
	info, err := b.store.GetInfo(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("cluster: blob %q: %w", name, err)
	}
	if info.Size > maxBody {
		return nil, fmt.Errorf("cluster: blob %q of %d bytes: more than %d", name, info.Size, maxBody)
	}
	data, err = b.store.GetBytes(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("cluster: blob %q: %w", name, err)
	}
	return data, nil
}

// drop deletes the blob a message named, if any, in the background.
func (b *blobs) drop(h nats.Header) {
	name := h.Get(hdrBlob)
	if name == "" {
		return
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), blobWait)
		defer cancel()
		_ = b.store.Delete(ctx, name) // else it expires with the bucket
	}()
}
