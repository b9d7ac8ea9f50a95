package main

import (
	"os"
	"runtime"
)

// leaveCoresToPrograms gives the Go scheduler of a process that runs
// sandboxes (any role but api) half the cores it would take (at least
// one), unless the operator set GOMAXPROCS. The programs in the boxes do
// the work; the server's own share is small (HTTP, JSON, a few system
// calls a run). With a processor for every core, each goroutine made
// ready (a request, a run's end, an output pipe's EOF) has the runtime
// wake a thread on another core to take it: those wakeups land on the
// cores the programs and their boxes' inits run on. Measured on 2 cores,
// the fixed cost of a run through the API fell by 70-200 µs with one
// processor instead of two.
func leaveCoresToPrograms(role string) {
	if role == roleAPI || os.Getenv("GOMAXPROCS") != "" {
		return
	}
	runtime.GOMAXPROCS(max(1, runtime.GOMAXPROCS(0)/2))
}
