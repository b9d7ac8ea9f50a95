package sandbox

import (
	"context"
	"strings"
	"testing"
)

// TestBoxStateReset: whatever a job's runs fork and create, the next job
// in the same box sees the same pids, an empty /w but for its own files,
// the same inode numbers and /w and /tmp mounted the same way; a second run within a job (as a compile
// stage's run stage) starts from the same pids again.
func TestBoxStateReset(t *testing.T) {
	s := newTestSandbox(t)
	const pids = `echo pid $$; echo sub $(sh -c 'echo $$')
for i in $(seq 200); do /bin/true; done; touch /tmp/x$$ /w/x$$
`
	const files = `touch /tmp/new /w/new; stat -c 'ino %i' /tmp/new /w/new; ls /w
awk '$5 == "/w" || $5 == "/tmp" { for (i = 7; $i != "-"; i++); print $5, $6, $(i+1), $(i+3) }' /proc/self/mountinfo
`
	run := func(b *Box, script string) string {
		t.Helper()
		r, err := b.Run(context.Background(), Cmd{Args: []string{"/bin/sh", "-c", script},
			Env: []string{"PATH=/usr/bin:/bin"}, Limits: testLimits})
		if err != nil || r.ExitCode != 0 {
			t.Fatalf("run: %v %+v", err, r)
		}
		return string(r.Stdout)
	}
	var first string
	for job := range 4 {
		b, err := s.Acquire(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if err := b.WriteFiles([]File{{Name: "placed", Content: []byte("x")}}); err != nil {
			t.Fatal(err)
		}
		got := run(b, pids+files)
		if job == 0 {
			first = got
		} else if got != first {
			t.Errorf("job %d saw\n%s\nwhere the first saw\n%s", job, got, first)
		}
		// A second run in the same job: the same pids.
		wantPids := first[:strings.Index(first, "ino ")]
		if again := run(b, pids); again != wantPids {
			t.Errorf("job %d, second run: %q, want %q", job, again, wantPids)
		}
		b.Release()
	}
	if want := "pid 100\nsub 101\nino 3\nino 4\nnew\nplaced\nx100\n" +
		"/w rw,nosuid,nodev,noatime tmpfs rw,size=65536k,nr_inodes=8192,mode=777\n" +
		"/tmp rw,nosuid,nodev,noatime tmpfs rw,size=65536k,nr_inodes=8192\n"; first != want {
		t.Errorf("first job saw %q, want %q", first, want)
	}
}
