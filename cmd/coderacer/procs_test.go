package main

import (
	"runtime"
	"testing"
)

func TestLeaveCoresToPrograms(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, c := range []struct {
		role, env string
		procs     int
		want      int
	}{
		{roleAll, "", 4, 2},
		{roleWorker, "", 5, 2},
		{roleAll, "", 1, 1},
		{roleAPI, "", 4, 4},  // runs no sandbox
		{roleAll, "3", 3, 3}, // the operator's choice
	} {
		t.Setenv("GOMAXPROCS", c.env)
		runtime.GOMAXPROCS(c.procs)
		leaveCoresToPrograms(c.role)
		if got := runtime.GOMAXPROCS(0); got != c.want {
			t.Errorf("role %s, GOMAXPROCS=%q, %d processors: %d after, want %d", c.role, c.env, c.procs, got, c.want)
		}
	}
}
