package judge

import (
	"fmt"
	"math"
	"strconv"
)

// A token is a run of bytes other than ASCII white space (isSpace), as
// testlib reads them; NUL is part of a token.

// nextToken returns the token at or after b[i] and the index after it; an
// empty token means the end.
func nextToken(b []byte, i int) ([]byte, int) {
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	start := i
	for i < len(b) && !isSpace(b[i]) {
		i++
	}
	return b[start:i], i
}

// tokenEqual compares two tokens, the program's first.
type tokenEqual func(out, exp []byte) bool

// diffTokens compares token by token with same; AC or WA and where.
func diffTokens(output, expected []byte, same tokenEqual) (Verdict, string) {
	i, j := 0, 0
	for n := 1; ; n++ {
		var to, te []byte
		to, i = nextToken(output, i)
		te, j = nextToken(expected, j)
		switch {
		case len(to) == 0 && len(te) == 0:
			return Accepted, ""
		case len(to) == 0 && n == 1:
			return WrongAnswer, "the output is empty"
		case len(to) == 0:
			return WrongAnswer, fmt.Sprintf("the output ends after %d tokens; more are expected", n-1)
		case len(te) == 0:
			return WrongAnswer, fmt.Sprintf("the output has more tokens than expected: token %d is %s", n, quote(to))
		case !same(to, te):
			return WrongAnswer, fmt.Sprintf("token %d differs: the output has %s", n, quote(to))
		}
	}
}

func wrongTokens(output, expected []byte, fold bool) (Verdict, string) {
	return diffTokens(output, expected, func(a, b []byte) bool { return equalBytes(a, b, fold) })
}

// equalFloat: tokens, numbers within tolerance.
func (c Compare) equalFloat(output, expected []byte) (Verdict, string) {
	fold := !c.CaseSensitive
	return diffTokens(output, expected, func(a, b []byte) bool {
		if equalBytes(a, b, fold) {
			return true // the same text is the same number, NaN too
		}
		x, okx := parseNumber(a)
		y, oky := parseNumber(b)
		if okx && oky {
			return c.closeEnough(x, y)
		}
		return false
	})
}

// slack is testlib's EPS: without it 1.1 against 1.0 fails an absolute
// tolerance of 0.1 (the difference is 0.10000000000000009).
const slack = 1e-15

// closeEnough: got is within the absolute or the relative (to want)
// tolerance of want. NaN equals NaN only; an infinity equals only the
// same infinity.
func (c Compare) closeEnough(got, want float64) bool {
	if math.IsNaN(got) || math.IsNaN(want) {
		return math.IsNaN(got) && math.IsNaN(want)
	}
	if got == want || math.IsInf(got, 0) || math.IsInf(want, 0) {
		return got == want
	}
	diff := math.Abs(got - want)
	if c.AbsTolerance > 0 && diff <= c.AbsTolerance+slack {
		return true
	}
	return c.RelTolerance > 0 && diff <= c.RelTolerance*math.Abs(want)+slack
}

// parseNumber parses a decimal number: [+-] digits [. digits] [e [+-]
// digits] (digits on at least one side of the point), or inf, infinity or
// nan in any case with an optional sign. Hexadecimal, underscores and
// values out of float64's range are not numbers (they compare as text):
// "0x10" is not 16.
func parseNumber(b []byte) (float64, bool) {
	if !isDecimal(b) && !isSpecial(b) {
		return 0, false
	}
	f, err := strconv.ParseFloat(string(b), 64)
	return f, err == nil
}

func isDecimal(b []byte) bool {
	i := 0
	if i < len(b) && (b[i] == '+' || b[i] == '-') {
		i++
	}
	intDigits := digits(b, i)
	i += intDigits
	fracDigits := 0
	if i < len(b) && b[i] == '.' {
		i++
		fracDigits = digits(b, i)
		i += fracDigits
	}
	if intDigits+fracDigits == 0 {
		return false
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		exp := digits(b, i)
		if exp == 0 {
			return false
		}
		i += exp
	}
	return i == len(b)
}

// digits counts the decimal digits at b[i:].
func digits(b []byte, i int) int {
	n := 0
	for i+n < len(b) && '0' <= b[i+n] && b[i+n] <= '9' {
		n++
	}
	return n
}

func isSpecial(b []byte) bool {
	if len(b) > 0 && (b[0] == '+' || b[0] == '-') {
		b = b[1:]
	}
	for _, word := range []string{"inf", "infinity", "nan"} {
		if equalBytes(b, []byte(word), true) {
			return true
		}
	}
	return false
}
