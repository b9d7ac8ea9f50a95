package testserver

// Timings is the engine's own breakdown of a job, as POST /api/v1/execute
// answers it (Go duration strings).
type Timings struct {
	Queue       string `json:"queue"`
	Preparation string `json:"preparation"`
	Compile     string `json:"compile"`
	Run         string `json:"run"`
	Setup       string `json:"setup"`
	Collection  string `json:"collection"`
}

// TimedResponse is a Response with the engine's timings, for the
// benchmarks that break a round trip down. Timings is nil when the server
// does not send them.
type TimedResponse struct {
	Response
	Timings *Timings `json:"timings"`
}
