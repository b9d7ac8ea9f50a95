package judge

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"unicode/utf8"
)

// MaxMessageBytes bounds the checker message kept from a checker's or an
// interactor's standard error.
const MaxMessageBytes = 4 << 10

// The exit codes of testlib (testlib.h: OK_EXIT_CODE and the others).
const (
	testlibOK     = 0
	testlibWA     = 1
	testlibPE     = 2
	testlibFail   = 3
	testlibDirt   = 4 // "extra information in the output file"
	testlibPoints = 7
	testlibEOF    = 8 // "unexpected eof", with ENABLE_UNEXPECTED_EOF
)

// Validate checks a protocol taken from a request; its error is fit for a
// 400. The empty protocol is testlib's (ReadExit reads it so).
func (p Protocol) Validate() error {
	switch p {
	case "", Testlib, ExitCode:
		return nil
	}
	return fmt.Errorf("protocol %q is not one of testlib, exitcode", string(p))
}

// ReadExit reads how a checker or an interactor ended: the test's verdict,
// the points it earned (out of maxPoints) and the checker message (its
// standard error, cut to MaxMessageBytes).
//
// A checker that was killed (signaled: a signal, or a limit that killed
// it) or exited with a code its protocol does not know is a judge
// failure, IE, never the submission's fault.
//
// testlib: 0 AC, 1 WA, 2 PE, 3 IE (the checker's own "FAIL"), and 7
// points: testlib's quitp writes "points <x>" or "points <x> <message>"
// to standard error and <x> is what the test earned. <x> must be a
// number in [0, maxPoints]; otherwise the checker is wrong, IE. A test
// that earns all its points is AC; fewer, even partial, is WA with those
// points (a test is accepted only when it is fully solved). Two more codes
// of testlib's are read as PE, as testlib itself means them: 4 ("dirt",
// extra output, which testlib reports as PE) and 8 (an output that ended
// too early, when built with ENABLE_UNEXPECTED_EOF).
//
// exitcode: 0 AC, 1 WA, anything else IE.
func ReadExit(p Protocol, exitCode int, signaled bool, stderr []byte, maxPoints float64) (Verdict, float64, string) {
	msg := message(stderr)
	if signaled {
		return InternalError, 0, describe("the checker was killed", msg)
	}
	if p == ExitCode {
		return readExitCode(exitCode, msg, maxPoints)
	}
	return readTestlib(exitCode, msg, maxPoints)
}

func readExitCode(code int, msg string, maxPoints float64) (Verdict, float64, string) {
	switch code {
	case 0:
		return Accepted, maxPoints, msg
	case 1:
		return WrongAnswer, 0, msg
	}
	return InternalError, 0, describe(fmt.Sprintf("the checker exited with %d, which protocol exitcode does not know (0 accepted, 1 wrong answer)", code), msg)
}

func readTestlib(code int, msg string, maxPoints float64) (Verdict, float64, string) {
	switch code {
	case testlibOK:
		return Accepted, maxPoints, msg
	case testlibWA:
		return WrongAnswer, 0, msg
	case testlibPE, testlibDirt, testlibEOF:
		return PresentationError, 0, msg
	case testlibFail:
		return InternalError, 0, describe("the checker failed (testlib's FAIL, exit 3)", msg)
	case testlibPoints:
		return readPoints(msg, maxPoints)
	}
	return InternalError, 0, describe(fmt.Sprintf("the checker exited with %d, which protocol testlib does not know", code), msg)
}

// readPoints reads testlib's "points <x> [message]".
func readPoints(msg string, maxPoints float64) (Verdict, float64, string) {
	x, ok := pointsOf(msg)
	if !ok {
		return InternalError, 0, describe(`the checker exited with 7 (points) without "points <number>" on its standard error`, msg)
	}
	if math.IsNaN(x) || x < 0 || x > maxPoints {
		return InternalError, 0, describe(fmt.Sprintf("the checker gave %v points, outside [0, %v]", x, maxPoints), msg)
	}
	if x == maxPoints {
		return Accepted, x, msg
	}
	return WrongAnswer, x, msg
}

// pointsOf parses the number after "points " at the start of msg.
func pointsOf(msg string) (float64, bool) {
	const prefix = "points "
	if len(msg) <= len(prefix) || msg[:len(prefix)] != prefix {
		return 0, false
	}
	rest := msg[len(prefix):]
	end := 0
	for end < len(rest) && !isSpace(rest[end]) {
		end++
	}
	b := []byte(rest[:end])
	if !isDecimal(b) {
		return 0, false
	}
	x, err := strconv.ParseFloat(rest[:end], 64)
	return x, err == nil
}

// message is stderr without its surrounding white space, cut to
// MaxMessageBytes on a UTF-8 boundary; invalid UTF-8 is replaced so the
// message is always valid JSON text.
func message(stderr []byte) string {
	b := bytes.TrimSpace(stderr)
	truncated := false
	if len(b) > MaxMessageBytes {
		b, truncated = b[:MaxMessageBytes], true
		for len(b) > 0 && !utf8.RuneStart(b[len(b)-1]) {
			b = b[:len(b)-1]
		}
		if len(b) > 0 {
			b = b[:len(b)-1] // the start of a rune that may be cut
		}
	}
	s := string(bytes.ToValidUTF8(b, []byte("\uFFFD")))
	if truncated {
		s += "..."
	}
	return s
}

// describe puts what went wrong before what the checker said.
func describe(what, msg string) string {
	if msg == "" {
		return what
	}
	return what + ": " + msg
}
