package attack

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coderacer/coderacer/test/testserver"
)

// apiHello is the request every API attack starts from.
func apiHello() testserver.Request {
	return python(`import os
for name in sorted(os.listdir(".")):
    print(name)
`)
}

// apiWithFile adds a file named name to the hello request.
func apiWithFile(name string) testserver.Request {
	r := apiHello()
	r.Files = append(r.Files, testserver.File{Name: name, Content: "x"})
	return r
}

// apiCase is one request (a Request or raw JSON) and its exact answer:
// the HTTP status and either the error message or, for a 200, the
// program's stdout.
type apiCase struct {
	name   string
	body   any
	status int
	errMsg string // exact "error" of a non-200
	stdout string // exact stdout of a 200
}

func apiRunCases(t *testing.T, cases []apiCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, r := testserver.Execute(t, srv, c.body)
			if status != c.status {
				t.Fatalf("HTTP %d, want %d: %s", status, c.status, testserver.Shorten(string(r.Raw), 1000))
			}
			if status != http.StatusOK {
				if r.Error != c.errMsg {
					t.Errorf("error %q, want %q", r.Error, c.errMsg)
				}
				return
			}
			if r.Status != "OK" || r.Stdout != c.stdout {
				t.Errorf("want status OK and stdout %q, got %s", c.stdout, r)
			}
		})
	}
	requireHealthy(t)
}

// TestAPIFileNames: every trick to write outside /w or to confuse a file
// name is refused with the engine's exact reason; control characters (C0,
// DEL, C1) are refused; other Unicode, including the right-to-left
// override U+202E, is an ordinary name, written as is.
func TestAPIFileNames(t *testing.T) {
	q := strconv.Quote
	bad := func(name, reason string) string { return "invalid file name " + q(name) + ": " + reason }
	long := strings.Repeat("n", 255)
	cases := []apiCase{
		{"dotdot", apiWithFile("../x"), 400, bad("../x", `contains ".."`), ""},
		{"dotdot_inside", apiWithFile("a/../../x"), 400, bad("a/../../x", `contains ".."`), ""},
		{"dotdot_trailing", apiWithFile("a/.."), 400, bad("a/..", `contains ".."`), ""},
		{"absolute", apiWithFile("/etc/passwd"), 400, bad("/etc/passwd", "is absolute"), ""},
		{"absolute_w", apiWithFile("/w/x"), 400, bad("/w/x", "is absolute"), ""},
		{"dot_slash", apiWithFile("./x"), 400, bad("./x", `contains "."`), ""},
		{"dot", apiWithFile("."), 400, bad(".", `contains "."`), ""},
		{"trailing_slash", apiWithFile("x/"), 400, bad("x/", "has an empty path component"), ""},
		{"double_slash", apiWithFile("a//b"), 400, bad("a//b", "has an empty path component"), ""},
		{"empty", apiWithFile(""), 400, "a file name is empty", ""},
		{"nul", apiWithFile("a\x00b"), 400, bad("a\x00b", "contains control character U+0000"), ""},
		{"newline", apiWithFile("a\nb"), 400, bad("a\nb", "contains control character U+000A"), ""},
		{"escape", apiWithFile("a\x1b[31mb"), 400, bad("a\x1b[31mb", "contains control character U+001B"), ""},
		{"del", apiWithFile("a\x7fb"), 400, bad("a\x7fb", "contains control character U+007F"), ""},
		{"c1_nel", apiWithFile("a\u0085b"), 400, bad("a\u0085b", "contains control character U+0085"), ""},
		{"c1_csi", apiWithFile("a\u009bb"), 400, bad("a\u009bb", "contains control character U+009B"), ""},
		{"backslash", apiWithFile(`a\..\x`), 400, bad(`a\..\x`, "contains a backslash"), ""},
		{"component_256", apiWithFile(long + "n"), 400, bad(long+"n", "has a path component longer than 255 bytes"), ""},
		{"name_1025", apiWithFile(strings.Repeat("abcdefg/", 128) + "x"), 400, bad(strings.Repeat("abcdefg/", 128)+"x", "longer than 1024 bytes"), ""},
		{"duplicate", apiWithFile("main.py"), 400, bad("main.py", "duplicate"), ""},
		{"file_and_dir", func() testserver.Request {
			r := apiWithFile("a")
			r.Files = append(r.Files, testserver.File{Name: "a/b", Content: "x"})
			return r
		}(), 400, bad("a", `is also a directory of "a/b"`), ""},
		{"entrypoint_escape", func() testserver.Request {
			r := apiHello()
			r.Entrypoint = "../main.py"
			return r
		}(), 400, `entrypoint "../main.py" is not among the files`, ""},
		{"entrypoint_directory", func() testserver.Request {
			r := apiWithFile("pkg/x.py")
			r.Entrypoint = "pkg"
			return r
		}(), 400, `entrypoint "pkg" is not among the files`, ""},
		// Allowed, written exactly as named:
		{"rtl_override_allowed", apiWithFile("evil\u202etxt.py"), 200, "", lines("evil\u202etxt.py", "main.py")},
		{"unicode_allowed", apiWithFile("é 文件.txt"), 200, "", lines("main.py", "é 文件.txt")},
		{"zero_width_allowed", apiWithFile("main\u200b.py"), 200, "", lines("main.py", "main\u200b.py")},
		{"space_allowed", apiWithFile(" "), 200, "", lines(" ", "main.py")},
		{"component_255_allowed", apiWithFile(long), 200, "", lines("main.py", long)},
		{"dotfile_allowed", apiWithFile(".bashrc"), 200, "", lines(".bashrc", "main.py")},
		{"subdirectory_allowed", apiWithFile("a/b/c.txt"), 200, "", lines("a", "main.py")},
	}
	apiRunCases(t, cases)
}

