package judge

import (
	"bytes"
	"fmt"
)

// The lines rule is Judge0's: its Ruby strips the output as
// text.split("\n").map(&:rstrip).join("\n").rstrip, and rstrip removes
// trailing white space (" \t\n\v\f\r"). Ruby's rstrip also removes NUL
// bytes; here a NUL is kept, as testlib keeps it in a token: a program that
// printed a NUL printed something, and lines must accept nothing that
// tokens refuses. Stripping the whole first and then each line gives the
// same lines.

// diffLines compares line by line; when they differ it says where.
func diffLines(output, expected []byte, fold bool) (bool, string) {
	out, exp := rstrip(output), rstrip(expected)
	for line := 1; ; line++ {
		if len(out) == 0 || len(exp) == 0 {
			return endOfLines(out, exp, line)
		}
		var lo, le []byte
		lo, out = cutLine(out)
		le, exp = cutLine(exp)
		lo, le = rstrip(lo), rstrip(le)
		if !equalBytes(lo, le, fold) {
			return false, fmt.Sprintf("line %d differs: the output has %s", line, quote(lo))
		}
	}
}

// endOfLines judges the end of the comparison, when out or exp (already
// stripped) has no line left.
func endOfLines(out, exp []byte, line int) (bool, string) {
	switch {
	case len(out) == 0 && len(exp) == 0:
		return true, ""
	case len(out) == 0 && line == 1:
		return false, "the output is empty"
	case len(out) == 0:
		return false, fmt.Sprintf("the output ends after line %d; more lines are expected", line-1)
	default:
		first, _ := cutLine(out)
		return false, fmt.Sprintf("the output goes on past the expected end, at line %d: %s", line, quote(rstrip(first)))
	}
}

// cutLine splits b at its first newline.
func cutLine(b []byte) (line, rest []byte) {
	i := bytes.IndexByte(b, '\n')
	if i < 0 {
		return b, b[len(b):]
	}
	return b[:i], b[i+1:]
}

// rstrip removes trailing white space.
func rstrip(b []byte) []byte {
	n := len(b)
	for n > 0 && isSpace(b[n-1]) {
		n--
	}
	return b[:n]
}

// isSpace is ASCII white space: space, \t, \n, \v, \f, \r.
func isSpace(c byte) bool {
	return c == ' ' || ('\t' <= c && c <= '\r')
}
