package api

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/coderacer/coderacer/internal/engine"
)

// Every limit of the engine has a v1 field of its own, named as its JSON
// tag says, and every field of limitsRequest is a limit.
func TestV1NamesEveryLimit(t *testing.T) {
	var l limitsRequest
	seen := map[*int64]bool{}
	for k := range engine.AllLimits() {
		name, p := l.field(k)
		if p == nil || seen[p] {
			t.Fatalf("%v: no field of its own in limitsRequest", k)
		}
		seen[p] = true
		*p = 1
		data, _ := json.Marshal(l)
		if !strings.Contains(string(data), `"`+name+`":1`) {
			t.Errorf("%v: named %q, but its field is encoded %s", k, name, data)
		}
		*p = 0
	}
	if n := reflect.TypeOf(l).NumField(); n != len(seen) {
		t.Errorf("limitsRequest has %d fields, the engine %d limits", n, len(seen))
	}
}

func TestV1LimitMessage(t *testing.T) {
	clamped := clampedLimits{{engine.StageCompile, engine.LimitWallTime}: 5_000_000_000}
	for _, c := range []struct {
		e    engine.LimitError
		want string
	}{
		{engine.LimitError{Stage: engine.StageRun, Limit: engine.LimitCPUTime, Value: int64(31 * time.Second), Max: int64(30 * time.Second)},
			"limits.cpuTimeMs 31000 exceeds the server maximum 30000"},
		{engine.LimitError{Stage: engine.StageCompile, Limit: engine.LimitWallTime, Value: maxTimeMs * int64(time.Millisecond), Max: int64(time.Minute)},
			"compileLimits.wallTimeMs 5000000000 exceeds the server maximum 60000"},
		{engine.LimitError{Stage: engine.StageRun, Limit: engine.LimitMemory, Value: 3 << 30, Max: 2 << 30},
			"limits.memoryBytes 3221225472 exceeds the server maximum 2147483648"},
		{engine.LimitError{Stage: engine.StageRun, Limit: engine.LimitOpenFiles, Value: -1},
			"limits.openFiles must not be negative"},
	} {
		if got := v1LimitMessage(&c.e, clamped); got != c.want {
			t.Errorf("%+v: %q, want %q", c.e, got, c.want)
		}
	}
}
