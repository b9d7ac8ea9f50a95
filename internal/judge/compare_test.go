package judge

import (
	"bytes"
	"strings"
	"testing"
)

func TestCompare(t *testing.T) {
	exact := Compare{Mode: Exact, CaseSensitive: true}
	lines := DefaultCompare()
	tokens := Compare{Mode: Tokens, CaseSensitive: true}
	float := Compare{Mode: Float, CaseSensitive: true, AbsTolerance: 1e-6, RelTolerance: 1e-6}
	noCase := func(c Compare) Compare { c.CaseSensitive = false; return c }
	cases := []struct {
		name     string
		c        Compare
		out, exp string
		want     Verdict
	}{
		{"exact equal", exact, "3\n", "3\n", Accepted},
		{"exact empty", exact, "", "", Accepted},
		{"exact crlf is PE", exact, "3\r\n", "3\n", PresentationError},
		{"exact missing newline is PE", exact, "3", "3\n", PresentationError},
		{"exact inner spaces is PE", exact, "1  2\n", "1 2\n", PresentationError},
		{"exact wrong", exact, "4\n", "3\n", WrongAnswer},
		{"exact case", exact, "Yes\n", "YES\n", WrongAnswer},
		{"exact no case", noCase(exact), "Yes\n", "YES\n", Accepted},

		{"lines equal", lines, "1 2\n3\n", "1 2\n3\n", Accepted},
		{"lines trailing spaces", lines, "1 2  \t\r\n3 \r\n\n\n  \n", "1 2\n3", Accepted},
		{"lines trailing vt ff", lines, "3\v\f", "3\n", Accepted},
		{"lines trailing NUL is output", lines, "3\x00", "3\n", WrongAnswer},
		{"lines empty vs blank", lines, " \n\n\t", "", Accepted},
		{"lines leading space is PE", lines, " 3\n", "3\n", PresentationError},
		{"lines inner blank line is PE", lines, "1\n\n2\n", "1\n2\n", PresentationError},
		{"lines split line is PE", lines, "1\n2\n", "1 2\n", PresentationError},
		{"lines wrong", lines, "1 3\n", "1 2\n", WrongAnswer},
		{"lines short", lines, "1\n", "1\n2\n", WrongAnswer},
		{"lines long", lines, "1\n2\n3\n", "1\n2\n", WrongAnswer},
		{"lines empty output", lines, "", "1\n", WrongAnswer},
		{"lines case", lines, "yes\n", "YES\n", WrongAnswer},
		{"lines no case", noCase(lines), "yes\n", "YES\n", Accepted},
		{"lines zero value mode", Compare{CaseSensitive: true}, "3 \n", "3\n", Accepted},

		{"tokens layout", tokens, "  1\n\n2\t3 ", "1 2 3\n", Accepted},
		{"tokens wrong", tokens, "1 2 4", "1 2 3", WrongAnswer},
		{"tokens fewer", tokens, "1 2", "1 2 3", WrongAnswer},
		{"tokens more", tokens, "1 2 3 4", "1 2 3", WrongAnswer},
		{"tokens NUL is a byte", tokens, "1\x00", "1", WrongAnswer},
		{"tokens both empty", tokens, "\n", "", Accepted},
		{"tokens non-ASCII space is a byte", tokens, "1\u00a02", "1 2", WrongAnswer},
		{"tokens no case", noCase(tokens), "YeS", "yes", Accepted},
		{"tokens UTF-8 not folded", noCase(tokens), "É", "é", WrongAnswer},

		{"float equal", float, "0.3333333", "0.333333333", Accepted},
		{"float abs", float, "1.0000009", "1", Accepted},
		{"float abs out", float, "1.00001", "1", WrongAnswer},
		{"float rel", float, "1000000.9", "1000000", Accepted},
		{"float rel out", float, "1000002", "1000000", WrongAnswer},
		{"float exponent", float, "1e3", "1000.0000001", Accepted},
		{"float words", float, "answer 2.0000000001 ok", "answer 2 ok", Accepted},
		{"float word case", float, "Answer 2", "answer 2", WrongAnswer},
		{"float word no case", noCase(float), "Answer 2", "answer 2", Accepted},
		{"float nan", float, "nan", "NaN", Accepted},
		{"float nan vs number", float, "nan", "1", WrongAnswer},
		{"float number vs nan", float, "1", "nan", WrongAnswer},
		{"float inf", float, "inf", "+Infinity", Accepted},
		{"float inf sign", float, "-inf", "inf", WrongAnswer},
		{"float inf vs huge", float, "inf", "1e308", WrongAnswer},
		{"float hex is text", float, "0x10", "16", WrongAnswer},
		{"float underscore is text", float, "1_0", "10", WrongAnswer},
		{"float out of range is text", float, "1e999", "1e999", Accepted},
		{"float out of range differs", float, "1e999", "1e998", WrongAnswer},
		{"float lone dot is text", float, ".", ".", Accepted},
		{"float dot forms", float, ".5 5.", "0.5 5", Accepted},
		{"float zero tolerance", Compare{Mode: Float, CaseSensitive: true}, "0.1000000001", "0.1", WrongAnswer},
		{"float zero tolerance equal", Compare{Mode: Float, CaseSensitive: true}, "1.50", "1.5", Accepted},
		{"float testlib eps", Compare{Mode: Float, CaseSensitive: true, AbsTolerance: 0.1}, "1.1", "1.0", Accepted},
		{"float missing token", float, "1", "1 2", WrongAnswer},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, msg := tc.c.Equal([]byte(tc.out), []byte(tc.exp))
			if got != tc.want {
				t.Fatalf("%+v.Equal(%q, %q) = %s (%q), want %s", tc.c, tc.out, tc.exp, got, msg, tc.want)
			}
			if (got == Accepted) != (msg == "") {
				t.Errorf("verdict %s with message %q: a message is given exactly when the output is not accepted", got, msg)
			}
		})
	}
}

