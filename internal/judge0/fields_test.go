package judge0

import (
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
)

// judge0Attributes is the attribute list of the contract
// (docs/judge0.md), written out again: fields=* must give these, no more.
const judge0Attributes = `source_code, language_id, stdin, expected_output, stdout, status_id, created_at,
finished_at, time, memory, stderr, token, number_of_runs, cpu_time_limit, cpu_extra_time, wall_time_limit,
memory_limit, stack_limit, max_processes_and_or_threads, enable_per_process_and_thread_time_limit,
enable_per_process_and_thread_memory_limit, max_file_size, compile_output, exit_code, exit_signal, message,
wall_time, compiler_options, command_line_arguments, redirect_stderr_to_stdout, callback_url,
additional_files, enable_network, status, language`

func contractAttributes() []string {
	var out []string
	for _, f := range strings.Split(judge0Attributes, ",") {
		out = append(out, strings.TrimSpace(f))
	}
	sort.Strings(out)
	return out
}

func TestParseFields(t *testing.T) {
	def := DefaultFields()
	for _, tc := range []struct {
		param   string
		want    []string
		invalid []string
	}{
		{"", def, nil},
		{" , ,", def, nil},
		{"*", Attributes(), nil},
		{"token,*", Attributes(), nil},
		{"status,token", []string{"status", "token"}, nil},
		{" stdout , stdout,time", []string{"stdout", "time"}, nil},
		{"token,foo,bar", nil, []string{"foo", "bar"}},
		{"Token", nil, []string{"Token"}},
		{"status.id", nil, []string{"status.id"}},
	} {
		got, err := ParseFields(tc.param)
		var fe *FieldsError
		switch {
		case tc.invalid != nil:
			if !errors.As(err, &fe) || !reflect.DeepEqual(fe.Invalid, tc.invalid) {
				t.Errorf("ParseFields(%q) = %v %v, want invalid %v", tc.param, got, err, tc.invalid)
			}
		case err != nil || !reflect.DeepEqual(got, tc.want):
			t.Errorf("ParseFields(%q) = %v %v, want %v", tc.param, got, err, tc.want)
		}
	}
	_, err := ParseFields("token,foo,bar")
	if err == nil || err.Error() != "invalid fields: [foo, bar]" {
		t.Errorf("error text %v", err)
	}
}

func TestDefaultFieldsAreAttributes(t *testing.T) {
	want := []string{"token", "time", "memory", "stdout", "stderr", "compile_output", "message", "status"}
	if !reflect.DeepEqual(DefaultFields(), want) {
		t.Errorf("DefaultFields() = %v", DefaultFields())
	}
	for _, f := range want {
		if !slices.Contains(Attributes(), f) {
			t.Errorf("default field %s is not an attribute", f)
		}
	}
}

func fullView() *View {
	at := time.Date(2024, 4, 3, 5, 40, 51, 306e6, time.UTC)
	msg, opts, args, cb := "Exited with error status 1", "-O2", "a b", "http://example.invalid/cb"
	exit, sig, mem := 1, 0, int64(3320)
	tm, wall := 12*time.Millisecond, 34567*time.Microsecond
	return &View{
		Token: "d85cd024-1548-4165-96c7-7bc88673f194", LanguageID: 71, Language: Language{71, "Python (3.11.2)"},
		Status: status(RuntimeErrorNZEC), CreatedAt: at, FinishedAt: &at,
		SourceCode: []byte("print(1)"), Stdin: []byte{}, ExpectedOutput: []byte("1\n"),
		Stdout: []byte("1\n"), Stderr: []byte("oops\xff"), CompileOutput: nil, Message: &msg,
		ExitCode: &exit, ExitSignal: &sig, Time: &tm, WallTime: &wall, MemoryKB: &mem,
		NumberOfRuns: 1, CPUTimeLimit: 5, CPUExtraTime: 1, WallTimeLimit: 2.5, MemoryLimit: 128000,
		StackLimit: 64000, MaxFileSize: 1024, MaxProcesses: 60, CompilerOptions: &opts, CommandLineArgs: &args,
		Callback: &cb, AdditionalFiles: []byte("PK"), RedirectStderr: true,
	}
}

