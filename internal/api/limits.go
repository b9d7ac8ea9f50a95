package api

import (
	"fmt"
	"time"

	"github.com/coderacer/coderacer/internal/engine"
)

// How the dialects speak of the engine's limits (engine.Limit): their
// numbers are integers, milliseconds for times, and each dialect names
// the limits in its own words (v1: limitsRequest.field, v2: v2Limits).

// maxTimeMs bounds time limits before they become a time.Duration, where
// milliseconds above ~9.2e12 would overflow and wrap to something small or
// negative. 1e9 ms (11.5 days) is above any sane server maximum, so the
// engine still rejects a clamped value; see clampedLimits.
const maxTimeMs = 1_000_000_000

// toMs is a limit's engine value in the dialects' units.
func toMs(k engine.Limit, v int64) int64 {
	if k.Unit() == engine.UnitDuration {
		return v / int64(time.Millisecond)
	}
	return v
}

// fromMs is a limit's value in the dialects' units in the engine's, a time
// first clamped to maxTimeMs.
func fromMs(k engine.Limit, v int64) int64 {
	if k.Unit() == engine.UnitDuration {
		return min(v, maxTimeMs) * int64(time.Millisecond)
	}
	return v
}

// stageLimit is one limit of one stage.
type stageLimit struct {
	stage string
	limit engine.Limit
}

// clampedLimits are the values a request gave for the time limits it had
// to clamp (maxTimeMs), so that an error reports what the client sent.
// nil until one is clamped.
type clampedLimits map[stageLimit]int64

// v1LimitName is the v1 name of a stage's limit, e.g.
// "compileLimits.cpuTimeMs".
func v1LimitName(stage string, k engine.Limit) string {
	prefix := "limits"
	if stage == engine.StageCompile {
		prefix = "compileLimits"
	}
	var l limitsRequest
	name, p := l.field(k)
	if p == nil {
		name = k.Key()
	}
	return prefix + "." + name
}

// v1LimitMessage says a LimitError in the v1 dialect's words.
func v1LimitMessage(e *engine.LimitError, clamped clampedLimits) string {
	name := v1LimitName(e.Stage, e.Limit)
	if e.Value < 0 {
		return name + " must not be negative"
	}
	value := toMs(e.Limit, e.Value)
	if orig, ok := clamped[stageLimit{e.Stage, e.Limit}]; ok {
		value = orig // what the client sent, not our clamp
	}
	return fmt.Sprintf("%s %d exceeds the server maximum %d", name, value, toMs(e.Limit, e.Max))
}
