package api

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/coderacer/coderacer/internal/engine"
)

// encodeRef is what writeJSON (json.Encoder without HTML escaping) writes
// for v.
func encodeRef(t testing.TB, v any) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// streamPieces encodes the concatenation of pieces with stringEncoder.
func streamPieces(pieces ...[]byte) []byte {
	var buf bytes.Buffer
	bw := bufio.NewWriterSize(&buf, 16)
	e := stringEncoder{w: bw}
	bw.WriteString(`"`)
	for _, p := range pieces {
		e.write(p)
	}
	e.close()
	bw.WriteString(`"`)
	bw.Flush()
	return buf.Bytes()
}

var trickyStrings = []string{
	"", "plain ascii", "a\xff\xfe\x80z\x00b\n", "\xc3(\x00\xed\xa0\x80\n",
	"é文😀", "\u2028\u2029x", "<script>&amp;</script>", "\"\\/\b\f\n\r\t\x01\x1f\x7f",
	"\xe2\x82", "\xe2\x82\xac", "\xf0\x9f\x98", "\xf0\x9f\x98\x80\xf0", "\xc0\xaf\xf8\x88\x80\x80\x80",
	"\xef\xbf\xbd", "\xed\xbf\xbf", "\xf4\x90\x80\x80", strings.Repeat("\xff", 100),
}

// TestStringEncoderMatchesJSON: for every tricky string, cut at every
// pair of places, the streamed encoding is byte for byte encoding/json's.
func TestStringEncoderMatchesJSON(t *testing.T) {
	for _, s := range trickyStrings {
		want := bytes.TrimSuffix(encodeRef(t, s), []byte("\n"))
		b := []byte(s)
		for i := 0; i <= len(b); i++ {
			for j := i; j <= len(b); j++ {
				got := streamPieces(b[:i], b[i:j], b[j:])
				if !bytes.Equal(got, want) {
					t.Fatalf("%q cut at %d and %d: got %s, want %s", s, i, j, got, want)
				}
			}
		}
	}
}

// TestStringEncoderRandom: random bytes weighted to UTF-8's edges, cut at
// random places.
func TestStringEncoderRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	alphabet := []byte("a\"\\\n\x00\x7f\xc3\xa9\xe2\x80\xa8\xa9\xf0\x9f\x98\x80\xff\xed\xa0\xbf")
	for range 3000 {
		b := make([]byte, r.IntN(40))
		for i := range b {
			b[i] = alphabet[r.IntN(len(alphabet))]
		}
		var pieces [][]byte
		for rest := b; len(rest) > 0; {
			n := r.IntN(len(rest) + 1)
			pieces = append(pieces, rest[:n])
			rest = rest[n:]
		}
		want := bytes.TrimSuffix(encodeRef(t, string(b)), []byte("\n"))
		if got := streamPieces(pieces...); !bytes.Equal(got, want) {
			t.Fatalf("%q in %q: got %s, want %s", b, pieces, got, want)
		}
	}
}

func FuzzStringEncoder(f *testing.F) {
	for _, s := range trickyStrings {
		f.Add([]byte(s), uint8(3))
	}
	f.Fuzz(func(t *testing.T, b []byte, cut uint8) {
		i := min(int(cut), len(b))
		want := bytes.TrimSuffix(encodeRef(t, string(b)), []byte("\n"))
		if got := streamPieces(b[:i], b[i:]); !bytes.Equal(got, want) {
			t.Fatalf("%q cut at %d: got %s, want %s", b, i, got, want)
		}
	})
}

