package judge0

import (
	"archive/zip"
	"bytes"
	"io/fs"
	"strings"
	"testing"
	"time"

	"github.com/coderacer/coderacer/internal/engine"
)

type entry struct {
	name    string
	content string
	mode    fs.FileMode
}

func makeZip(t testing.TB, entries ...entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		h := &zip.FileHeader{Name: e.name, Method: zip.Deflate}
		if e.mode != 0 {
			h.SetMode(e.mode)
		}
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(e.content))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestUnzip(t *testing.T) {
	files, err := Unzip(makeZip(t, entry{name: "a/"}, entry{name: "a/b.txt", content: "b"}, entry{name: "./c", content: "c"}), DefaultZipLimits())
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 2 || files[0].Name != "a/b.txt" || string(files[0].Content) != "b" || files[1].Name != "c" {
		t.Errorf("files %+v", files)
	}
}

func TestUnzipRefuses(t *testing.T) {
	small := ZipLimits{MaxFiles: 2, MaxBytes: 1000, MaxNameBytes: 20}
	for name, data := range map[string][]byte{
		"not a zip":   []byte("PK nothing"),
		"dot-dot":     makeZip(t, entry{name: "a/../../x", content: "x"}),
		"absolute":    makeZip(t, entry{name: "/etc/passwd", content: "x"}),
		"backslash":   makeZip(t, entry{name: `..\x`, content: "x"}),
		"symlink":     makeZip(t, entry{name: "l", content: "/etc/passwd", mode: fs.ModeSymlink | 0o777}),
		"duplicate":   makeZip(t, entry{name: "x", content: "1"}, entry{name: "./x", content: "2"}),
		"too many":    makeZip(t, entry{name: "1", content: "1"}, entry{name: "2", content: "2"}, entry{name: "3", content: "3"}),
		"bomb":        makeZip(t, entry{name: "z", content: strings.Repeat("0", 1001)}),
		"long name":   makeZip(t, entry{name: strings.Repeat("n", 21), content: "x"}),
		"control chr": makeZip(t, entry{name: "a\nb", content: "x"}),
	} {
		_, err := Unzip(data, small)
		v, ok := err.(ValidationErrors)
		if !ok || len(v["additional_files"]) != 1 {
			t.Errorf("%s: error %v, want one on additional_files", name, err)
		}
	}
}

// TestSummarize: the last run's output and status, the runs' mean time
// and memory; a run within cpu_extra_time but over cpu_time_limit is a
// TLE.
func TestSummarize(t *testing.T) {
	rec := &Record{CPUTimeLimit: 1, CPUExtraTime: 1, ExpectedOutput: []byte("ok")}
	run := func(cpu time.Duration, mem int64, out string) *engine.Result {
		return &engine.Result{Status: engine.StatusOK, Run: &engine.StageResult{Status: engine.StatusOK, CPUTime: cpu,
			WallTime: 2 * cpu, Memory: mem, Stdout: []byte(out)}}
	}
	res := Summarize([]*engine.Result{run(100*time.Millisecond, 2048, "ok"), run(300*time.Millisecond, 4096, "ok\n")}, rec)
	if res.StatusID != Accepted || *res.Time != 200*time.Millisecond || *res.WallTime != 400*time.Millisecond ||
		*res.MemoryKB != 3 || string(res.Stdout) != "ok\n" || res.Stderr != nil || res.ExitCode == nil {
		t.Errorf("result %+v", res)
	}
	if res := Summarize([]*engine.Result{run(1500*time.Millisecond, 0, "ok")}, rec); res.StatusID != TimeLimitExceeded {
		t.Errorf("over cpu_time_limit: status %d", res.StatusID)
	}
	if res := Summarize(nil, rec); res.StatusID != InternalError || res.Message == nil {
		t.Errorf("no run: %+v", res)
	}
}
