package api

// Judge0's information endpoints: languages, statuses, about, the
// configuration a client (the SDK) checks before it starts, workers, and
// the two that let a client test its tokens.

import (
	"crypto/subtle"
	"net/http"
	"runtime"
	"slices"
	"strconv"

	"github.com/coderacer/coderacer/internal/admission"
	"github.com/coderacer/coderacer/internal/judge0"
)

// judge0Version is the Judge0 CE version the dialect answers as: the SDK
// looks it up in its tables of language aliases.
const judge0Version = "1.13.1"

func (s *server) handleJudge0Languages(w http.ResponseWriter, r *http.Request) {
	if !s.runtimesSettled(w, r, writeError) {
		return
	}
	writeJSON(w, http.StatusOK, s.judge0Catalog().Languages())
}

// judge0ArchivedLanguage is an entry of /languages/all.
type judge0ArchivedLanguage struct {
	judge0.Language
	IsArchived bool `json:"is_archived"`
}

func (s *server) handleJudge0AllLanguages(w http.ResponseWriter, r *http.Request) {
	if !s.runtimesSettled(w, r, writeError) {
		return
	}
	langs := s.judge0Catalog().Languages()
	out := make([]judge0ArchivedLanguage, len(langs))
	for i, l := range langs {
		out[i] = judge0ArchivedLanguage{Language: l}
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *server) handleJudge0Language(w http.ResponseWriter, r *http.Request) {
	if !s.runtimesSettled(w, r, writeError) {
		return
	}
	id, err := strconv.Atoi(r.PathValue("id"))
	d, ok := s.judge0Catalog().Detail(id)
	if err != nil || !ok {
		writeError(w, http.StatusNotFound, "language with id "+strconv.Quote(r.PathValue("id"))+" not found")
		return
	}
	writeJSON(w, http.StatusOK, d)
}

func (s *server) handleJudge0Statuses(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, judge0.Statuses())
}

func (s *server) handleJudge0About(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{
		"version":     judge0Version,
		"homepage":    "https://github.com/coderacer/coderacer",
		"source_code": "https://github.com/coderacer/coderacer",
		"maintainer":  "Code Racer (a Judge0 CE compatible dialect)",
	})
}

func (s *server) handleJudge0Version(w http.ResponseWriter, r *http.Request) {
	writeText(w, judge0Version)
}

func (s *server) handleJudge0License(w http.ResponseWriter, r *http.Request) {
	writeText(w, "Code Racer answers Judge0 CE's API; it holds no Judge0 code. See the project's own license.")
}

func writeText(w http.ResponseWriter, text string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	w.Write([]byte(text + "\n"))
}

// handleJudge0ConfigInfo answers every key of Judge0 1.13.1's
// config_info with its type: the SDK refuses to start otherwise.
func (s *server) handleJudge0ConfigInfo(w http.ResponseWriter, r *http.Request) {
	if !s.runtimesSettled(w, r, writeError) {
		return
	}
	c, o := s.opts.Judge0.Config, s.opts.Judge0
	writeJSON(w, http.StatusOK, map[string]any{
		"maintenance_mode": false, "enable_wait_result": true, "enable_compiler_options": true,
		"allowed_languages_for_compile_options": s.judge0OptionLanguages(),
		"enable_command_line_arguments":         true, "enable_submission_delete": len(o.AuthUsers) > 0,
		"enable_callbacks": s.opts.Submissions.Callbacks != nil, "callbacks_max_tries": 3, "callbacks_timeout": 5.0,
		"enable_additional_files": true, "max_queue_size": s.judge0QueueSize(),
		"cpu_time_limit": c.CPUTimeLimit, "max_cpu_time_limit": c.MaxCPUTimeLimit,
		"cpu_extra_time": c.CPUExtraTime, "max_cpu_extra_time": c.MaxCPUExtraTime,
		"wall_time_limit": c.WallTimeLimit, "max_wall_time_limit": c.MaxWallTimeLimit,
		"memory_limit": int64(c.MemoryLimit), "max_memory_limit": int64(c.MaxMemoryLimit),
		"stack_limit": int64(c.StackLimit), "max_stack_limit": int64(c.MaxStackLimit),
		"max_processes_and_or_threads": int64(c.MaxProcesses), "max_max_processes_and_or_threads": int64(c.MaxMaxProcesses),
		"enable_per_process_and_thread_time_limit":         c.PerProcessTimeLimit,
		"allow_enable_per_process_and_thread_time_limit":   c.AllowPerProcessTime,
		"enable_per_process_and_thread_memory_limit":       c.PerProcessMemLimit,
		"allow_enable_per_process_and_thread_memory_limit": c.AllowPerProcessMem,
		"max_file_size": int64(c.MaxFileSize), "max_max_file_size": int64(c.MaxMaxFileSize),
		"number_of_runs": int64(c.NumberOfRuns), "max_number_of_runs": int64(c.MaxNumberOfRuns),
		"redirect_stderr_to_stdout": c.RedirectStderr, "max_extract_size": o.Zip.MaxBytes >> 10,
		"enable_batched_submissions": true, "max_submission_batch_size": s.opts.Submissions.MaxBatch,
		"submission_cache_duration": 1.0, "use_docs_as_homepage": false,
		"allow_enable_network": o.AllowNetwork, "enable_network": false,
	})
}

