package main

import (
	"flag"
	"fmt"
)

// defaultAPIParallelism is an API node's jobs in flight on the cluster
// at once when not set: the workers' slots, not this node's CPUs, bound
// how many run; more wait in the jobs stream.
const defaultAPIParallelism = 64

// The roles of `coderacer serve` (README "Scaling out").
const (
	// roleAll is one node that does everything: the API, the queue's
	// workers and the sandboxes.
	roleAll = "all"
	// roleAPI serves HTTP and WebSocket and runs no sandbox: its jobs go
	// to the cluster's workers through NATS.
	roleAPI = "api"
	// roleWorker runs sandboxes for the cluster; it serves only health,
	// readiness and metrics over HTTP.
	roleWorker = "worker"
)

func (c *serveConfig) roleSettings() []setting {
	return []setting{
		{"CODERACER_ROLE", "role", "all: one node does everything; api: HTTP and WebSocket, jobs run on the cluster's workers; worker: sandboxes for the cluster, HTTP only for health and metrics", stringValue(&c.Role)},
	}
}

func (c *serveConfig) checkRole() error {
	switch c.Role {
	case roleAll:
		return nil
	case roleAPI, roleWorker:
		if c.Submissions.NATSURL == "" && c.NATS.Listen == "" {
			return fmt.Errorf("role %s needs a NATS shared with the other nodes: CODERACER_NATS_URL (--nats-url), or CODERACER_NATS_LISTEN (--nats-listen) on one node for the others to join", c.Role)
		}
		return nil
	}
	return fmt.Errorf("CODERACER_ROLE (--role) %q: want all, api or worker", c.Role)
}

// roleDefaults applies the defaults that depend on the role to the
// settings that were not set.
func (c *serveConfig) roleDefaults(set func(env, flag string) bool) {
	if c.Role == roleAPI && !set("CODERACER_PARALLELISM", "parallelism") {
		c.Parallelism = defaultAPIParallelism
	}
}

// flagSet reports whether the flag name was given on the command line.
func flagSet(fs *flag.FlagSet, name string) bool {
	found := false
	fs.Visit(func(f *flag.Flag) { found = found || f.Name == name })
	return found
}
