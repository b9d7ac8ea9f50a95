package judge0

import (
	"archive/zip"
	"bytes"
	"encoding/base64"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
)

// judge0Attributes are Judge0 CE 1.13.1's 35 attributes: what the SDK
// accepts from fields=*, nothing more.
var judge0Attributes = []string{
	"source_code", "language_id", "stdin", "expected_output", "stdout", "status_id", "created_at",
	"finished_at", "time", "memory", "stderr", "token", "number_of_runs", "cpu_time_limit",
	"cpu_extra_time", "wall_time_limit", "memory_limit", "stack_limit", "max_processes_and_or_threads",
	"enable_per_process_and_thread_time_limit", "enable_per_process_and_thread_memory_limit",
	"max_file_size", "compile_output", "exit_code", "exit_signal", "message", "wall_time",
	"compiler_options", "command_line_arguments", "redirect_stderr_to_stdout", "callback_url",
	"additional_files", "enable_network", "status", "language",
}

// TestSDKStart: what the SDK reads before anything, with the types it
// checks.
func TestSDKStart(t *testing.T) {
	var langs []struct {
		ID   int    `json:"id"`
		Name string `json:"name"`
	}
	callJSON(t, http.MethodGet, "/languages", nil, http.StatusOK, &langs)
	ids := map[int]string{}
	for _, l := range langs {
		ids[l.ID] = l.Name
	}
	for id, name := range map[int]string{71: "Python", 54: "C++", 62: "Java", 63: "JavaScript"} {
		if !strings.HasPrefix(ids[id], name) {
			t.Errorf("language %d is %q, want %s...", id, ids[id], name)
		}
	}
	var cfg map[string]any
	callJSON(t, http.MethodGet, "/config_info", nil, http.StatusOK, &cfg)
	for key, kind := range map[string]string{
		"maintenance_mode": "bool", "enable_wait_result": "bool", "allowed_languages_for_compile_options": "list",
		"callbacks_max_tries": "int", "callbacks_timeout": "number", "max_queue_size": "int",
		"cpu_time_limit": "number", "max_cpu_time_limit": "number", "memory_limit": "int", "max_memory_limit": "int",
		"max_file_size": "int", "number_of_runs": "int", "max_number_of_runs": "int", "max_extract_size": "int",
		"max_submission_batch_size": "int", "submission_cache_duration": "number", "allow_enable_network": "bool",
		"enable_network": "bool", "redirect_stderr_to_stdout": "bool", "enable_batched_submissions": "bool",
	} {
		v, ok := cfg[key]
		switch {
		case !ok:
			t.Errorf("config_info lacks %s", key)
		case kind == "bool":
			_, ok = v.(bool)
		case kind == "list":
			_, ok = v.([]any)
		case kind == "int":
			f, isNum := v.(float64)
			ok = isNum && f == float64(int64(f))
		default:
			_, ok = v.(float64)
		}
		if !ok {
			t.Errorf("config_info %s = %v, want a %s", key, v, kind)
		}
	}
	if len(cfg) != 39 {
		t.Errorf("config_info has %d keys, want Judge0's 39", len(cfg))
	}
	var statuses []map[string]any
	callJSON(t, http.MethodGet, "/statuses", nil, http.StatusOK, &statuses)
	if len(statuses) != 14 || statuses[3]["description"] != "Wrong Answer" {
		t.Errorf("statuses %v", statuses)
	}
	var about map[string]string
	callJSON(t, http.MethodGet, "/about", nil, http.StatusOK, &about)
	if about["version"] != "1.13.1" {
		t.Errorf("about %v", about)
	}
}

