package admission

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/coderacer/coderacer/internal/engine"
)

func TestLanguages(t *testing.T) {
	f := newFake()
	g := New(f, Options{Slots: 1, QueueSize: 1})
	tests := []struct {
		allowed  []string
		language string
		ok       bool
	}{
		{nil, "java", true},
		{[]string{"py"}, "python", true},
		{[]string{"py"}, "PYTHON3", true},
		{[]string{"Python"}, "py", true},
		{[]string{"python3"}, "Py", true},
		{[]string{"java", "cpp"}, "C++", true},
		{[]string{"py"}, "java", false},
		{[]string{"py"}, "G++", false},
		{[]string{"cobol"}, "java", false},
		{[]string{"py"}, "cobol", true}, // unknown: the engine answers
	}
	for _, tc := range tests {
		c := Client{Name: "k", Languages: tc.allowed}
		out := make(chan error, 1)
		go func() {
			_, err := g.Execute(WithClient(context.Background(), c), engine.Job{Language: tc.language})
			out <- err
		}()
		if tc.ok {
			call := f.next(t)
			if call.job.Language != tc.language {
				t.Errorf("engine got language %q, want %q unchanged", call.job.Language, tc.language)
			}
			call.ok(0)
		}
		err := <-out
		var le *LanguageError
		switch {
		case tc.ok && err != nil:
			t.Errorf("%q with %v: %v, want it run", tc.language, tc.allowed, err)
		case !tc.ok && !errors.As(err, &le):
			t.Errorf("%q with %v: %v, want a *LanguageError", tc.language, tc.allowed, err)
		case !tc.ok && (!strings.Contains(err.Error(), `"`+tc.language+`"`) || !strings.Contains(err.Error(), "may not use")):
			t.Errorf("error text %q should name the language and say the key may not use it", err)
		}
	}
	waitStats(t, g, Stats{})
}
