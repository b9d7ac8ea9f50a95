package sandbox

import (
	"strconv"
	"strings"
	"testing"
)

// TestWipeRetiresMounts runs jobs in one box and counts, from inside,
// the mounts the wipes retired (see retirer): two more after each job that
// left nothing charged to the box, never more than retireMounts, none
// after a job that wrote to /tmp on cgroup v1 (the host has them
// unmounted, so that the next program gets its whole memory limit; on v2
// the run's cgroup holding the pages is gone with the run), nor
// after a job given more than retireBytes of files. The box is kept
// throughout.
func TestWipeRetiresMounts(t *testing.T) {
	s := newTestSandbox(t)
	var initPid int
	v1 := false // the box has a cgroup of its own
	// job runs a program in the box after writing files into it, and
	// returns how many retired mounts the program saw.
	job := func(round int, files []File, script string) int {
		t.Helper()
		b, err := s.Acquire(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		defer b.Release()
		if initPid == 0 {
			initPid, v1 = b.initPid, b.cg != nil
		} else if b.initPid != initPid {
			t.Fatalf("round %d: the box was replaced: its wipe failed", round)
		}
		if err := b.WriteFiles(files); err != nil {
			t.Fatal(err)
		}
		res, err := b.Run(t.Context(), Cmd{Args: []string{"/bin/sh", "-c",
			script + `; grep -c ' /.retired/' /proc/self/mountinfo; ls /.retired 2>&1 >/dev/null | grep -c 'Permission denied'`},
			Env: []string{"PATH=/usr/bin:/bin"}, Limits: testLimits})
		out := strings.Fields(string(res.Stdout))
		if err != nil || len(out) != 2 || out[1] != "1" {
			t.Fatalf("round %d: %v, %q, %s; want the count of retired mounts, then 1 (ls /.retired refused)", round, err, res.Stdout, res.Stderr)
		}
		n, _ := strconv.Atoi(out[0])
		return n
	}
	small := []File{{Name: "main.c", Content: []byte("int main(void) { return 0; }\n")}}
	prev, purged := -1, false
	for round := range retireMounts {
		n := job(round, small, "true")
		switch {
		case n > retireMounts:
			t.Fatalf("round %d: %d retired mounts, more than %d", round, n, retireMounts)
		case prev >= 0 && n == prev+2:
		case prev >= 0 && n == 0:
			purged = true
		case prev >= 0:
			t.Fatalf("round %d: %d retired mounts after %d", round, n, prev)
		}
		prev = n
	}
	if !purged {
		t.Errorf("%d jobs, and the retired mounts were never unmounted", retireMounts)
	}
	if job(0, small, "true") == 0 {
		job(0, small, "true") // just purged: have some retired
	}
	if n := job(0, small, "head -c 65536 /dev/zero > /tmp/x"); n == 0 {
		t.Fatal("the job before it retired nothing: the test proves nothing")
	}
	if n := job(0, small, "true"); v1 && n != 0 {
		t.Errorf("after a job that wrote to /tmp: %d retired mounts, want none", n)
	}
	job(0, small, "true")
	big := []File{{Name: "big", Content: make([]byte, retireBytes+1)}}
	job(0, big, "true")
	if n := job(0, small, "true"); n != 0 {
		t.Errorf("after a job given %d bytes of files: %d retired mounts, want none", retireBytes+1, n)
	}
}