// judge0OptionLanguages names the languages that take compiler options
// (each from its runtime's allow-list).
func (s *server) judge0OptionLanguages() []string {
	names := []string{}
	cat := s.judge0Catalog()
	for _, l := range cat.Languages() {
		if in, ok := cat.Lookup(l.ID); ok && len(in.Runtime.CompilerOptions) > 0 {
			names = append(names, l.Name)
		}
	}
	return names
}

// gateStats is the admission gate's view of the load, when the executor
// is the gate.
type gateStats interface{ Stats() admission.Stats }

// judge0QueueSize is config_info's max_queue_size: the submissions the
// store holds queued or running at most.
func (s *server) judge0QueueSize() int { return s.opts.Submissions.MaxQueued }

func (s *server) handleJudge0SystemInfo(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{
		"Architecture": runtime.GOARCH, "CPU(s)": strconv.Itoa(runtime.NumCPU()),
		"Operating System": runtime.GOOS, "Go": runtime.Version(),
	})
}

func (s *server) handleJudge0Workers(w http.ResponseWriter, r *http.Request) {
	workers := max(s.opts.Judge0.Workers, 1)
	var st admission.Stats
	if g, ok := s.exec.(gateStats); ok {
		st = g.Stats()
	}
	working := min(st.Running, workers)
	writeJSON(w, http.StatusOK, []map[string]any{{
		"queue": judge0Version, "size": st.Waiting, "available": workers,
		"idle": workers - working, "working": working, "paused": 0, "failed": 0,
	}})
}

// handleJudge0Authenticate answers 200: a request with a missing or
// wrong X-Auth-Token (when API keys are on) was refused before it.
func (s *server) handleJudge0Authenticate(w http.ResponseWriter, r *http.Request) {
	w.WriteHeader(http.StatusOK)
}

func (s *server) handleJudge0Authorize(w http.ResponseWriter, r *http.Request) {
	if !s.judge0Authorized(w, r) {
		return
	}
	w.WriteHeader(http.StatusOK)
}

// judge0Authorized checks X-Auth-User (or the query parameter of that
// name) against the tokens that may list and delete submissions; 403
// otherwise, as Judge0.
func (s *server) judge0Authorized(w http.ResponseWriter, r *http.Request) bool {
	given := r.Header.Get("X-Auth-User")
	if given == "" {
		given = r.URL.Query().Get("X-Auth-User")
	}
	ok := given != "" && slices.ContainsFunc(s.opts.Judge0.AuthUsers, func(u string) bool {
		return subtle.ConstantTimeCompare([]byte(u), []byte(given)) == 1
	})
	if !ok {
		msg := "listing and deleting submissions are off on this server (no X-Auth-User tokens)"
		if len(s.opts.Judge0.AuthUsers) > 0 {
			msg = "a valid X-Auth-User is required"
		}
		writeError(w, http.StatusForbidden, msg)
	}
	return ok
}