// TestSDKCreateAndPoll: create with base64 and wait=false, poll with
// fields=* until done; fields=* is exactly Judge0's attributes.
func TestSDKCreateAndPoll(t *testing.T) {
	token := create(t, sub(71, "import sys\nprint('hello', sys.stdin.read())\n", "stdin", enc("world")))
	r := pollOne(t, token)
	var keys []string
	for k := range r {
		keys = append(keys, k)
	}
	want := slices.Clone(judge0Attributes)
	sort.Strings(keys)
	sort.Strings(want)
	if !slices.Equal(keys, want) {
		t.Errorf("fields=* gave %v, want exactly %v", keys, want)
	}
	if r.statusID() != 3 || dec(t, r["stdout"]) != "hello world\n" || r["stderr"] != nil || r["token"] != token {
		t.Errorf("submission %v", r)
	}
	if tm, _ := r["time"].(string); !regexp.MustCompile(`^\d+\.\d{3}$`).MatchString(tm) {
		t.Errorf("time %v, want a decimal string", r["time"])
	}
	if mem, ok := r["memory"].(float64); !ok || mem <= 0 || mem != float64(int64(mem)) {
		t.Errorf("memory %v, want a positive integer (KB)", r["memory"])
	}
	if ts, _ := r["finished_at"].(string); !regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`).MatchString(ts) {
		t.Errorf("finished_at %v", r["finished_at"])
	}
	lang, _ := r["language"].(map[string]any)
	if lang["id"] != 71.0 || r["cpu_time_limit"] != "5.0" || r["memory_limit"] != 128000.0 || dec(t, r["stdin"]) != "world" {
		t.Errorf("echoed attributes: language %v, cpu_time_limit %v, memory_limit %v", lang, r["cpu_time_limit"], r["memory_limit"])
	}
}

// TestSDKBatch: a batch create and batch polling, in four languages.
func TestSDKBatch(t *testing.T) {
	var items []map[string]any
	callJSON(t, http.MethodPost, "/submissions/batch?base64_encoded=true", map[string]any{"submissions": []Submission{
		sub(71, "print(6*7)\n"),
		sub(54, "#include <cstdio>\nint main(){int a,b;scanf(\"%d %d\",&a,&b);printf(\"%d\\n\",a+b);}\n",
			"stdin", enc("2 3"), "expected_output", enc("5")),
		sub(63, "console.log([1,2,3].map(x => x*2).join(' '))\n"),
		sub(62, "public class Main { public static void main(String[] a) { System.out.println(\"java\"); } }\n"),
		sub(9999, "x"),
	}}, http.StatusCreated, &items)
	if len(items) != 5 || items[4]["language_id"] == nil {
		t.Fatalf("batch answered %v", items)
	}
	var tokens []string
	for _, it := range items[:4] {
		tok, _ := it["token"].(string)
		if tok == "" {
			t.Fatalf("batch answered %v", items)
		}
		tokens = append(tokens, tok)
	}
	rs := poll(t, tokens...)
	for i, want := range []string{"42\n", "5\n", "2 4 6\n", "java\n"} {
		if rs[i].statusID() != 3 || dec(t, rs[i]["stdout"]) != want {
			t.Errorf("submission %d: status %d stdout %q, want 3 %q (compile_output %q, stderr %q)", i, rs[i].statusID(),
				dec(t, rs[i]["stdout"]), want, dec(t, rs[i]["compile_output"]), dec(t, rs[i]["stderr"]))
		}
	}
}

// TestFeatures: number_of_runs, command_line_arguments with
// redirect_stderr_to_stdout, additional_files, wait=true.
func TestFeatures(t *testing.T) {
	var zbuf bytes.Buffer
	zw := zip.NewWriter(&zbuf)
	w, _ := zw.Create("data/input.txt")
	w.Write([]byte("from the zip"))
	zw.Close()
	tokens := []string{
		create(t, sub(71, "print('run')\n", "number_of_runs", 3)),
		create(t, sub(71, "import sys, time\nsys.stdout.write(str(sys.argv[1:]) + '\\n')\nsys.stdout.flush()\ntime.sleep(0.1)\nsys.stderr.write('err\\n')\n",
			"command_line_arguments", `a 'b c' "d"`, "redirect_stderr_to_stdout", true)),
		create(t, sub(71, "print(open('data/input.txt').read())\n", "additional_files", base64.StdEncoding.EncodeToString(zbuf.Bytes()))),
	}
	rs := poll(t, tokens...)
	if rs[0].statusID() != 3 || rs[0]["number_of_runs"] != 3.0 || dec(t, rs[0]["stdout"]) != "run\n" {
		t.Errorf("number_of_runs: %v", rs[0])
	}
	if rs[1].statusID() != 3 || dec(t, rs[1]["stdout"]) != "['a', 'b c', 'd']\nerr\n" || rs[1]["stderr"] != nil {
		t.Errorf("arguments and redirect: stdout %q stderr %v", dec(t, rs[1]["stdout"]), rs[1]["stderr"])
	}
	if rs[2].statusID() != 3 || dec(t, rs[2]["stdout"]) != "from the zip\n" {
		t.Errorf("additional_files: status %d stdout %q stderr %q", rs[2].statusID(), dec(t, rs[2]["stdout"]), dec(t, rs[2]["stderr"]))
	}
	var r map[string]any
	callJSON(t, http.MethodPost, "/submissions?wait=true&fields=stdout,status_id", map[string]any{"source_code": "print(1)", "language_id": 71},
		http.StatusCreated, &r)
	if r["stdout"] != "1\n" || r["status_id"] != 3.0 {
		t.Errorf("wait=true answered %v", r)
	}
}
