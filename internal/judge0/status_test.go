package judge0

import (
	"testing"
	"time"

	"github.com/coderacer/coderacer/internal/engine"
	"github.com/coderacer/coderacer/internal/judge"
)

func TestStatuses(t *testing.T) {
	want := []string{"In Queue", "Processing", "Accepted", "Wrong Answer", "Time Limit Exceeded",
		"Compilation Error", "Runtime Error (SIGSEGV)", "Runtime Error (SIGXFSZ)", "Runtime Error (SIGFPE)",
		"Runtime Error (SIGABRT)", "Runtime Error (NZEC)", "Runtime Error (Other)", "Internal Error",
		"Exec Format Error"}
	got := Statuses()
	if len(got) != len(want) {
		t.Fatalf("%d statuses, want %d", len(got), len(want))
	}
	for i, s := range got {
		if s.ID != i+1 || s.Description != want[i] {
			t.Errorf("status %d = %+v, want {%d %q}", i, s, i+1, want[i])
		}
	}
	for _, id := range []int{0, -1, 15, 1 << 30} {
		if _, ok := StatusByID(id); ok {
			t.Errorf("StatusByID(%d) found a status", id)
		}
	}
}

func TestFromResult(t *testing.T) {
	run := func(st engine.Status, exit int, signal, msg, stdout string) *engine.Result {
		return &engine.Result{Status: st, Run: &engine.StageResult{Status: st, ExitCode: exit, Signal: signal,
			Message: msg, Stdout: []byte(stdout), WallTime: time.Millisecond}}
	}
	intp := func(n int) *int { return &n }
	for _, tc := range []struct {
		name     string
		res      *engine.Result
		expected []byte
		id       int
		message  string
		exit     *int
		signal   *int
	}{
		{"ok, no expected", run(engine.StatusOK, 0, "", "", "42\n"), nil, 3, "", intp(0), nil},
		{"ok, equal", run(engine.StatusOK, 0, "", "", "42  \r\n\n"), []byte("42"), 3, "", intp(0), nil},
		{"ok, differs", run(engine.StatusOK, 0, "", "", "43\n"), []byte("42\n"), 4, "", intp(0), nil},
		{"ok, layout only (PE is WA)", run(engine.StatusOK, 0, "", "", "1  2\n"), []byte("1 2\n"), 4, "", intp(0), nil},
		{"ok, case differs", run(engine.StatusOK, 0, "", "", "YES\n"), []byte("yes\n"), 4, "", intp(0), nil},
		{"ok, empty expected", run(engine.StatusOK, 0, "", "", "\n"), []byte{}, 3, "", intp(0), nil},
		{"tle", run(engine.StatusTimeLimitExceeded, 0, "SIGKILL", "CPU time limit of 1s exceeded", ""), []byte("x"), 5,
			"Time limit exceeded: CPU time limit of 1s exceeded", nil, nil},
		{"segv", run(engine.StatusSignaled, 0, "SIGSEGV", "killed by SIGSEGV", ""), nil, 7, "Caught fatal signal 11", nil, intp(11)},
		{"xfsz", run(engine.StatusSignaled, 0, "SIGXFSZ", "", ""), nil, 8, "Caught fatal signal 25", nil, intp(25)},
		{"fpe", run(engine.StatusSignaled, 0, "SIGFPE", "", ""), nil, 9, "Caught fatal signal 8", nil, intp(8)},
		{"abrt", run(engine.StatusSignaled, 0, "SIGABRT", "", ""), nil, 10, "Caught fatal signal 6", nil, intp(6)},
		{"other signal", run(engine.StatusSignaled, 0, "SIGKILL", "", ""), nil, 12, "Caught fatal signal 9", nil, intp(9)},
		{"unnamed signal", run(engine.StatusSignaled, 0, "signal 40", "", ""), nil, 12, "Caught fatal signal 40", nil, intp(40)},
		{"garbled signal", run(engine.StatusSignaled, 0, "signal x", "", ""), nil, 12, "Caught fatal signal: signal x", nil, nil},
		{"nzec", run(engine.StatusRuntimeError, 3, "", "", ""), []byte("x"), 11, "Exited with error status 3", intp(3), nil},
		{"mle", run(engine.StatusMemoryLimitExceeded, 0, "SIGKILL", "memory limit of 1024 bytes exceeded", ""), nil, 12,
			"Memory limit exceeded: memory limit of 1024 bytes exceeded", nil, intp(9)},
		{"ole", run(engine.StatusOutputLimitExceeded, 0, "", "output limit of 10 bytes per stream exceeded", ""), nil, 8,
			"Output limit exceeded: output limit of 10 bytes per stream exceeded", nil, intp(25)},
		{"ie", run(engine.StatusInternalError, 0, "", "sandbox failed", ""), nil, 13, "sandbox failed", nil, nil},
		{"exec format (ie)", run(engine.StatusInternalError, 0, "", "fork/exec /w/a.out: exec format error", ""), nil, 14,
			"fork/exec /w/a.out: exec format error", nil, nil},
		{"unknown status", run("??", 0, "", "", ""), nil, 13, "", nil, nil},
		{"ce", &engine.Result{Status: engine.StatusCompileError, Compile: &engine.StageResult{Status: engine.StatusCompileError,
			ExitCode: 1}}, nil, 6, "", nil, nil},
		{"no run stage", &engine.Result{Status: engine.StatusInternalError, Compile: &engine.StageResult{Message: "boom"}}, nil, 13, "boom", nil, nil},
		{"nil result", nil, nil, 13, "the job has no result", nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := FromResult(tc.res, tc.expected)
			if o.Status != status(tc.id) || o.Message != tc.message {
				t.Errorf("got %+v %q, want %d %q", o.Status, o.Message, tc.id, tc.message)
			}
			if !sameInt(o.ExitCode, tc.exit) || !sameInt(o.ExitSignal, tc.signal) {
				t.Errorf("exit_code %v exit_signal %v, want %v %v", show(o.ExitCode), show(o.ExitSignal), show(tc.exit), show(tc.signal))
			}
		})
	}
}

