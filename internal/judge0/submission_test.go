package judge0

import (
	"errors"
	"reflect"
	"testing"
)

func TestParseSubmission(t *testing.T) {
	s, err := ParseSubmission([]byte(`{"source_code": "cHJpbnQoaW5wdXQoKSk=", "language_id": 71,
		"stdin": "aGkK", "expected_output": "aGkK\n", "cpu_time_limit": "2.5", "memory_limit": 65536,
		"redirect_stderr_to_stdout": true, "enable_network": "false", "command_line_arguments": "a b",
		"callback_url": null, "additional_files": "UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA==", "unknown": 1}`), true)
	if err != nil {
		t.Fatal(err)
	}
	if string(s.SourceCode) != "print(input())" || s.LanguageID != 71 || string(s.Stdin) != "hi\n" ||
		string(s.ExpectedOutput) != "hi\n" || *s.CPUTimeLimit != 2.5 || *s.MemoryLimit != 65536 ||
		!*s.RedirectStderr || *s.EnableNetwork || *s.CommandLineArguments != "a b" || s.CallbackURL != nil ||
		len(s.AdditionalFiles) != 22 || s.WallTimeLimit != nil {
		t.Errorf("parsed %+v", s)
	}
}

func TestParseSubmissionPlain(t *testing.T) {
	// Without base64 the texts are taken as they are, but additional_files
	// is base64 always.
	s, err := ParseSubmission([]byte(`{"source_code": "aGkK", "language_id": "54", "expected_output": ""}`), false)
	if err != nil {
		t.Fatal(err)
	}
	if string(s.SourceCode) != "aGkK" || s.LanguageID != 54 || s.ExpectedOutput == nil || len(s.ExpectedOutput) != 0 || s.Stdin != nil {
		t.Errorf("parsed %+v", s)
	}
}

func TestParseSubmissionErrors(t *testing.T) {
	for _, tc := range []struct {
		body string
		b64  bool
		want ValidationErrors // nil: a plain error
	}{
		{`[]`, false, nil},
		{`null`, false, nil},
		{`{"source_code": `, false, nil},
		{`{}`, false, ValidationErrors{"source_code": {"can't be blank"}, "language_id": {"can't be blank"}}},
		{`{"source_code": 5, "language_id": 71}`, false, ValidationErrors{"source_code": {"is not a string"}}},
		{`{"source_code": "x", "language_id": 7.5}`, false, ValidationErrors{"language_id": {"must be an integer"}}},
		{`{"source_code": "x", "language_id": 0}`, false, ValidationErrors{"language_id": {"must be an integer"}}},
		{`{"source_code": "x", "language_id": 1e300}`, false, ValidationErrors{"language_id": {"must be an integer"}}},
		{`{"source_code": "x", "language_id": "abc"}`, false, ValidationErrors{"language_id": {"is not a number"}}},
		{`{"source_code": "!!", "language_id": 71}`, true, ValidationErrors{"source_code": {"is not valid base64"}}},
		{`{"source_code": "eA==", "language_id": 71, "stdin": "%%"}`, true, ValidationErrors{"stdin": {"is not valid base64"}}},
		{`{"source_code": "x", "language_id": 71, "additional_files": "not base64!"}`, false,
			ValidationErrors{"additional_files": {"is not valid base64"}}},
		{`{"source_code": "x", "language_id": 71, "cpu_time_limit": "NaN"}`, false, ValidationErrors{"cpu_time_limit": {"is not a number"}}},
		{`{"source_code": "x", "language_id": 71, "cpu_time_limit": [1]}`, false, ValidationErrors{"cpu_time_limit": {"is not a number"}}},
		{`{"source_code": "x", "language_id": 71, "enable_network": "yes"}`, false, ValidationErrors{"enable_network": {"is not a boolean"}}},
		{`{"source_code": "x", "language_id": 71, "callback_url": {}}`, false, ValidationErrors{"callback_url": {"is not a string"}}},
	} {
		_, err := ParseSubmission([]byte(tc.body), tc.b64)
		var verrs ValidationErrors
		isV := errors.As(err, &verrs)
		switch {
		case err == nil:
			t.Errorf("%s: no error", tc.body)
		case tc.want == nil && isV:
			t.Errorf("%s: %v is a validation error, want a plain one", tc.body, err)
		case tc.want != nil && !reflect.DeepEqual(verrs, tc.want):
			t.Errorf("%s: %#v, want %#v", tc.body, err, tc.want)
		}
	}
}

func TestDecodeBase64(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string
		ok   bool
	}{
		{"aGVsbG8=", "hello", true},
		{"aGVsbG8", "hello", true},
		{"aGVs\nbG8=\n", "hello", true},
		{"aGVs\r\nbG8=", "hello", true},
		{"", "", true},
		{"aGVsbG8=aGk=", "", false},
		{"aGVs*G8=", "", false},
		{"aGVsbG8-", "", false},
		{"a", "", false},
	} {
		got, ok := DecodeBase64(tc.in)
		if ok != tc.ok || ok && string(got) != tc.want {
			t.Errorf("DecodeBase64(%q) = %q %v, want %q %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestValidationErrorsText(t *testing.T) {
	e := ValidationErrors{"stdin": {"is not valid base64"}, "language_id": {"can't be blank", "x"}}
	if got := e.Error(); got != "language_id can't be blank, x; stdin is not valid base64" {
		t.Errorf("Error() = %q", got)
	}
}
