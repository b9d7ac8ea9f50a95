package judge

// STUB for the engine's branch only (helper "judgeengine"): the lead
// deletes this file at merge when helper "judgepkg"'s real Equal and
// ReadExit exist. Deliberately tiny and incomplete.

import (
	"bytes"
	"strconv"
	"strings"
)

// Equal judges output against expected (stub: exact, else lines).
func (c Compare) Equal(output, expected []byte) (Verdict, string) {
	if c.Mode == Exact {
		if bytes.Equal(output, expected) {
			return Accepted, ""
		}
		return WrongAnswer, "output differs"
	}
	trim := func(b []byte) string {
		lines := strings.Split(string(b), "\n")
		for i, l := range lines {
			lines[i] = strings.TrimRight(l, " \t\r")
		}
		return strings.TrimRight(strings.Join(lines, "\n"), " \t\r\n")
	}
	if trim(output) == trim(expected) {
		return Accepted, ""
	}
	return WrongAnswer, "output differs"
}

// ReadExit reads a checker's or interactor's exit (stub).
func ReadExit(p Protocol, exitCode int, signaled bool, stderr []byte, maxPoints float64) (Verdict, float64, string) {
	msg := strings.TrimSpace(string(stderr))
	switch {
	case signaled:
		return InternalError, 0, msg
	case exitCode == 0:
		return Accepted, maxPoints, msg
	case exitCode == 1:
		return WrongAnswer, 0, msg
	case exitCode == 2 && p == Testlib:
		return PresentationError, 0, msg
	case (exitCode == 4 || exitCode == 8) && p == Testlib:
		return PresentationError, 0, msg
	case exitCode == 7 && p == Testlib:
		f := strings.Fields(msg)
		if len(f) >= 2 && f[0] == "points" {
			x, err := strconv.ParseFloat(f[1], 64)
			switch {
			case err != nil || x < 0 || x > maxPoints:
			case x == maxPoints:
				return Accepted, x, msg
			default: // partial points are not a pass
				return WrongAnswer, x, msg
			}
		}
	}
	return InternalError, 0, msg
}