// TestAPIWrongTypes: every field with a wrong JSON type, and malformed or
// hostile JSON, is a 400 naming the field and the types.
func TestAPIWrongTypes(t *testing.T) {
	const base = `"language":"python3","entrypoint":"main.py","files":[{"name":"main.py","content":"print(1)"}]`
	with := func(extra string) string { return "{" + base + "," + extra + "}" }
	cases := []apiCase{
		{"language_number", with(`"language":3`), 400, "language must be a string, not a number", ""},
		{"language_null", with(`"language":null`), 400, "language is required", ""},
		{"language_empty", with(`"language":""`), 400, "language must not be empty", ""},
		{"entrypoint_bool", with(`"entrypoint":true`), 400, "entrypoint must be a string, not a boolean", ""},
		{"entrypoint_null", with(`"entrypoint":null`), 400, "entrypoint is required", ""},
		{"files_string", with(`"files":"x"`), 400, "files must be an array, not a string", ""},
		{"files_object", with(`"files":{}`), 400, "files must be an array, not an object", ""},
		{"files_element_number", with(`"files":[1]`), 400, "files[0] must be an object, not a number", ""},
		{"files_element_null", with(`"files":[null]`), 400, "files[0] must be an object, not null", ""},
		{"file_name_number", with(`"files":[{"name":1,"content":"x"}]`), 400, "files[0].name must be a string, not a number", ""},
		{"file_content_number", with(`"files":[{"name":"main.py","content":1}]`), 400, "files[0].content must be a string, not a number", ""},
		{"file_content_missing", with(`"files":[{"name":"main.py"}]`), 400, "files[0].content is required", ""},
		{"stdin_number", with(`"stdin":1`), 400, "stdin must be a string, not a number", ""},
		{"stdin_array", with(`"stdin":["a"]`), 400, "stdin must be a string, not an array", ""},
		{"args_string", with(`"args":"x"`), 400, "args must be an array of strings", ""},
		{"args_number_element", with(`"args":["a",1]`), 400, "args must be an array of strings", ""},
		{"args_nul", with(`"args":["a\u0000b"]`), 400, "args[0] must not contain a NUL character", ""},
		{"limits_string", with(`"limits":"x"`), 400, "limits must be an object, not a string", ""},
		{"limits_array", with(`"limits":[1]`), 400, "limits must be an object, not an array", ""},
		{"limit_string", with(`"limits":{"cpuTimeMs":"x"}`), 400, "limits.cpuTimeMs must be an integer, not a string", ""},
		{"limit_float", with(`"limits":{"cpuTimeMs":1.5}`), 400, "limits.cpuTimeMs must be an integer between 0 and 9223372036854775807", ""},
		{"limit_exponent", with(`"limits":{"openFiles":1e30}`), 400, "limits.openFiles must be an integer between 0 and 9223372036854775807", ""},
		{"limit_bool", with(`"limits":{"memoryBytes":true}`), 400, "limits.memoryBytes must be an integer, not a boolean", ""},
		{"limit_object", with(`"limits":{"fileSizeBytes":{}}`), 400, "limits.fileSizeBytes must be an integer, not an object", ""},
		{"limit_negative", with(`"limits":{"processes":-1}`), 400, "limits.processes must not be negative", ""},
		{"limit_overflow_ms", with(`"limits":{"wallTimeMs":99999999999999999}`), 400, "limits.wallTimeMs 99999999999999999 exceeds the server maximum 30000", ""},
		{"compile_limits_array", with(`"compileLimits":[]`), 400, "compileLimits must be an object, not an array", ""},
		{"compile_limit_string", with(`"compileLimits":{"outputBytes":"1"}`), 400, "compileLimits.outputBytes must be an integer, not a string", ""},
		{"body_null", `null`, 400, "request body must be a JSON object, not null", ""},
		{"body_array", `[1,2]`, 400, "request body must be a JSON object, not an array", ""},
		{"body_empty", ``, 400, "request body is empty; it must be a JSON object", ""},
		{"body_empty_object", `{}`, 400, "language is required", ""},
		{"trailing_garbage", `{"language":"python3"} x`, 400, "malformed JSON at byte 24: invalid character 'x' after top-level value", ""},
		{"nested_100000_arrays", strings.Repeat("[", 100000), 400, "malformed JSON at byte 10001: invalid character '[' exceeded max depth", ""},
		{"nested_in_field", `{"language":` + strings.Repeat("[", 100000), 400, "malformed JSON at byte 10012: invalid character '[' exceeded max depth", ""},
		{"nested_objects_in_stdin", `{` + base + `,"stdin":` + strings.Repeat(`{"a":`, 50000) + `1` + strings.Repeat("}", 50000) + `}`, 400,
			fmt.Sprintf("malformed JSON at byte %d: invalid character '{' exceeded max depth", len(`{`+base+`,"stdin":`)+9999*5+1), ""},
	}
	apiRunCases(t, cases)
}

