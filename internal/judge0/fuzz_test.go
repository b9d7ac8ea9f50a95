package judge0

import "testing"

// Hostile bodies never panic: they parse, or they are refused.
func FuzzParseSubmission(f *testing.F) {
	for _, seed := range []string{
		`{"source_code": "eA==", "language_id": 71, "cpu_time_limit": "1e400"}`,
		`{"source_code": "x", "language_id": 71, "memory_limit": 1e308, "number_of_runs": -1e308}`,
		`{"source_code": "x", "language_id": 71, "command_line_arguments": "'a\\"}`,
		`{"language_id": [], "stdin": {}, "enable_network": 1}`,
		`[1, 2]`, `"x"`, ``,
	} {
		f.Add([]byte(seed), true)
		f.Add([]byte(seed), false)
	}
	f.Fuzz(func(t *testing.T, body []byte, b64 bool) {
		s, err := ParseSubmission(body, b64)
		if err != nil {
			return
		}
		if _, err := s.Resolve(DefaultConfig()); err == nil && s.LanguageID < 1 {
			t.Errorf("accepted language_id %d", s.LanguageID)
		}
	})
}

func FuzzSplitArgs(f *testing.F) {
	for _, seed := range []string{`a 'b c' "d\"e" f\ g`, `"`, `\`, "a\\\nb", `'\''`} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		args, err := SplitArgs(s)
		if err != nil && args != nil {
			t.Errorf("SplitArgs(%q) returned arguments with its error", s)
		}
	})
}
