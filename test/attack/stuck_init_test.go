package attack

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coderacer/coderacer/test/testserver"
)

// On cgroup v1 a sandbox's init lives in the sandbox's memory cgroup, and
// it receives the program's arguments before it starts the program. Long
// arguments under a tiny memory limit froze the init itself at the limit:
// it could not answer, the wall limit never ended the run, and the sandbox
// stayed taken for good (two such requests and every user waited). Each
// request must be answered at once, and a hello world must run after it.
//
// Whether seven arguments of 128 KiB fit in 4 MiB depends on how much the
// init needs to take them at that moment: the program runs and prints 7,
// or the run is MLE, never anything else. Arguments beyond a quarter of
// the stack limit (which is the memory limit) cannot be passed by execve
// at all, and a limit of one byte leaves room for nothing: MLE.
func TestTinyMemoryLimitDoesNotFreezeTheSandbox(t *testing.T) {
	prog := `int main(int argc, char **argv) { printf("%d\n", argc - 1); return 0; }
`
	cases := []struct {
		name   string
		args   []string
		memory int64
		// fits is the program's output when the arguments may fit.
		fits string
	}{
		{"seven_arguments_of_128KiB_under_4MiB", repeat(strings.Repeat("a", 131071), 7), 4 << 20, "7\n"},
		{"eight_thousand_arguments_under_2MiB", repeat(strings.Repeat("b", 120), 8000), 2 << 20, ""},
		{"one_argument_under_1_byte", []string{strings.Repeat("c", 131071)}, 1, ""},
		{"no_argument_under_1_byte", nil, 1, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// Both sandboxes of the suite's server, and a third time on a
			// sandbox that replaced a frozen one.
			for i := range 3 {
				req := withLimits(cProgram(prog), testserver.Limits{MemoryBytes: tc.memory, WallTimeMs: 2000})
				req.Args = tc.args
				r := executeWithin(t, req, 10*time.Second)
				fitted := tc.fits != "" && r.Status == "OK" && r.Stdout == tc.fits
				if r.Status != "MLE" && !fitted {
					t.Errorf("request %d: status %s, want MLE%s: %s", i, r.Status, map[bool]string{true: " or OK printing " + tc.fits}[tc.fits != ""], r)
				}
				requireHealthy(t)
			}
		})
	}
}

func repeat(s string, n int) []string {
	l := make([]string, n)
	for i := range l {
		l[i] = s
	}
	return l
}

// executeWithin runs req on the suite's server and fails the test at once
// if no answer comes within d. The request goes on without t (which may
// be over by then) until the client's own timeout.
func executeWithin(t *testing.T, req testserver.Request, d time.Duration) *testserver.Response {
	t.Helper()
	body, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	type answer struct {
		r   *testserver.Response
		err error
	}
	done := make(chan answer, 1)
	go func() {
		client := http.Client{Timeout: testserver.RequestTimeout}
		resp, err := client.Post(srv.URL+"/api/v1/execute", "application/json", bytes.NewReader(body))
		if err != nil {
			done <- answer{err: err}
			return
		}
		defer resp.Body.Close()
		var r testserver.Response
		err = json.NewDecoder(resp.Body).Decode(&r)
		done <- answer{&r, err}
	}()
	select {
	case a := <-done:
		if a.err != nil {
			t.Fatal(a.err)
		}
		return a.r
	case <-time.After(d):
		t.Fatalf("no answer within %v: the sandbox hangs", d)
		return nil
	}
}