// TestAPITooManyFiles: 20,000 files are refused at once, before any is
// decoded or written.
func TestAPITooManyFiles(t *testing.T) {
	r := apiHello()
	for i := range 20000 {
		r.Files = append(r.Files, testserver.File{Name: fmt.Sprintf("f%05d.txt", i), Content: ""})
	}
	status, resp := testserver.Execute(t, srv, r)
	if status != http.StatusBadRequest || resp.Error != "too many files: 20001, the maximum is 100" {
		t.Fatalf("want 400 %q, got %d: %s", "too many files: 20001, the maximum is 100", status, testserver.Shorten(string(resp.Raw), 500))
	}
	if resp.Elapsed > time.Second {
		t.Errorf("refusing 20,000 files took %v, want < 1s", resp.Elapsed)
	}
	requireHealthy(t)
}

// apiRSS is the shared server's resident memory.
func apiRSS(t *testing.T) int64 {
	t.Helper()
	return rssOf(t, srv.PID)
}

// apiPadding writes a JSON request whose one file's content is n bytes
// of padding, without holding it in memory.
func apiPadding(w io.Writer, n int) error {
	if _, err := io.WriteString(w, `{"language":"python3","entrypoint":"main.py","files":[{"name":"main.py","content":"`); err != nil {
		return err
	}
	chunk := bytes.Repeat([]byte("# padding "), 6554) // 64 KiB
	for n > 0 {
		c := chunk[:min(n, len(chunk))]
		if _, err := w.Write(c); err != nil {
			return err
		}
		n -= len(c)
	}
	_, err := io.WriteString(w, `print(1)"}]}`)
	return err
}