func TestExecFormatRuntimeError(t *testing.T) {
	s := &engine.StageResult{Status: engine.StatusRuntimeError, ExitCode: 126,
		Stderr: []byte("/bin/sh: 1: /w/.coderacer-bin: Exec format error\n")}
	if o := FromStage(s); o.Status.ID != ExecFormatError {
		t.Errorf("exit 126 with exec format error: %+v", o)
	}
	s.ExitCode = 1
	if o := FromStage(s); o.Status.ID != RuntimeErrorNZEC {
		t.Errorf("exit 1 printing those words: %+v, want NZEC", o)
	}
}

func sameInt(a, b *int) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }

func show(p *int) any {
	if p == nil {
		return nil
	}
	return *p
}

func TestFromVerdict(t *testing.T) {
	for _, tc := range []struct {
		v      judge.Verdict
		signal string
		id     int
		ok     bool
	}{
		{judge.Accepted, "", 3, true},
		{judge.WrongAnswer, "", 4, true},
		{judge.PresentationError, "", 4, true},
		{judge.TimeLimitExceeded, "", 5, true},
		{judge.CompileError, "", 6, true},
		{judge.Signaled, "SIGSEGV", 7, true},
		{judge.OutputLimitExceeded, "", 8, true},
		{judge.Signaled, "SIGFPE", 9, true},
		{judge.Signaled, "SIGABRT", 10, true},
		{judge.RuntimeError, "", 11, true},
		{judge.Signaled, "SIGTERM", 12, true},
		{judge.MemoryLimitExceeded, "", 12, true},
		{judge.InternalError, "", 13, true},
		{judge.Skipped, "", 0, false},
		{"nonsense", "", 0, false},
	} {
		id, ok := FromVerdict(tc.v, tc.signal)
		if id != tc.id || ok != tc.ok {
			t.Errorf("FromVerdict(%s, %q) = %d %v, want %d %v", tc.v, tc.signal, id, ok, tc.id, tc.ok)
		}
	}
}

func TestCompare(t *testing.T) {
	for _, tc := range []struct {
		out, exp string
		id       int
	}{
		{"a\nb\n", "a\nb", 3},
		{"a \t\r\nb\t\n\n\n", "a\nb\n", 3},
		{"a\r\nb\r\n", "a\nb\n", 3},
		{" a\n", "a\n", 4},     // leading white space counts
		{"a  b\n", "a b\n", 4}, // inner white space counts
		{"a\n\nb\n", "a\nb\n", 4},
		{"A\n", "a\n", 4},
		{"1.0\n", "1\n", 4}, // no float tolerance
		{"", "", 3},
		{"\n\n", "", 3},
		{"", "a", 4},
	} {
		if got := Compare([]byte(tc.out), []byte(tc.exp)); got != tc.id {
			t.Errorf("Compare(%q, %q) = %d, want %d", tc.out, tc.exp, got, tc.id)
		}
	}
}