// streamedResults are results of every shape the writers handle.
func streamedResults() map[string]*engine.Result {
	stage := func(out, errOut string, st engine.Status) *engine.StageResult {
		return &engine.StageResult{Stdout: []byte(out), Stderr: []byte(errOut), Output: []byte(errOut + out),
			Status: st, ExitCode: 3, CPUTime: 1500 * time.Microsecond, WallTime: 2 * time.Second, Memory: 1 << 20}
	}
	timings := engine.Timings{Queue: time.Millisecond, Preparation: 2 * time.Millisecond, Run: 3 * time.Second}
	noOutput := stage("o\xe2\x82", "\xac<&>", engine.StatusOK)
	noOutput.Output = nil // an executor that does not interleave
	return map[string]*engine.Result{
		"interpreted": {Language: "python3", Version: "3.11.2", Status: engine.StatusRuntimeError, Timings: timings,
			Run: stage("a\xff\u2028\"", "<b>\x00", engine.StatusRuntimeError)},
		"compiled": {Language: "go", Version: "1.26.8", Status: engine.StatusOK, Timings: timings,
			Compile: &engine.StageResult{Status: engine.StatusOK, Cached: true}, Run: stage("ok\n", "", engine.StatusOK)},
		"compile_error": {Language: "c", Version: "12", Status: engine.StatusCompileError, Timings: timings,
			Compile: stage("", "main.c:1: error: \xff", engine.StatusCompileError)},
		"internal_error": {Language: "c", Status: engine.StatusInternalError,
			Run: &engine.StageResult{Status: engine.StatusInternalError, Message: "the sandbox failed <x>"}},
		"internal_no_stage": {Language: "c", Status: engine.StatusInternalError},
		"signaled_no_output": {Language: "bash", Status: engine.StatusSignaled,
			Run: &engine.StageResult{Status: engine.StatusSignaled, Signal: "SIGKILL", Message: "killed by SIGKILL"}},
		"not_interleaved": {Language: "bash", Status: engine.StatusOK, Run: noOutput},
		"mle": {Language: "bash", Status: engine.StatusMemoryLimitExceeded,
			Run: &engine.StageResult{Status: engine.StatusMemoryLimitExceeded, Signal: "SIGKILL"}},
	}
}

// TestStreamedResponsesMatchEncoder: the streamed v1 and v2 answers are
// byte for byte what encoding the response structs gave before.
func TestStreamedResponsesMatchEncoder(t *testing.T) {
	rt := newV2Runtime(engine.RuntimeInfo{Language: "python3", Version: "3.11.2"})
	for name, res := range streamedResults() {
		t.Run(name, func(t *testing.T) {
			check := func(dialect string, want []byte, write func(*jsonOut)) {
				var buf bytes.Buffer
				o := newJSONOut(&buf, 0)
				write(o)
				o.raw("\n")
				if err := o.flush(); err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(buf.Bytes(), want) {
					t.Errorf("%s:\n got %s\nwant %s", dialect, buf.Bytes(), want)
				}
			}
			check("v1", encodeRef(t, newExecuteResponse(res)), func(o *jsonOut) { writeExecuteResponse(o, res) })
			check("v2", encodeRef(t, newV2Response(res, rt)), func(o *jsonOut) { writeV2Response(o, res, rt) })
		})
	}
}

// failingWriter takes n bytes, then fails.
type failingWriter struct{ n int }

func (w *failingWriter) Write(p []byte) (int, error) {
	if len(p) > w.n {
		k := w.n
		w.n = 0
		return k, errors.New("client gone")
	}
	w.n -= len(p)
	return len(p), nil
}

// TestStreamStopsOnError: once the connection fails, the writer stops
// encoding: the rest of a large output costs nothing.
func TestStreamStopsOnError(t *testing.T) {
	big := bytes.Repeat([]byte{0xff}, 8<<20)
	res := &engine.Result{Language: "c", Status: engine.StatusOK, Run: &engine.StageResult{Stdout: big, Stderr: big}}
	w := &failingWriter{n: 100 << 10}
	o := newJSONOut(w, 1<<30)
	start := time.Now()
	writeExecuteResponse(o, res)
	if err := o.flush(); err == nil || err.Error() != "client gone" {
		t.Fatalf("flush error %v, want client gone", err)
	}
	if took := time.Since(start); took > 200*time.Millisecond {
		t.Errorf("writing to a failed connection took %v", took)
	}
}
