package judge0

import (
	"encoding/base64"
	"strings"
	"unicode/utf8"
)

// With base64_encoded=true, requests send source_code, stdin and
// expected_output as base64 (ParseSubmission decodes them), and answers
// carry those and stdout, stderr, compile_output and message as base64
// (Render encodes them); additional_files is base64 always.

// The errors Judge0 answers (400) when an answer holds bytes that are not
// UTF-8 and the request did not ask for base64.
const (
	ErrNotUTF8      = "some attributes for this submission cannot be converted to UTF-8, use base64_encoded=true query parameter"
	ErrNotUTF8Batch = "some attributes for one or more submissions cannot be converted to UTF-8, use base64_encoded=true query parameter"
)

// DecodeBase64 decodes a field sent as base64 as leniently as Judge0's
// Ruby (Base64.decode64) reads it as far as well-formed input goes: line
// breaks and other white space are ignored (Judge0's own encoder breaks
// lines every 60 characters) and the padding may be left out. Anything
// else that is not base64 is refused rather than guessed at.
func DecodeBase64(s string) ([]byte, bool) {
	s = strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' || r == ' ' || r == '\t' {
			return -1
		}
		return r
	}, s)
	s = strings.TrimRight(s, "=")
	b, err := base64.RawStdEncoding.DecodeString(s)
	if err != nil {
		return nil, false
	}
	return b, true
}

// EncodeBase64 encodes a response field, in one line (clients strip the
// line breaks of Judge0's encoder, so none is needed).
func EncodeBase64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

// ValidUTF8 reports whether a response field can be shown as it is.
func ValidUTF8(b []byte) bool { return utf8.Valid(b) }
