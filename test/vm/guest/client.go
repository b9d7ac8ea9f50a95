package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"time"
)

const apiBase = "http://127.0.0.1:8000"

type file struct {
	Name    string `json:"name"`
	Content string `json:"content"`
}

type limits struct {
	WallTimeMs  int64 `json:"wallTimeMs,omitempty"`
	CPUTimeMs   int64 `json:"cpuTimeMs,omitempty"`
	MemoryBytes int64 `json:"memoryBytes,omitempty"`
	Processes   int64 `json:"processes,omitempty"`
}

type request struct {
	Language      string  `json:"language"`
	Entrypoint    string  `json:"entrypoint"`
	Files         []file  `json:"files"`
	Limits        *limits `json:"limits,omitempty"`
	CompileLimits *limits `json:"compileLimits,omitempty"`
}

type response struct {
	Status   string `json:"status"`
	Message  string `json:"message"`
	Stdout   string `json:"stdout"`
	Stderr   string `json:"stderr"`
	ExitCode int    `json:"exitCode"`
	CPUTime  string `json:"cpuTime"`
	Memory   int64  `json:"memory"`
}

func (r *response) String() string {
	return fmt.Sprintf("status %s (%s), exit %d, cpu %s, memory %d, stdout %q, stderr %.300q",
		r.Status, r.Message, r.ExitCode, r.CPUTime, r.Memory, r.Stdout, r.Stderr)
}

// client talks to the server in the VM. Software emulation makes
// everything slow: timeouts are generous.
var client = &http.Client{Timeout: 180 * time.Second}

// program makes a request of one file: language, file name, source.
func program(language, name, source string, run *limits) request {
	return request{
		Language: language, Entrypoint: name,
		Files:  []file{{Name: name, Content: source}},
		Limits: run,
		// gcc is slow under TCG: the default 10s compile limit is not.
		CompileLimits: &limits{WallTimeMs: 60000, CPUTimeMs: 60000},
	}
}

func execute(req request) (*response, error) {
	body, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	resp, err := client.Post(apiBase+"/api/v1/execute", "application/json", bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("POST /api/v1/execute: %w", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return nil, fmt.Errorf("read answer: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("POST /api/v1/execute: %s: %s", resp.Status, b)
	}
	var r response
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("decode answer %q: %w", b, err)
	}
	return &r, nil
}

// healthy tells whether GET /api/v1/health answers 200.
func healthy() bool {
	c := &http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(apiBase + "/api/v1/health")
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

type runtimeInfo struct {
	Language string `json:"language"`
}

// missingRuntimes returns which of the languages the checks use the server
// does not list.
func missingRuntimes(want ...string) ([]string, error) {
	resp, err := client.Get(apiBase + "/api/v1/runtimes")
	if err != nil {
		return nil, fmt.Errorf("GET /api/v1/runtimes: %w", err)
	}
	defer resp.Body.Close()
	var list []runtimeInfo
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&list); err != nil {
		return nil, fmt.Errorf("decode runtimes: %w", err)
	}
	var missing []string
	for _, w := range want {
		if !slices.ContainsFunc(list, func(r runtimeInfo) bool { return r.Language == w }) {
			missing = append(missing, w)
		}
	}
	return missing, nil
}