// TestCompareMessages: the message says where, quotes the program's output
// only, and never the expected output.
func TestCompareMessages(t *testing.T) {
	secret := "expected-secret"
	cases := []struct {
		c        Compare
		out, exp string
		want     string
	}{
		{DefaultCompare(), "a\nb\n", "a\n" + secret + "\n", `line 2 differs: the output has "b"`},
		{DefaultCompare(), "a\n", "a\n" + secret + "\n", "the output ends after line 1; more lines are expected"},
		{DefaultCompare(), "", secret, "the output is empty"},
		{DefaultCompare(), "a\nextra\n", "a\n", `the output goes on past the expected end, at line 2: "extra"`},
		{DefaultCompare(), "1\n\n2", "1\n2", `line 2 differs: the output has "" (the tokens are right: only the layout differs)`},
		{Compare{Mode: Tokens}, "x y", "x " + secret, `token 2 differs: the output has "y"`},
		{Compare{Mode: Tokens}, "x", "x " + secret, "the output ends after 1 tokens; more are expected"},
		{Compare{Mode: Exact}, "1\r\n", "1\n", "the output differs from the expected one only in trailing white space or line endings"},
		{Compare{Mode: Tokens}, strings.Repeat("z", 100), secret, `token 1 differs: the output has "` + strings.Repeat("z", 64) + `"...`},
	}
	for _, tc := range cases {
		v, msg := tc.c.Equal([]byte(tc.out), []byte(tc.exp))
		if !strings.Contains(msg, tc.want) {
			t.Errorf("%+v.Equal(%q, %q) = %s %q, want a message containing %q", tc.c, tc.out, tc.exp, v, msg, tc.want)
		}
		if strings.Contains(msg, secret) {
			t.Errorf("message %q quotes the expected output", msg)
		}
	}
}

func TestCompareValidate(t *testing.T) {
	good := []Compare{
		{}, DefaultCompare(), {Mode: Exact}, {Mode: Tokens}, {Mode: Float, AbsTolerance: 0.5},
	}
	for _, c := range good {
		if err := c.Validate(); err != nil {
			t.Errorf("%+v.Validate() = %v, want nil", c, err)
		}
	}
	bad := map[string]Compare{
		`compare.mode "words" is not one of`: {Mode: "words"},
		`compare.mode "Lines" is not one of`: {Mode: "Lines"},
		"compare.absTolerance must be":       {Mode: Float, AbsTolerance: -1},
		"compare.relTolerance must be":       {Mode: Float, RelTolerance: -1e-9},
		"compare.relTolerance must be a":     {Mode: Float, RelTolerance: nan()},
	}
	for want, c := range bad {
		err := c.Validate()
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%+v.Validate() = %v, want an error containing %q", c, err, want)
		}
	}
}

// TestCompareAllocations: judging allocates nothing when the output is
// accepted (the common case, 200 times a submission).
func TestCompareAllocations(t *testing.T) {
	out := bytes.Repeat([]byte("123 456.5 abc\r\n"), 1000)
	for _, c := range []Compare{{Mode: Exact}, DefaultCompare(), {Mode: Tokens}, {Mode: Float, AbsTolerance: 1e-6}} {
		allocs := testing.AllocsPerRun(20, func() {
			if v, msg := c.Equal(out, out); v != Accepted {
				t.Fatalf("%s: %s %s", c.Mode, v, msg)
			}
		})
		if allocs != 0 {
			t.Errorf("mode %s: %v allocations per Equal of an accepted output, want 0", c.Mode, allocs)
		}
	}
}

func BenchmarkCompare(b *testing.B) {
	small := []byte("3\n")
	big := bytes.Repeat([]byte("123456 0.25 word\n"), 1<<16) // 1 MiB
	for _, c := range []Compare{{Mode: Exact}, DefaultCompare(), {Mode: Tokens}, {Mode: Float, AbsTolerance: 1e-6}} {
		b.Run(string(c.Mode)+"/tiny", func(b *testing.B) {
			for b.Loop() {
				c.Equal(small, small)
			}
		})
		b.Run(string(c.Mode)+"/1MiB", func(b *testing.B) {
			b.SetBytes(int64(len(big)))
			for b.Loop() {
				c.Equal(big, big)
			}
		})
	}
}
