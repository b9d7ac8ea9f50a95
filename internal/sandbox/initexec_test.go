package sandbox

import (
	"fmt"
	"os"
	"reflect"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/criyle/go-sandbox/pkg/rlimit"
	"github.com/criyle/go-sandbox/runner"
)

// decodePayload checks that msg is a request of kind ctl and decodes
// what follows its kind.
func decodePayload[T any](t *testing.T, msg []byte, ctl byte, decode func([]byte) (T, error)) T {
	t.Helper()
	if msg[0] != ctl {
		t.Fatalf("request starts with %q, want %q", msg[0], ctl)
	}
	got, err := decode(msg[1:])
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func TestExecRequestRoundTrip(t *testing.T) {
	req := execRequest{
		flags: execFlagResetPids,
		args:  []string{"/w/.coderacer-bin", "", "ünïcode", strings.Repeat("a", 5000)},
		env:   []string{"PATH=/usr/bin:/bin", "HOME=/w"},
		rlimits: []rlimit.RLimit{
			{Res: syscall.RLIMIT_CPU, Rlim: syscall.Rlimit{Cur: 2, Max: 3}},
			{Res: syscall.RLIMIT_STACK, Rlim: syscall.Rlimit{Cur: 1 << 62, Max: ^uint64(0)}},
		},
	}
	msg := req.encode()
	if got := decodePayload(t, msg, ctlExec, decodeExecRequest); !reflect.DeepEqual(got, req) {
		t.Fatalf("decoded %+v, want %+v", got, req)
	}
	// Every cut of the request, and anything after its end, is refused.
	for n := range len(msg) - 1 {
		if _, err := decodeExecRequest(msg[1 : 1+n]); err == nil {
			t.Fatalf("a request cut to %d bytes was taken", n)
		}
	}
	if _, err := decodeExecRequest(append(msg[1:], 0)); err == nil {
		t.Fatal("a request with a trailing byte was taken")
	}
	if _, err := decodeExecRequest(execRequest{}.encode()[1:]); err == nil || !strings.Contains(err.Error(), "no program") {
		t.Fatalf("a request without a program: %v, want an error saying so", err)
	}
	// A count larger than what follows is refused before anything is
	// allocated for it.
	if _, err := decodeExecRequest([]byte{0, 0xff, 0xff, 0xff, 0xff}); err == nil {
		t.Fatal("a request counting 4 billion arguments was taken")
	}
}

func TestExecReplyResult(t *testing.T) {
	for _, c := range []struct {
		name   string
		status syscall.WaitStatus
		want   runner.Status
		exit   int
	}{
		{"exit 0", 0, runner.StatusNormal, 0},
		{"exit 3", 3 << 8, runner.StatusNonzeroExitStatus, 3},
		{"SIGKILL", syscall.WaitStatus(syscall.SIGKILL), runner.StatusTimeLimitExceeded, int(syscall.SIGKILL)},
		{"SIGXFSZ", syscall.WaitStatus(syscall.SIGXFSZ), runner.StatusOutputLimitExceeded, int(syscall.SIGXFSZ)},
		{"SIGSYS", syscall.WaitStatus(syscall.SIGSYS), runner.StatusDisallowedSyscall, int(syscall.SIGSYS)},
		{"SIGSEGV", syscall.WaitStatus(syscall.SIGSEGV), runner.StatusSignalled, int(syscall.SIGSEGV)},
	} {
		reply := execReply{status: c.status, setup: time.Millisecond, running: 2 * time.Millisecond,
			userTime: 3 * time.Millisecond, maxRSS: 4 << 20}
		decoded, err := decodeExecReply(reply.encode())
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if decoded != reply {
			t.Fatalf("%s: decoded %+v, want %+v", c.name, decoded, reply)
		}
		res := decoded.result()
		if res.Status != c.want || res.ExitStatus != c.exit || res.SetUpTime != time.Millisecond ||
			res.RunningTime != 2*time.Millisecond || res.Time != 3*time.Millisecond || res.Memory != 4<<20 {
			t.Fatalf("%s: %+v, want status %v exit %d and the reply's times", c.name, res, c.want, c.exit)
		}
	}
	if _, err := decodeExecReply([]byte("k")); err == nil {
		t.Fatal("a short reply was taken")
	}
}

func TestFilterRequestRoundTrip(t *testing.T) {
	filter, err := buildSeccompFilter()
	if err != nil {
		t.Fatal(err)
	}
	msg := filterRequest(filter)
	if got := decodePayload(t, msg, ctlFilter, decodeFilter); !reflect.DeepEqual(got, filter) {
		t.Fatal("the filter changed on its way to the init")
	}
	for _, bad := range [][]byte{nil, msg[1:8], msg[1 : len(msg)-1]} {
		if _, err := decodeFilter(bad); err == nil {
			t.Fatalf("a filter of %d bytes was taken", len(bad))
		}
	}
}

func TestLookPath(t *testing.T) {
	env := []string{"PATH=/nonexistent:/usr/bin:/bin"}
	for _, c := range []struct{ name, want string }{
		{"/w/.coderacer-bin", "/w/.coderacer-bin"}, // a path is taken as it is
		{"sh", "/usr/bin/sh"},
	} {
		if got, err := lookPath(c.name, env); err != nil || got != c.want {
			t.Errorf("lookPath(%q) = %q, %v, want %q", c.name, got, err, c.want)
		}
	}
	if _, err := lookPath("no-such-program-here", env); err == nil {
		t.Error("a missing program was found")
	}
	if _, err := lookPath("sh", []string{"HOME=/"}); err == nil {
		t.Error("a name was looked up without a PATH")
	}
}

// A run whose request does not fit one packet of the init's channel goes
// through go-sandbox's protocol, with the same result; the runs before and
// after it go through the channel, and the box stays in step. go-sandbox's
// server in the init answers before it has reaped its run: the next run
// through the channel, started at once, must not lose its exit status to
// that reaping (it did about one time in ten, hence the rounds).
func TestRunTooLongForTheChannel(t *testing.T) {
	b := newTestBox(t)
	long := strings.Repeat("a", maxExecRequest+1000)
	for round := range 20 {
		for i, args := range [][]string{
			{"/bin/sh", "-c", `echo ${#1}`, "sh", "short"},
			{"/bin/sh", "-c", `echo ${#1}`, "sh", long},
			{"/bin/sh", "-c", `echo ${#1}`, "sh", "short"},
		} {
			res, err := b.Run(t.Context(), Cmd{Args: args, Env: []string{"PATH=/usr/bin:/bin"}, Limits: testLimits})
			want := strconv.Itoa(len(args[4])) + "\n"
			if err != nil || string(res.Stdout) != want || res.ExitCode != 0 {
				t.Fatalf("round %d, run %d: %+v, %v, want stdout %q", round, i, res, err, want)
			}
		}
	}
}

// A box handed out and given back without a run (its init was nudged and
// polled in vain) is wiped like any other, and its next run goes well.
func TestNudgedBoxReleasedUnused(t *testing.T) {
	s := newTestSandbox(t)
	for range 3 {
		b, err := s.Acquire(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		b.Release()
	}
	res := run(t, s, "echo ok", "")
	if string(res.Stdout) != "ok\n" || res.ExitCode != 0 {
		t.Fatalf("got %+v", res)
	}
}

// The init answers a run once nothing of it is left: at once when the
// program leaves nothing (one wait tells), and after killing them when
// it leaves processes behind, whether its children or orphans the init
// inherited. The next run in the box sees none of them.
func TestRunLeavesNothing(t *testing.T) {
	b := newTestBox(t)
	env := []string{"PATH=/usr/bin:/bin"}
	for _, script := range []string{
		"echo alone",
		"sleep 100 & echo alone", // a child still running
		"(sleep 100 &) ; (sh -c 'sleep 100 &') ; echo alone", // orphans, the init's now
	} {
		start := time.Now()
		res, err := b.Run(t.Context(), Cmd{Args: []string{"/bin/sh", "-c", script}, Env: env, Limits: testLimits})
		if err != nil || string(res.Stdout) != "alone\n" || res.ExitCode != 0 || res.Limit != LimitNone {
			t.Fatalf("%q: %+v, %v", script, res, err)
		}
		if took := time.Since(start); took > time.Second {
			t.Fatalf("%q: answered after %v: its leftovers were waited for, not killed", script, took)
		}
		res, err = b.Run(t.Context(), Cmd{Args: []string{"/bin/sh", "-c", "cat /proc/[0-9]*/comm | sort | tr '\\n' ' '"}, Env: env, Limits: testLimits})
		if err != nil || strings.Contains(string(res.Stdout), "sleep") {
			t.Fatalf("after %q, the box holds: %q (%v)", script, res.Stdout, err)
		}
		t.Logf("after %q: %s", script, res.Stdout)
	}
}

// The init loads the programs' filter once, on the one thread that
// starts them (see loadThreadFilter): its programs run under that one
// filter, in the box's cgroup namespace and core limit, and no other
// thread of the init is filtered, so that the box's wipe (mounts) goes on
// working and the box is kept, not replaced.
func TestInitFiltersOneThread(t *testing.T) {
	s := newTestSandbox(t)
	var initPid int
	for round := range 3 {
		b, err := s.Acquire(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if round == 0 {
			initPid = b.initPid
		} else if b.initPid != initPid {
			t.Fatalf("round %d: the box was replaced (init %d, then %d): its wipe failed", round, initPid, b.initPid)
		}
		res, err := b.Run(t.Context(), Cmd{Args: []string{"/bin/sh", "-c",
			`grep -E '^(Seccomp|Seccomp_filters|NoNewPrivs|CapEff):' /proc/self/status; cut -d: -f3 /proc/self/cgroup | sort -u; grep 'core file' /proc/self/limits | tr -s ' '; touch /tmp/x`},
			Env: []string{"PATH=/usr/bin:/bin"}, Limits: testLimits})
		filtered := filteredThreads(t, initPid)
		b.Release()
		want := "NoNewPrivs:\t1\nSeccomp:\t2\nSeccomp_filters:\t1\n"
		if err != nil || res.ExitCode != 0 || !strings.Contains(string(res.Stdout), want) ||
			!strings.Contains(string(res.Stdout), "\n/\nMax core file size 1 1 bytes") ||
			!strings.Contains(string(res.Stdout), "CapEff:\t0000000000000000") {
			t.Fatalf("round %d: %v, %q, %s; want %q, the cgroup path / and a core limit of 1", round, err, res.Stdout, res.Stderr, want)
		}
		if filtered != 1 {
			t.Fatalf("round %d: %d threads of the init are filtered, want 1", round, filtered)
		}
	}
}

// filteredThreads counts the threads of pid under a seccomp filter.
func filteredThreads(t *testing.T, pid int) int {
	t.Helper()
	tasks, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, task := range tasks {
		status, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%s/status", pid, task.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(status), "\nSeccomp:\t2\n") {
			n++
		}
	}
	return n
}
