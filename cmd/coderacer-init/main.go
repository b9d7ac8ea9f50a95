// Command coderacer-init is the init of Code Racer's sandboxes: the first
// process of each box's container, which starts the box's programs and
// answers the server. The server finds it beside its own executable
// (make build puts it there); without it the server re-executes itself
// as each init, which works the same but holds every package of the
// server in memory, three times this program's few MiB, in every box.
//
// It is started only by the server, never by hand.
package main

import (
	"fmt"
	"os"

	"github.com/coderacer/coderacer/internal/sandbox"
)

func main() {
	if err := sandbox.Init(); err != nil {
		fmt.Fprintln(os.Stderr, "coderacer-init:", err)
		os.Exit(1)
	}
	// Init returns at once when this is not a container's init.
	fmt.Fprintln(os.Stderr, "coderacer-init: the init of Code Racer's sandboxes, started by coderacer serve only")
	os.Exit(2)
}