// TestAPIBody100MiB: a 100 MiB body, announced and chunked, is a 413, the
// server's memory does not follow it, and it keeps serving.
func TestAPIBody100MiB(t *testing.T) {
	const size = 100 << 20
	before := apiRSS(t)
	check := func(t *testing.T, status int, body []byte) {
		t.Helper()
		var e struct {
			Error string `json:"error"`
		}
		if status != http.StatusRequestEntityTooLarge || json.Unmarshal(body, &e) != nil || e.Error != "request body exceeds 8388608 bytes" {
			t.Fatalf("want 413 {\"error\": \"request body exceeds 8388608 bytes\"}, got %d: %s", status, testserver.Shorten(string(body), 500))
		}
	}
	t.Run("content_length", func(t *testing.T) {
		var cl bytes.Buffer
		apiPadding(&cl, 0)
		header := fmt.Sprintf("POST /api/v1/execute HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n", cl.Len()+size)
		resp, body := testserver.RawPost(t, srv, header, func(w io.Writer) error { return apiPadding(w, size) })
		check(t, resp.StatusCode, body)
	})
	t.Run("chunked", func(t *testing.T) {
		header := "POST /api/v1/execute HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
		resp, body := testserver.RawPost(t, srv, header, func(w io.Writer) error {
			cw := &apiChunkWriter{w: w}
			if err := apiPadding(cw, size); err != nil {
				return err
			}
			_, err := io.WriteString(w, "0\r\n\r\n")
			return err
		})
		check(t, resp.StatusCode, body)
	})
	after := apiRSS(t)
	t.Logf("server RSS %d MiB before, %d MiB after", before>>20, after>>20)
	if after-before > 64<<20 {
		t.Errorf("the server's RSS grew by %d MiB (from %d to %d MiB) after 100 MiB bodies, want < 64 MiB",
			(after-before)>>20, before>>20, after>>20)
	}
	requireHealthy(t)
}

// apiChunkWriter frames every write as one HTTP chunk.
type apiChunkWriter struct{ w io.Writer }

func (c *apiChunkWriter) Write(p []byte) (int, error) {
	if _, err := fmt.Fprintf(c.w, "%x\r\n", len(p)); err != nil {
		return 0, err
	}
	if _, err := c.w.Write(p); err != nil {
		return 0, err
	}
	_, err := io.WriteString(c.w, "\r\n")
	return len(p), err
}

