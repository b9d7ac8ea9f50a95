package judge

import (
	"bytes"
	"math"
	"strings"
	"testing"
)

// judge0Strip is Judge0's rule written as its Ruby does it:
// text.split("\n").map(&:rstrip).join("\n").rstrip (NUL bytes kept).
func judge0Strip(b []byte) string {
	lines := strings.Split(string(b), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " \t\n\v\f\r")
	}
	return strings.TrimRight(strings.Join(lines, "\n"), " \t\n\v\f\r")
}

// fields is the tokens rule written with the standard library.
func fields(b []byte) [][]byte {
	return bytes.FieldsFunc(b, func(r rune) bool { return r < 0x80 && isSpace(byte(r)) })
}

// asciiUpper upper-cases ASCII letters only (bytes.ToUpper would rewrite
// invalid UTF-8).
func asciiUpper(b []byte) []byte {
	u := bytes.Clone(b)
	for i, c := range u {
		if 'a' <= c && c <= 'z' {
			u[i] = c - 'a' + 'A'
		}
	}
	return u
}

func equalFields(a, b []byte) bool {
	fa, fb := fields(a), fields(b)
	if len(fa) != len(fb) {
		return false
	}
	for i := range fa {
		if !bytes.Equal(fa[i], fb[i]) {
			return false
		}
	}
	return true
}

// FuzzCompare checks Equal against plain reference implementations of the
// rules and the order between modes: exact ⊂ lines ⊂ tokens ⊂ float.
func FuzzCompare(f *testing.F) {
	seeds := [][2]string{
		{"3\n", "3\n"}, {"3\r\n", "3"}, {"1 2\n", "1\n2\n"}, {" a\n\n", "a"}, {"1e5", "100000"},
		{"nan inf -inf", "NaN Inf -Infinity"}, {"0.1\x00", "0.1"}, {"\xff\xfe", "\xff"}, {"", " \n"},
		{"1.0000001 x", "1 X"}, {"é\u00a0", "É"}, {"+.5e-3", "0.0005"},
	}
	for _, s := range seeds {
		f.Add([]byte(s[0]), []byte(s[1]), 1e-6, 1e-6)
	}
	f.Fuzz(func(t *testing.T, out, exp []byte, abs, rel float64) {
		abs, rel = math.Abs(abs), math.Abs(rel)
		c := Compare{CaseSensitive: true, AbsTolerance: abs, RelTolerance: rel}
		verdict := func(m Mode) Verdict {
			c.Mode = m
			v, msg := c.Equal(out, exp)
			if (v == Accepted) != (msg == "") || (v != Accepted && v != WrongAnswer && v != PresentationError) {
				t.Fatalf("mode %s: verdict %s, message %q", m, v, msg)
			}
			return v
		}
		vExact, vLines, vTokens, vFloat := verdict(Exact), verdict(Lines), verdict(Tokens), verdict(Float)
		if want := bytes.Equal(out, exp); (vExact == Accepted) != want {
			t.Fatalf("exact: %s, bytes.Equal says %v", vExact, want)
		}
		if want := judge0Strip(out) == judge0Strip(exp); (vLines == Accepted) != want {
			t.Fatalf("lines: %s, Judge0's rule says %v", vLines, want)
		}
		tokensEqual := equalFields(out, exp)
		if (vTokens == Accepted) != tokensEqual {
			t.Fatalf("tokens: %s, the reference says %v", vTokens, tokensEqual)
		}
		// PE exactly when the mode refuses but the tokens agree.
		for m, v := range map[Mode]Verdict{Exact: vExact, Lines: vLines} {
			if v != Accepted && (v == PresentationError) != tokensEqual {
				t.Fatalf("mode %s: %s though the tokens agree = %v", m, v, tokensEqual)
			}
		}
		if tokensEqual && vFloat != Accepted {
			t.Fatalf("float refuses equal tokens: %s", vFloat)
		}
		if verdict(Exact) == Accepted && vLines != Accepted {
			t.Fatalf("exact accepts but lines does not")
		}
		c.Mode = Tokens
		c.CaseSensitive = false
		if v, _ := c.Equal(asciiUpper(out), exp); tokensEqual && v != Accepted {
			t.Fatalf("case-insensitive tokens refuse an upper-cased output: %s", v)
		}
	})
}

// FuzzReadExit: whatever a checker does, the verdict is one ReadExit may
// give, the points are within [0, max], the message is bounded.
func FuzzReadExit(f *testing.F) {
	f.Add("testlib", 7, false, []byte("points 0.5 half"), 1.0)
	f.Add("testlib", 0, false, []byte("ok"), 2.0)
	f.Add("exitcode", 1, true, []byte("\xff"), 1.0)
	f.Add("", 3, false, []byte("points 1e308"), 1e308)
	f.Fuzz(func(t *testing.T, p string, code int, signaled bool, stderr []byte, max float64) {
		if math.IsNaN(max) || max < 0 {
			max = 1
		}
		v, pts, msg := ReadExit(Protocol(p), code, signaled, stderr, max)
		switch v {
		case Accepted, WrongAnswer, PresentationError, InternalError:
		default:
			t.Fatalf("verdict %s", v)
		}
		if pts < 0 || pts > max || math.IsNaN(pts) || (v == Accepted && pts != max) || (v != Accepted && v != WrongAnswer && pts != 0) {
			t.Fatalf("verdict %s with %v points of %v", v, pts, max)
		}
		if len(msg) > MaxMessageBytes+300 {
			t.Fatalf("message of %d bytes", len(msg))
		}
	})
}
