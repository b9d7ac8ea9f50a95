// Package api is the transport layer: it turns HTTP requests in the Code
// Racer v1 JSON dialect and the Piston v2 dialect, and their WebSocket
// sessions, into engine jobs, and engine results and events back into JSON.
// The dialects are two encodings of the same job and result.
//
// It talks to the engine only through engine.Executor, so the same handlers
// serve a local engine or a cluster client. It never imports the sandbox:
// everything it knows about a run arrives in an engine.Result.
//
// Every answer, errors included, is JSON. A user's mistake is a 4xx naming
// the offending field; a 500 is reserved for the server's own failures.
package api
