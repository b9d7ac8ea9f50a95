package sandbox

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// TestReadFiles reads what a compiler left, and only regular files: the
// links and special files a program could plant are skipped, never
// followed; the bounds hold.
func TestReadFiles(t *testing.T) {
	b := newTestBox(t)
	if err := b.WriteFiles([]File{{Name: "Main.java", Content: []byte("src")}}); err != nil {
		t.Fatal(err)
	}
	res, err := b.Run(context.Background(), Cmd{
		Args: []string{"/bin/sh", "-c", "printf a > Main.class; mkdir -p pkg/sub; printf bb > pkg/sub/B.class; chmod +x pkg/sub/B.class; " +
			"ln -s /etc/passwd link; mkfifo fifo; ln -s /etc d2; ln -s pkg d3"},
		Env:    []string{"PATH=/usr/bin:/bin"},
		Limits: testLimits,
	})
	if err != nil || res.ExitCode != 0 {
		t.Fatalf("setup: %v %+v", err, res)
	}
	files, err := b.ReadFiles(10, 100)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range files {
		got = append(got, fmt.Sprintf("%s=%s/%v", f.Name, f.Content, f.Executable))
	}
	if want := "Main.class=a/false Main.java=src/false pkg/sub/B.class=bb/true"; strings.Join(got, " ") != want {
		t.Errorf("read %q, want %q", got, want)
	}
	for _, bound := range []struct {
		files int
		bytes int64
	}{{2, 100}, {10, 5}} {
		if files, err := b.ReadFiles(bound.files, bound.bytes); err == nil {
			t.Errorf("ReadFiles(%d, %d) = %d files, want an error", bound.files, bound.bytes, len(files))
		}
	}
}
