// Package judge0 holds the pure parts of the Judge0 CE dialect (see
// docs/judge0.md of the shared contract): its statuses and how our
// outcomes map to them, its language list drawn from the runtime
// catalog, its submission attributes with their base64 rules, and the
// selection of response fields. It serves nothing itself.
package judge0

// Status is one of Judge0's submission statuses, as GET /statuses and a
// submission's "status" attribute show it.
type Status struct {
	ID          int    `json:"id"`
	Description string `json:"description"`
}

// Judge0's status ids (app/enumerations/status.rb of Judge0 CE 1.13.1).
const (
	InQueue             = 1
	Processing          = 2
	Accepted            = 3
	WrongAnswer         = 4
	TimeLimitExceeded   = 5
	CompilationError    = 6
	RuntimeErrorSIGSEGV = 7
	RuntimeErrorSIGXFSZ = 8
	RuntimeErrorSIGFPE  = 9
	RuntimeErrorSIGABRT = 10
	RuntimeErrorNZEC    = 11
	RuntimeErrorOther   = 12
	InternalError       = 13
	ExecFormatError     = 14
)

// descriptions are Judge0's words, by id; index 0 is unused.
var descriptions = [...]string{
	InQueue:             "In Queue",
	Processing:          "Processing",
	Accepted:            "Accepted",
	WrongAnswer:         "Wrong Answer",
	TimeLimitExceeded:   "Time Limit Exceeded",
	CompilationError:    "Compilation Error",
	RuntimeErrorSIGSEGV: "Runtime Error (SIGSEGV)",
	RuntimeErrorSIGXFSZ: "Runtime Error (SIGXFSZ)",
	RuntimeErrorSIGFPE:  "Runtime Error (SIGFPE)",
	RuntimeErrorSIGABRT: "Runtime Error (SIGABRT)",
	RuntimeErrorNZEC:    "Runtime Error (NZEC)",
	RuntimeErrorOther:   "Runtime Error (Other)",
	InternalError:       "Internal Error",
	ExecFormatError:     "Exec Format Error",
}

// StatusByID returns the status of an id, false for an id Judge0 lacks.
func StatusByID(id int) (Status, bool) {
	if id < InQueue || id > ExecFormatError {
		return Status{}, false
	}
	return Status{ID: id, Description: descriptions[id]}, true
}

// Statuses lists every status in id order, as GET /statuses answers.
func Statuses() []Status {
	out := make([]Status, 0, ExecFormatError)
	for id := InQueue; id <= ExecFormatError; id++ {
		out = append(out, Status{ID: id, Description: descriptions[id]})
	}
	return out
}

// status returns the status of an id known to be valid.
func status(id int) Status {
	s, _ := StatusByID(id)
	return s
}
