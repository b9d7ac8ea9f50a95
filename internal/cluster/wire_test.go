package cluster

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/coderacer/coderacer/internal/engine"
	"github.com/coderacer/coderacer/internal/langs"
)

// fill sets every field of v (a pointer) to a value that is not zero,
// recursively, but the fields named in skip: a field added to an engine
// type and forgotten on the wire fails the round trip.
func fill(v reflect.Value, n *int, skip map[string]bool) {
	*n++
	switch v.Kind() {
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(v.Elem(), n, skip)
	case reflect.Struct:
		for i := range v.NumField() {
			f := v.Type().Field(i)
			if f.IsExported() && !skip[v.Type().Name()+"."+f.Name] {
				fill(v.Field(i), n, skip)
			}
		}
	case reflect.Slice:
		s := reflect.MakeSlice(v.Type(), 2, 2)
		for i := range 2 {
			fill(s.Index(i), n, skip)
		}
		v.Set(s)
	case reflect.String:
		v.SetString(fmt.Sprint("s", *n))
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int64, reflect.Int32:
		v.SetInt(int64(*n))
	case reflect.Uint8:
		v.SetUint(uint64(*n % 256))
	case reflect.Float64:
		v.SetFloat(float64(*n) + 0.5)
	case reflect.Interface, reflect.Func, reflect.Chan, reflect.Map:
		// callbacks and channels stay behind; skip lists them
	default:
		panic("fill: " + v.Kind().String())
	}
}

func roundTrip[T any](t *testing.T, v T) T {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out T
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestWireRoundTrip(t *testing.T) {
	skip := map[string]bool{"Job.Stream": true, "JudgeJob.OnTest": true}
	n := 0
	var job engine.Job
	fill(reflect.ValueOf(&job).Elem(), &n, skip)
	if got := roundTrip(t, WireJob(job)).Engine(); !reflect.DeepEqual(got, job) {
		t.Fatalf("Job:\n got %+v\nwant %+v", got, job)
	}
	var jj engine.JudgeJob
	fill(reflect.ValueOf(&jj).Elem(), &n, skip)
	if got := roundTrip(t, WireJudgeJob(jj)).Engine(); !reflect.DeepEqual(got, jj) {
		t.Fatalf("JudgeJob:\n got %+v\nwant %+v", got, jj)
	}
	var res engine.Result
	fill(reflect.ValueOf(&res).Elem(), &n, nil)
	var jr engine.JudgeResult
	fill(reflect.ValueOf(&jr).Elem(), &n, nil)
	var ad WorkerInfo
	fill(reflect.ValueOf(&ad).Elem(), &n, map[string]bool{"WorkerInfo.Started": true})
	ad.Started = time.Date(2026, 11, 30, 1, 2, 3, 4, time.UTC)
	rep := reply{Result: &res, Judge: &jr, Events: 3, Worker: "w"}
	if got := roundTrip(t, rep); !reflect.DeepEqual(got, rep) {
		t.Fatalf("reply:\n got %+v\nwant %+v", got, rep)
	}
	if got := roundTrip(t, ad); !reflect.DeepEqual(got, ad) {
		t.Fatalf("WorkerInfo:\n got %+v\nwant %+v", got, ad)
	}
	ev := event{Seq: 1, Kind: engine.EventExit, Stage: "run", Stream: "stdout", Data: []byte{0, 255}, Result: res.Run}
	if got := roundTrip(t, ev); !reflect.DeepEqual(got, ev) {
		t.Fatalf("event:\n got %+v\nwant %+v", got, ev)
	}
}

func sampleErrors() []error {
	return []error{
		&engine.RuntimeNotFoundError{Language: "cobol"},
		&engine.LimitError{Stage: engine.StageCompile, Limit: engine.LimitMemory, Value: 3 << 30, Max: 2 << 30},
		&engine.LimitError{Stage: engine.StageRun, Limit: engine.LimitWallTime, Value: -1},
		&engine.FileError{Name: "../x", Reason: "escapes the work directory"},
		&engine.FileError{Reason: "at least one file is required"},
		&langs.OptionError{Index: 1, Option: "-O9", Language: "c", Allowed: []string{"-O2", "-g"}},
		fmt.Errorf("wrapped: %w", engine.ErrNetworkDisabled),
		engine.ErrQueueFull,
		ErrWorkerLost,
		errors.New("box exploded"),
	}
}

// checkSameError checks that got is want rebuilt: the same text (an
// internal error's prefixed), and found by errors.As and errors.Is.
func checkSameError(t *testing.T, got, want error) {
	t.Helper()
	var nf *engine.RuntimeNotFoundError
	var le *engine.LimitError
	var fe *engine.FileError
	var oe *langs.OptionError
	switch {
	case errors.As(want, &nf):
		var g *engine.RuntimeNotFoundError
		if !errors.As(got, &g) || *g != *nf || !errors.Is(got, engine.ErrRuntimeNotFound) {
			t.Errorf("got %#v, want %#v", got, want)
		}
	case errors.As(want, &le):
		var g *engine.LimitError
		if !errors.As(got, &g) || *g != *le {
			t.Errorf("got %#v, want %#v", got, want)
		}
	case errors.As(want, &fe):
		var g *engine.FileError
		if !errors.As(got, &g) || *g != *fe {
			t.Errorf("got %#v, want %#v", got, want)
		}
	case errors.As(want, &oe):
		var g *langs.OptionError
		if !errors.As(got, &g) || !reflect.DeepEqual(g, oe) {
			t.Errorf("got %#v, want %#v", got, want)
		}
	case errors.Is(want, engine.ErrNetworkDisabled), errors.Is(want, engine.ErrQueueFull), errors.Is(want, ErrWorkerLost):
		if !errors.Is(got, errors.Unwrap(want)) && !errors.Is(got, want) {
			t.Errorf("got %v, want %v", got, want)
		}
		return
	default:
		if got == nil || got.Error() != "cluster: worker: "+want.Error() {
			t.Errorf("got %v, want an internal error saying %q", got, want)
		}
		return
	}
	if got != nil && got.Error() != want.Error() {
		t.Errorf("text %q, want %q", got, want)
	}
}

func TestErrorRoundTrip(t *testing.T) {
	for _, want := range sampleErrors() {
		e := roundTrip(t, *WireError(want))
		checkSameError(t, e.Err(), want)
	}
}

func TestToken(t *testing.T) {
	for in, want := range map[string]string{"python": "python", "C++": "c_2b_2b", "c#": "c_23", "a.b c": "a_2eb_20c", "": "_", "go-1": "go-1"} {
		if got := Token(in); got != want {
			t.Errorf("Token(%q) = %q, want %q", in, got, want)
		}
	}
}
