package admission

import (
	"fmt"
	"time"
)

// LanguageError refuses a job in a language its client may not use. Its
// text is meant for the client (the API answers 403).
type LanguageError struct {
	Language string // as the job named it
}

func (e *LanguageError) Error() string {
	return fmt.Sprintf("this API key may not use language %q", e.Language)
}

// QuotaError refuses a job of a client whose CPU quota is used up (the API
// answers 429 with Retry-After).
type QuotaError struct {
	// RetryAfter is the time after which the client's bucket holds CPU
	// time again, in whole milliseconds, at least one (the Retry-After
	// header should round it up to whole seconds).
	RetryAfter time.Duration
}

// RetryAfterSeconds is RetryAfter for a Retry-After header: whole seconds,
// rounded up, at least 1.
func (e *QuotaError) RetryAfterSeconds() int64 {
	return max(1, int64((e.RetryAfter+time.Second-1)/time.Second))
}

func (e *QuotaError) Error() string {
	return fmt.Sprintf("CPU time quota used up, retry in %v", e.RetryAfter.Round(time.Millisecond))
}
