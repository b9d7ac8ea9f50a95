package attack

import (
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/coderacer/coderacer/test/testserver"
)

// Two engines whose boxes share host uids share every per-user kernel
// limit and counter (processes, pipe buffers, signals queued): one's
// programs could starve or observe the other's. A server must refuse to
// start on box uids that another server holds or that anything else on
// the host uses, with one clear error, and leave nothing behind.

// uidrangeStart starts a server with the given box uid base and two
// sandboxes; it returns whether it became healthy, and its log.
func uidrangeStart(t *testing.T, name string, base int) (*testserver.Server, bool) {
	t.Helper()
	s, err := testserver.Start(srv.Bin, srv.Root, testserver.Options{Name: name, Env: map[string]string{
		"CODERACER_PARALLELISM":  "2",
		"CODERACER_BOX_UID_BASE": strconv.Itoa(base),
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Kill)
	return s, s.WaitHealthy(testserver.HealthTimeout) == nil
}

// uidrangeRefused requires s to have exited 1 with exactly one error line
// naming the range and the reason.
func uidrangeRefused(t *testing.T, s *testserver.Server, healthy bool, wantRange, wantReason string) {
	t.Helper()
	if healthy {
		t.Fatalf("a server on box uids %s started while they were in use", wantRange)
	}
	deadline := time.Now().Add(5 * time.Second)
	for !s.HasExited() && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	exitErr, ok := s.ExitErr().(*exec.ExitError)
	if !s.HasExited() || !ok || exitErr.ExitCode() != 1 {
		t.Fatalf("want the server to exit with status 1, got exited=%v err=%v", s.HasExited(), s.ExitErr())
	}
	log := s.LogTail(64 << 10)
	want := "coderacer: sandbox: box user ids " + wantRange + ": already in use: " + wantReason +
		"; give this server a free range with CODERACER_BOX_UID_BASE (--box-uid-base)\n"
	if !strings.HasSuffix(log, want) || strings.Count(log, "coderacer:") != 1 {
		t.Errorf("want the log to end with the one error line\n%s\ngot:\n%s", want, testserver.Shorten(log, 2000))
	}
}

func TestUIDRangeInUse(t *testing.T) {
	b := srv.UIDBase
	holder := fmt.Sprintf("uid %d is taken by another Code Racer server on this host (pid %d)", b, srv.PID)
	t.Run("same_range", func(t *testing.T) {
		s, healthy := uidrangeStart(t, "uid-same", b)
		uidrangeRefused(t, s, healthy, fmt.Sprintf("%d-%d", b, b+1), holder)
	})
	t.Run("overlapping_above", func(t *testing.T) {
		s, healthy := uidrangeStart(t, "uid-above", b+1)
		uidrangeRefused(t, s, healthy, fmt.Sprintf("%d-%d", b+1, b+2),
			fmt.Sprintf("uid %d is taken by another Code Racer server on this host (pid %d)", b+1, srv.PID))
	})
	t.Run("overlapping_below", func(t *testing.T) {
		s, healthy := uidrangeStart(t, "uid-below", b-1)
		uidrangeRefused(t, s, healthy, fmt.Sprintf("%d-%d", b-1, b), holder)
	})
	t.Run("process_of_another_user", func(t *testing.T) {
		// A process of the host (not a server) runs as a uid of the
		// range: those ids are someone's. The range lies in this
		// suite's own slot, beyond the sandboxes srv uses.
		uid := b + 501
		sleeper := exec.Command("/bin/sleep", "60")
		sleeper.SysProcAttr = &syscall.SysProcAttr{
			Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(uid)},
			Pdeathsig:  syscall.SIGKILL,
		}
		if err := sleeper.Start(); err != nil {
			t.Fatal(err)
		}
		defer func() {
			sleeper.Process.Kill()
			sleeper.Wait()
		}()
		s, healthy := uidrangeStart(t, "uid-process", b+500)
		uidrangeRefused(t, s, healthy, fmt.Sprintf("%d-%d", b+500, b+501),
			fmt.Sprintf("process %d runs with uid %d", sleeper.Process.Pid, uid))
	})
	t.Run("adjacent_range_starts", func(t *testing.T) {
		// Not over-broad: the range right after srv's is free.
		s, healthy := uidrangeStart(t, "uid-adjacent", b+2)
		if !healthy {
			t.Fatalf("a server on the free range %d-%d did not start:\n%s", b+2, b+3, s.LogTail(4096))
		}
		r := testserver.MustExecute(t, s, testserver.Python(`import os
print([l.split() for l in open("/proc/self/uid_map")][1][1])
`))
		if got := strings.TrimSpace(r.Stdout); got != strconv.Itoa(b+2) && got != strconv.Itoa(b+3) {
			t.Errorf("the program ran as host uid %q, want %d or %d", got, b+2, b+3)
		}
		if err := s.Stop(testserver.StopTimeout); err != nil {
			t.Error(err)
		}
	})
	requireHealthy(t)
}
