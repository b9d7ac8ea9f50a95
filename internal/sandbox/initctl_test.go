package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/criyle/go-sandbox/pkg/mount"
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

// fakeInit answers each request on the init's end of a control pair with
// the next of replies (nil: no answer at all).
func fakeInit(t *testing.T, replies ...[]byte) (*initControl, <-chan []byte) {
	t.Helper()
	ctl, end, err := newControlPair()
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan []byte, len(replies))
	go func() {
		defer end.Close()
		buf := make([]byte, 1<<16)
		for _, r := range replies {
			n, err := end.Read(buf)
			if err != nil {
				return
			}
			got <- append([]byte(nil), buf[:n]...)
			if r == nil {
				time.Sleep(time.Second)
				return
			}
			end.Write(r)
		}
	}()
	t.Cleanup(ctl.close)
	return ctl, got
}

func TestInitControlProtocol(t *testing.T) {
	ctl, got := fakeInit(t, []byte("k"), []byte("k"), []byte("eno mount"), []byte("n"), nil)
	if err := ctl.request([]byte{ctlResetPids}, time.Second); err != nil {
		t.Fatal(err)
	}
	if err := ctl.request([]byte("rX"), time.Second); err != nil {
		t.Fatalf("the second request: %v", err)
	}
	if a, b := <-got, <-got; string(a) != "p" || string(b) != "rX" {
		t.Errorf("the init got %q and %q, want \"p\" and \"rX\"", a, b)
	}
	if err := ctl.request([]byte("p"), time.Second); err == nil || !strings.Contains(err.Error(), "no mount") {
		t.Errorf("an error answer: got %v", err)
	}
	if err := ctl.request([]byte("p"), time.Second); !errors.Is(err, errInitThread) {
		t.Errorf("a thread answer: got %v, want errInitThread", err)
	}
	// No answer in time: failed, and every later request fails at once.
	start := time.Now()
	if err := ctl.request([]byte("p"), 100*time.Millisecond); err == nil {
		t.Error("a request without an answer succeeded")
	}
	if err := ctl.request([]byte{ctlResetPids}, time.Second); err == nil || time.Since(start) > 900*time.Millisecond {
		t.Errorf("after a timeout: got %v after %v, want an error at once", err, time.Since(start))
	}
}

func TestResetBoxRequest(t *testing.T) {
	req, err := resetBoxRequest(buildMounts(Config{TmpfsBytes: 1 << 20}))
	if err != nil {
		t.Fatal(err)
	}
	var mounts []mount.Mount
	if req[0] != ctlResetBox || json.Unmarshal(req[1:], &mounts) != nil {
		t.Fatalf("request %q", req)
	}
	var targets []string
	for _, m := range mounts {
		targets = append(targets, m.Target+" "+m.FsType+" "+m.Data)
	}
	want := []string{"/w tmpfs size=1048576,nr_inodes=8192,mode=0777", "/tmp tmpfs size=1048576,nr_inodes=8192,mode=1777"}
	if strings.Join(targets, "|") != strings.Join(want, "|") {
		t.Errorf("mounts %q, want %q", targets, want)
	}
}