// The SDK checks fields=* strictly: exactly the contract's attributes.
func TestStarIsExactlyJudge0Attributes(t *testing.T) {
	fields, err := ParseFields("*")
	if err != nil {
		t.Fatal(err)
	}
	m, err := Render(fullView(), fields, true)
	if err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	var back map[string]json.RawMessage
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	var got []string
	for k := range back {
		got = append(got, k)
	}
	sort.Strings(got)
	if want := contractAttributes(); !reflect.DeepEqual(got, want) {
		t.Errorf("fields=* gives\n%v\nwant\n%v", got, want)
	}
	// A view not yet run has the same keys, with nulls.
	m, err = Render(&View{Status: status(InQueue)}, fields, false)
	if err != nil || len(m) != len(contractAttributes()) {
		t.Errorf("queued view: %d keys, %v", len(m), err)
	}
}

func TestRender(t *testing.T) {
	v := fullView()
	m, err := Render(v, Attributes(), true)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := json.Marshal(m)
	for _, want := range []string{
		`"source_code":"cHJpbnQoMSk="`, `"stdin":""`, `"stderr":"b29wc/8="`, `"compile_output":null`,
		`"message":"RXhpdGVkIHdpdGggZXJyb3Igc3RhdHVzIDE="`, `"time":"0.012"`, `"wall_time":"0.035"`,
		`"memory":3320`, `"created_at":"2024-04-03T05:40:51.306Z"`, `"status":{"id":11,"description":"Runtime Error (NZEC)"}`,
		`"status_id":11`, `"language":{"id":71,"name":"Python (3.11.2)"}`, `"cpu_time_limit":"5.0"`,
		`"wall_time_limit":"2.5"`, `"memory_limit":128000`, `"exit_code":1`, `"exit_signal":0`,
		`"additional_files":"UEs="`, `"redirect_stderr_to_stdout":true`, `"enable_network":false`,
		`"compiler_options":"-O2"`, `"number_of_runs":1`,
	} {
		if !strings.Contains(string(data), want) {
			t.Errorf("rendered view lacks %s:\n%s", want, data)
		}
	}
}

func TestRenderPlain(t *testing.T) {
	v := fullView()
	m, err := Render(v, []string{"stdout", "status"}, false)
	if err != nil || m["stdout"] != "1\n" || len(m) != 2 {
		t.Errorf("Render stdout,status = %v %v", m, err)
	}
	// stderr holds a byte that is not UTF-8: Judge0 asks for base64.
	_, err = Render(v, DefaultFields(), false)
	if !errors.Is(err, ErrNotUTF8Field) || err.Error() != ErrNotUTF8 {
		t.Errorf("Render of non-UTF-8 stderr: %v", err)
	}
	m, err = Render(&View{}, []string{"stdout", "time", "memory", "finished_at", "exit_code", "message"}, false)
	if err != nil {
		t.Fatal(err)
	}
	for k, val := range m {
		if val != nil {
			t.Errorf("%s of a view not run = %v, want null", k, val)
		}
	}
}

func TestFormats(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		{Seconds(0), "0.000"}, {Seconds(1500 * time.Microsecond), "0.002"}, {Seconds(2 * time.Second), "2.000"},
		{Decimal(5), "5.0"}, {Decimal(0.125), "0.125"}, {Decimal(15), "15.0"},
		{Timestamp(time.Date(2024, 1, 2, 3, 4, 5, 0, time.FixedZone("x", 3600))), "2024-01-02T02:04:05.000Z"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
	for _, tc := range []struct{ in, want int64 }{{0, 0}, {1, 1}, {1024, 1}, {1025, 2}, {128 << 20, 131072}} {
		if got := KB(tc.in); got != tc.want {
			t.Errorf("KB(%d) = %d, want %d", tc.in, got, tc.want)
		}
	}
}
