package store

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"
	"time"
)

func reversed(_ context.Context, _ string, p []byte) ([]byte, error) {
	r := slices.Clone(p)
	slices.Reverse(r)
	return r, nil
}

// pattern is n bytes that are not all alike, so that a truncated or
// shifted copy shows.
func pattern(n int, seed byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7) ^ seed
	}
	return b
}

// A 3 MiB payload, meta and result pass through a server whose largest
// message is 1 MiB: they are blobs, and Get, Wait, the handler and
// OnDone see them whole. The payload's blob is deleted once its job is
// acked.
func TestLargeValues(t *testing.T) {
	var rep reports
	s := openStore(t, t.TempDir(), Config{OnDone: rep.onDone})
	if got := s.nc.MaxPayload(); got != 1<<20 {
		t.Fatalf("server's max_payload %d, want 1 MiB", got)
	}
	payload, meta := pattern(3<<20, 1), pattern(3<<20, 2)
	want := slices.Clone(payload)
	slices.Reverse(want)
	ctx := context.Background()
	start := time.Now()
	if err := s.Submit(ctx, "big", payload, meta); err != nil {
		t.Fatal(err)
	}
	if st, err := s.Get(ctx, "big"); err != nil || !bytes.Equal(st.Meta, meta) {
		t.Fatalf("queued: meta of %d bytes, %v", len(st.Meta), err)
	}
	stop := consume(s, reversed)
	defer stop()
	st, err := s.Wait(ctx, "big")
	if err != nil || st.Status != StatusDone || !bytes.Equal(st.Result, want) || !bytes.Equal(st.Meta, meta) {
		t.Fatalf("Wait: %s, result of %d bytes, meta of %d, %v", st.Status, len(st.Result), len(st.Meta), err)
	}
	t.Logf("3 MiB in, 3 MiB out in %v", time.Since(start))
	if st, err := s.Get(ctx, "big"); err != nil || !bytes.Equal(st.Result, want) {
		t.Fatalf("Get: result of %d bytes, %v", len(st.Result), err)
	}
	waitFor(t, 5*time.Second, "OnDone", func() bool { return len(rep.of("big")) == 1 })
	if c := rep.of("big")[0]; !bytes.Equal(c.Result, want) || !bytes.Equal(c.Meta, meta) {
		t.Fatalf("OnDone: result of %d bytes, meta of %d", len(c.Result), len(c.Meta))
	}
	waitFor(t, 5*time.Second, "the job to be acked", func() bool { return streamMsgs(t, s) == 0 })
	var kinds []string
	for _, name := range blobNames(t, s) {
		kinds = append(kinds, strings.Split(name, ".")[1])
	}
	slices.Sort(kinds)
	if !slices.Equal(kinds, []string{"meta", "result"}) {
		t.Fatalf("blobs left %v, want meta and result", kinds)
	}
}

// Small values stay inline: no blob at all.
func TestSmallValuesInline(t *testing.T) {
	s := openStore(t, t.TempDir(), Config{InlineBytes: 1000})
	stop := consume(s, reversed)
	defer stop()
	ctx := context.Background()
	if err := s.Submit(ctx, "small", pattern(1000, 3), pattern(1000, 4)); err != nil {
		t.Fatal(err)
	}
	if st, err := s.Wait(ctx, "small"); err != nil || len(st.Result) != 1000 {
		t.Fatalf("%+v, %v", st, err)
	}
	if names := blobNames(t, s); len(names) != 0 {
		t.Fatalf("blobs %v for values of InlineBytes", names)
	}
	// One byte more: blobs, the payload's deleted once its job is acked.
	p := pattern(1001, 3)
	want, _ := reversed(ctx, "", p)
	if err := s.Submit(ctx, "over", p, nil); err != nil {
		t.Fatal(err)
	}
	if st, err := s.Wait(ctx, "over"); err != nil || !bytes.Equal(st.Result, want) {
		t.Fatalf("%+v, %v", st, err)
	}
	waitFor(t, 5*time.Second, "the payload's blob to go", func() bool { return len(blobNames(t, s)) == 1 })
	if names := blobNames(t, s); !strings.HasPrefix(names[0], "over.result.") {
		t.Fatalf("blobs %v, want over's result", names)
	}
}
