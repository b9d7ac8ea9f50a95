package sandbox

import (
	"strings"
	"testing"
)

func TestArgsFit(t *testing.T) {
	long := strings.Repeat("a", 131071)
	cases := []struct {
		name  string
		args  []string
		stack uint64
		want  bool
	}{
		{"hello under no stack limit", []string{"/w/a.out"}, 0, true},
		{"7 x 128 KiB under a 4 MiB stack (1 MiB)", []string{long, long, long, long, long, long, long}, 4 << 20, true},
		{"8 x 128 KiB under a 4 MiB stack", []string{long, long, long, long, long, long, long, long}, 4 << 20, false},
		{"one 128 KiB argument under a 1-byte stack: the 128 KiB floor", []string{long}, 1, false},
		{"a small argument under a 1-byte stack: the 128 KiB floor", []string{"x"}, 1, true},
		{"40 MiB under no limit: at most 6 MiB", []string{strings.Repeat("a", 40<<20)}, 0, false},
	}
	for _, c := range cases {
		if got := argsFit(c.args, []string{"PATH=/usr/bin:/bin"}, c.stack); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}
