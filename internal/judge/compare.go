package judge

import (
	"bytes"
	"fmt"
	"math"
)

// Equal judges a program's output against the expected output by c's
// mode and returns AC, PE or WA, with a message saying where the output
// went wrong (empty for AC).
//
// Presentation error: in the modes exact and lines, an output whose
// white-space-separated tokens all match the expected ones, but which the
// mode itself refuses (a "\r\n" in exact, a blank line in the middle or a
// space inside a line in lines), is PE, not WA: the answer is right, its
// layout is not. The modes tokens and float see no layout, so they answer
// AC or WA only. A difference of letter case when CaseSensitive is set is
// WA (a "YES" is not a "yes").
//
// The message never quotes the expected output (tests may be hidden from
// the one who submits): it names a line or token, and quotes at most a
// short piece of the program's own output.
//
// Equal reads both slices once or twice and allocates nothing but its
// message, so megabytes of output cost a few milliseconds.
func (c Compare) Equal(output, expected []byte) (Verdict, string) {
	fold := !c.CaseSensitive
	switch c.Mode {
	case Exact:
		if equalExact(output, expected, fold) {
			return Accepted, ""
		}
		ok, msg := diffLines(output, expected, fold)
		if ok {
			return PresentationError, "the output differs from the expected one only in trailing white space or line endings"
		}
		return layoutOrWrong(output, expected, fold, msg)
	case Float:
		return c.equalFloat(output, expected)
	case Tokens:
		return wrongTokens(output, expected, fold)
	default: // Lines, and "" for a Compare built in Go without Validate
		if ok, msg := diffLines(output, expected, fold); !ok {
			return layoutOrWrong(output, expected, fold, msg)
		}
		return Accepted, ""
	}
}

// layoutOrWrong judges outputs whose lines differ (msg says where): PE
// when their tokens agree, else WA.
func layoutOrWrong(output, expected []byte, fold bool, msg string) (Verdict, string) {
	if v, _ := wrongTokens(output, expected, fold); v != Accepted {
		return WrongAnswer, msg
	}
	return PresentationError, msg + " (the tokens are right: only the layout differs)"
}

// Validate checks a Compare taken from a request; its error is fit for a
// 400.
func (c Compare) Validate() error {
	switch c.Mode {
	case "", Exact, Lines, Tokens, Float:
	default:
		return fmt.Errorf("compare.mode %q is not one of exact, lines, tokens, float", string(c.Mode))
	}
	if err := checkTolerance("compare.absTolerance", c.AbsTolerance); err != nil {
		return err
	}
	return checkTolerance("compare.relTolerance", c.RelTolerance)
}

func checkTolerance(name string, v float64) error {
	if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
		return fmt.Errorf("%s must be a finite number ≥ 0, not %v", name, v)
	}
	return nil
}

// equalExact: the bytes are equal (ASCII letters folded when fold).
func equalExact(a, b []byte, fold bool) bool {
	if !fold || len(a) != len(b) {
		return bytes.Equal(a, b)
	}
	for i := range a {
		if !sameByte(a[i], b[i], fold) {
			return false
		}
	}
	return true
}

// sameByte compares two bytes, folding ASCII letters when fold. Only
// ASCII is folded: a byte of a multi-byte UTF-8 sequence is never a
// letter here, so folding cannot make two different encodings equal.
func sameByte(a, b byte, fold bool) bool {
	if a == b {
		return true
	}
	return fold && lower(a) == lower(b)
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func equalBytes(a, b []byte, fold bool) bool {
	return len(a) == len(b) && equalExact(a, b, fold)
}

// quote shows a short piece of the program's output in a message.
func quote(b []byte) string {
	const max = 64
	if len(b) > max {
		return fmt.Sprintf("%q...", b[:max])
	}
	return fmt.Sprintf("%q", b)
}
