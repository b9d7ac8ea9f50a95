package judge

import (
	"math"
	"strings"
	"testing"
	"unicode/utf8"
)

func nan() float64 { return math.NaN() }

func TestReadExit(t *testing.T) {
	cases := []struct {
		name     string
		p        Protocol
		code     int
		signaled bool
		stderr   string
		max      float64
		verdict  Verdict
		points   float64
		msg      string // contained in the message
	}{
		{"testlib ok", Testlib, 0, false, "ok 3 numbers\n", 2, Accepted, 2, "ok 3 numbers"},
		{"empty protocol is testlib", "", 2, false, "wrong output format x", 1, PresentationError, 0, "wrong output format x"},
		{"testlib wa", Testlib, 1, false, "wrong answer 1st numbers differ - expected: '3', found: '4'\n", 1, WrongAnswer, 0, "1st numbers differ"},
		{"testlib pe", Testlib, 2, false, "wrong output format Extra information in the output file\n", 1, PresentationError, 0, "Extra information"},
		{"testlib dirt", Testlib, 4, false, "", 1, PresentationError, 0, ""},
		{"testlib unexpected eof", Testlib, 8, false, "unexpected eof", 1, PresentationError, 0, "unexpected eof"},
		{"testlib fail", Testlib, 3, false, "FAIL answer file not found\n", 1, InternalError, 0, "the checker failed (testlib's FAIL, exit 3): FAIL answer file not found"},
		{"testlib points", Testlib, 7, false, "points 0.5 half of it\n", 1, WrongAnswer, 0.5, "points 0.5 half of it"},
		{"testlib points old format", Testlib, 7, false, "points 0.5000000000\n", 2, WrongAnswer, 0.5, "points 0.5000000000"},
		{"testlib points int", Testlib, 7, false, "points 3 all", 3, Accepted, 3, "points 3 all"},
		{"testlib points zero", Testlib, 7, false, "points 0", 3, WrongAnswer, 0, "points 0"},
		{"testlib points too many", Testlib, 7, false, "points 4", 3, InternalError, 0, "outside [0, 3]"},
		{"testlib points negative", Testlib, 7, false, "points -1", 3, InternalError, 0, "outside"},
		{"testlib points nan", Testlib, 7, false, "points nan", 3, InternalError, 0, "without \"points <number>\""},
		{"testlib points missing", Testlib, 7, false, "ok", 1, InternalError, 0, "without \"points <number>\""},
		{"testlib points no number", Testlib, 7, false, "points ", 1, InternalError, 0, "without"},
		{"testlib points hex", Testlib, 7, false, "points 0x1", 1, InternalError, 0, "without"},
		{"testlib unknown code", Testlib, 5, false, "", 1, InternalError, 0, "exited with 5, which protocol testlib does not know"},
		{"testlib negative code", Testlib, -1, false, "", 1, InternalError, 0, "exited with -1"},
		{"testlib killed", Testlib, 0, true, "partial", 1, InternalError, 0, "the checker was killed: partial"},
		{"exitcode ok", ExitCode, 0, false, "fine", 1, Accepted, 1, "fine"},
		{"exitcode wa", ExitCode, 1, false, "no", 1, WrongAnswer, 0, "no"},
		{"exitcode 2 is IE", ExitCode, 2, false, "", 1, InternalError, 0, "exited with 2, which protocol exitcode does not know"},
		{"exitcode 7 is IE", ExitCode, 7, false, "points 1", 1, InternalError, 0, "exited with 7"},
		{"exitcode killed", ExitCode, 1, true, "", 1, InternalError, 0, "the checker was killed"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v, pts, msg := ReadExit(tc.p, tc.code, tc.signaled, []byte(tc.stderr), tc.max)
			if v != tc.verdict || pts != tc.points || !strings.Contains(msg, tc.msg) {
				t.Errorf("ReadExit(%q, %d, %v, %q, %v) = %s, %v, %q; want %s, %v and a message containing %q",
					tc.p, tc.code, tc.signaled, tc.stderr, tc.max, v, pts, msg, tc.verdict, tc.points, tc.msg)
			}
		})
	}
}

func TestReadExitMessageBound(t *testing.T) {
	stderr := "wrong answer " + strings.Repeat("é", MaxMessageBytes) + "\xff"
	_, _, msg := ReadExit(Testlib, 1, false, []byte(stderr), 1)
	if len(msg) > MaxMessageBytes+len("...") || !utf8.ValidString(msg) || !strings.HasSuffix(msg, "...") {
		t.Errorf("message of %d bytes (valid UTF-8: %v), ending %q; want at most %d bytes of valid UTF-8 ending in ...",
			len(msg), utf8.ValidString(msg), msg[len(msg)-8:], MaxMessageBytes+3)
	}
	_, _, msg = ReadExit(Testlib, 1, false, []byte("bad \xff byte"), 1)
	if msg != "bad \uFFFD byte" {
		t.Errorf("invalid UTF-8 kept as %q", msg)
	}
}

func TestProtocolValidate(t *testing.T) {
	for _, p := range []Protocol{"", Testlib, ExitCode} {
		if err := p.Validate(); err != nil {
			t.Errorf("Protocol(%q).Validate() = %v", p, err)
		}
	}
	if err := Protocol("polygon").Validate(); err == nil || !strings.Contains(err.Error(), `protocol "polygon" is not one of testlib, exitcode`) {
		t.Errorf("Protocol(polygon).Validate() = %v", err)
	}
}