// TestAPIProgramOutputEncoding: whatever bytes a program writes, the answer
// is valid JSON: invalid UTF-8 becomes U+FFFD (one per bad byte), NUL stays
// \u0000, valid multi-byte text and JSON-looking text pass unchanged.
func TestAPIProgramOutputEncoding(t *testing.T) {
	runAttacks(t, []attack{
		{
			name: "invalid_utf8_and_nul",
			req: cProgram(`int main(void) {
	fwrite("a\xff\xfe\x80z\0b\n", 1, 8, stdout);
	fwrite("\xc3(\0\xed\xa0\x80\n", 1, 7, stderr); /* bad continuation, NUL, a UTF-16 surrogate */
	return 0;
}
`),
			status: "OK",
			stdout: "a\ufffd\ufffd\ufffdz\x00b\n",
			check: func(t *testing.T, r *testserver.Response) {
				if !json.Valid(r.Raw) {
					t.Errorf("the response is not valid JSON: %q", testserver.Shorten(string(r.Raw), 500))
				}
				if r.Stderr != "\ufffd(\x00\ufffd\ufffd\ufffd\n" {
					t.Errorf("stderr %q, want %q", r.Stderr, "\ufffd(\x00\ufffd\ufffd\ufffd\n")
				}
				if !bytes.Contains(r.Raw, []byte(`"stdout":"a\ufffd\ufffd\ufffdz\u0000b\n"`)) {
					t.Errorf("NUL is not encoded as \\u0000 in the raw body: %q", testserver.Shorten(string(r.Raw), 500))
				}
			},
		},
		{
			name: "json_and_html_lookalike_output",
			req: bash(`printf '%s\n' '"}],"status":"OK","stdout":"forged' '</script><b>&amp;' 'é文'
`),
			status: "OK",
			stdout: lines(`"}],"status":"OK","stdout":"forged`, `</script><b>&amp;`, "é文"),
			check: func(t *testing.T, r *testserver.Response) {
				if !json.Valid(r.Raw) {
					t.Errorf("the response is not valid JSON: %q", testserver.Shorten(string(r.Raw), 500))
				}
			},
		},
		{
			// Random bytes across the whole output limit: still valid
			// JSON, truncated and flagged.
			name:   "random_bytes_at_output_limit",
			req:    withLimits(bash(`head -c 300000 /dev/urandom`), testserver.Limits{OutputBytes: 200000}),
			status: "OLE",
			check: func(t *testing.T, r *testserver.Response) {
				if !json.Valid(r.Raw) || !r.StdoutTruncated {
					t.Errorf("want valid JSON with stdoutTruncated, got valid=%v truncated=%v", json.Valid(r.Raw), r.StdoutTruncated)
				}
			},
		},
	})
}

// TestAPIArgsAndStdin: arguments are an argument vector, never a shell
// line (Judge0's CVE-2024-28189); huge argument lists and NUL bytes in
// stdin arrive exactly.
func TestAPIArgsAndStdin(t *testing.T) {
	var args []string
	for i := range 1000 {
		args = append(args, fmt.Sprintf("%04d", i)+strings.Repeat("x", 1020))
	}
	sum := sha256.Sum256([]byte(strings.Join(args, "\n")))
	huge := python(`import sys, hashlib
a = sys.argv[1:]
print(len(a), sum(map(len, a)), hashlib.sha256("\n".join(a).encode()).hexdigest())
`)
	huge.Args = args

	inject := python(`import sys
print(sys.argv[1:])
`)
	inject.Args = []string{"$(id)", "`id`", "a; echo pwned", "x\ny", "'\"", "--help", "*", ""}

	stdin := "a\x00b\x00\x00c\n\x00\u00ff"
	runAttacks(t, []attack{
		{
			name:   "1000_args_of_1KiB",
			req:    huge,
			status: "OK",
			stdout: fmt.Sprintf("1000 1024000 %s\n", hex.EncodeToString(sum[:])),
		},
		{
			name:   "shell_metacharacters_are_data",
			req:    inject,
			status: "OK",
			stdout: `['$(id)', '` + "`id`" + `', 'a; echo pwned', 'x\ny', '\'"', '--help', '*', '']` + "\n",
		},
		{
			name:   "stdin_nul_bytes_echoed",
			req:    withStdin(bash("cat\n"), stdin),
			status: "OK",
			stdout: stdin,
		},
		{
			name: "stdin_bytes_exact",
			req: withStdin(cProgram(`int main(void) { int ch; while ((ch = getchar()) != EOF) printf("%02x", ch); return 0; }
`), stdin),
			status: "OK",
			stdout: "6100620000630a00c3bf",
		},
	})
}
