package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"
)

type errorResponse struct {
	Error string `json:"error"`
}

func writeError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, errorResponse{Error: msg})
}

// writeJSON answers v. HTML escaping is off: bodies carry program output
// full of < and &, and \u003c helps nobody reading it; the Content-Type
// and nosniff keep browsers from treating the body as HTML anyway.
func writeJSON(w http.ResponseWriter, code int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		// Only a programming error (an unencodable type) gets here.
		code = http.StatusInternalServerError
		buf.Reset()
		buf.WriteString(`{"error":"internal error"}` + "\n")
	}
	setJSONHeaders(w.Header())
	w.WriteHeader(code)
	w.Write(buf.Bytes())
}

// setJSONHeaders marks an answer as JSON, never to be sniffed as
// anything else.
func setJSONHeaders(h http.Header) {
	h.Set("Content-Type", "application/json")
	h.Set("X-Content-Type-Options", "nosniff")
}

// requestError is a 400 whose message is safe to show the client.
type requestError struct{ msg string }

func (e *requestError) Error() string { return e.msg }

func badRequest(format string, args ...any) error {
	return &requestError{msg: fmt.Sprintf(format, args...)}
}

// jsonError explains an encoding/json failure in the request's own terms:
// field paths as the client wrote them and JSON kinds, not Go types.
// prefix locates the value being decoded, e.g. "files[2]".
func jsonError(err error, prefix string) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return badRequest("malformed JSON at byte %d: %s", syn.Offset, strings.TrimPrefix(syn.Error(), "json: "))
	case errors.As(err, &typ):
		field := joinField(prefix, typ.Field)
		if field == "" {
			return badRequest("request body must be a JSON object, not %s", jsonKind(typ.Value))
		}
		if field == "args" {
			// The decoder names the slice, not the element, for ["a", 1].
			return badRequest("args must be an array of strings")
		}
		want := goKind(typ.Type)
		if want == "an integer" && strings.HasPrefix(typ.Value, "number") {
			return badRequest("%s must be an integer between 0 and %d", field, int64(1<<63-1))
		}
		return badRequest("%s must be %s, not %s", field, want, jsonKind(typ.Value))
	default:
		return badRequest("malformed JSON: %s", strings.TrimPrefix(err.Error(), "json: "))
	}
}

func joinField(prefix, field string) string {
	switch {
	case prefix == "":
		return field
	case field == "":
		return prefix
	default:
		return prefix + "." + field
	}
}

// jsonKind names the kind of JSON value encoding/json describes in
// UnmarshalTypeError.Value ("string", "number 1.5", "array", ...), without
// echoing the value itself, which may be long and is the client's anyway.
func jsonKind(value string) string {
	kind, _, _ := strings.Cut(value, " ")
	switch kind {
	case "array", "object":
		return "an " + kind
	case "bool":
		return "a boolean"
	case "":
		return "a JSON value"
	default:
		return "a " + kind
	}
}

func goKind(t reflect.Type) string {
	if t == nil {
		return "a JSON value"
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	default:
		return "a JSON value"
	}
}

// checkInput bounds what a job passes to its program: each argument, all
// of them together and stdin. An argument longer than Linux's
// MAX_ARG_STRLEN, or a vector beyond what execve takes, would fail only
// when the run starts, as an engine error; and every byte of them is held
// in memory until the job has run. It also refuses an argument holding a
// NUL byte: execve cannot pass one, so it is the client's mistake, not
// the engine's failure.
func (s *server) checkInput(args []string, stdin int) error {
	// execve counts each argument's NUL and pointer too: without them a
	// flood of empty arguments would pass.
	const perArg = 9
	total := int64(0)
	for i, a := range args {
		if int64(len(a)) > s.opts.MaxArgBytes {
			return badRequest("args[%d] is %d bytes long; an argument may have at most %d bytes", i, len(a), s.opts.MaxArgBytes)
		}
		if strings.IndexByte(a, 0) >= 0 {
			return badRequest("args[%d] must not contain a NUL character", i)
		}
		total += int64(len(a)) + perArg
	}
	if total > s.opts.MaxArgsBytes {
		return badRequest("args take %d bytes together, counting 9 more for each (its NUL and pointer, as execve does); the most allowed is %d", total, s.opts.MaxArgsBytes)
	}
	if int64(stdin) > s.opts.MaxStdinBytes {
		return badRequest("stdin is %d bytes long; it may have at most %d bytes", stdin, s.opts.MaxStdinBytes)
	}
	return nil
}
