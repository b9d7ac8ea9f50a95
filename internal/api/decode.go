package api

// Reading a client's JSON, in both dialects: raw fields, WebSocket
// messages, and the words for what they got wrong.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// absent reports a field that was not sent or was null.
func absent(raw json.RawMessage) bool {
	return len(raw) == 0 || bytes.Equal(raw, []byte("null"))
}

// jsonString decodes a JSON string; false for anything else, absent
// included.
func jsonString(raw json.RawMessage) (string, bool) {
	if absent(raw) {
		return "", false
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", false
	}
	return s, true
}

// decodeWSMessage decodes a client message into m, an object with a
// string "type".
func decodeWSMessage(raw []byte, m any) error {
	if err := json.Unmarshal(raw, m); err != nil {
		var syn *json.SyntaxError
		if errors.As(err, &syn) {
			return fmt.Errorf("malformed JSON at byte %d: %s", syn.Offset, strings.TrimPrefix(syn.Error(), "json: "))
		}
		return errors.New(`a message must be a JSON object with a string "type"`)
	}
	return nil
}

func unknownType(t string) string {
	if t == "" {
		return `a message must be a JSON object with a string "type"`
	}
	return fmt.Sprintf("unknown message type %q", t)
}

func quoteType(t string) string {
	if t == "" {
		return "a message without a type"
	}
	return fmt.Sprintf("%q", t)
}

// shortJSON shows a client's value in an error, cut to a sane length.
func shortJSON(raw json.RawMessage) string {
	if absent(raw) {
		return "nothing"
	}
	s := string(raw)
	if len(s) > 40 {
		s = s[:40] + "..."
	}
	return s
}
