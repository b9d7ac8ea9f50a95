// Package client is a Go client of Code Racer's own HTTP API (v1): one
// typed method for each route of the server's OpenAPI document (GET
// /api/openapi.json; internal/apidoc/openapi.yaml in the repository), and
// the interactive WebSocket session of /api/v1/connect (docs/websocket.md).
//
// A Client is made once and shared; it is safe for concurrent use:
//
//	c, err := client.New("http://localhost:8000", client.WithAPIKey(os.Getenv("CODERACER_API_KEY")))
//	if err != nil { ... }
//	res, err := c.Execute(ctx, &client.ExecuteRequest{
//		Language:   "python3",
//		Entrypoint: "main.py",
//		Files:      []client.File{{Name: "main.py", Content: "print('hi')"}},
//	})
//
// The routes and their methods:
//
//	POST   /api/v1/execute                  Execute
//	POST   /api/v1/judge                    Judge
//	POST   /api/v1/submissions              Submit, SubmitWait (?wait=true)
//	GET    /api/v1/submissions/{token}      Submission
//	DELETE /api/v1/submissions/{token}      CancelSubmission
//	POST   /api/v1/submissions/batch        SubmitBatch
//	GET    /api/v1/submissions/batch        Submissions
//	GET    /api/v1/cluster                  Cluster
//	GET    /api/v1/runtimes                 Runtimes
//	GET    /api/v1/health                   Health
//	GET    /api/v1/ready                    Ready
//	GET    /api/v1/connect (WebSocket)      Connect (a run), JudgeStream (a judge), Follow (a submission)
//
// A submission (SubmissionRequest) holds an ExecuteRequest or a
// JudgeRequest; its result comes back as JSON, read by ExecuteResult or
// JudgeResult.
//
// # Interactive runs
//
// Connect opens the WebSocket session of docs/websocket.md and starts a
// run; the program's output comes as events, in the order it was
// written, while the caller sends more input and signals:
//
//	s, err := c.Connect(ctx, req)
//	if err != nil { ... }
//	defer s.Close()
//	s.Stdin(ctx, "first line\n")
//	s.Signal(ctx, "SIGINT")
//	for {
//		ev, err := s.Next(ctx) // io.EOF after the result
//		...
//		switch ev.Type {
//		case client.EventStdout:
//			os.Stdout.WriteString(ev.Data)
//		case client.EventResult:
//			fmt.Println(ev.Result.Status, ev.Result.ExitCode)
//		}
//	}
//
// # Results and errors
//
// A program's own failure is not an error: Execute returns its result,
// whose Status says what happened (OK, RE, SG, TLE, MLE, OLE, CE, IE; see
// the Status constants). An error is the request's or the server's: every
// answer of the server other than a success is a *Error holding the HTTP
// status and the server's message ({"error": "..."}); a WebSocket session
// ended by the server with an error is a *Error too, its StatusCode the
// HTTP status of the same failure (close code 4000 + status). Transport
// failures and the context's errors are returned as they are.
//
// # Bounds
//
// Every call takes a context, which bounds it (the WebSocket session
// included). Answers are read up to a bound (WithMaxResponseBytes, 256
// MiB by default: a result repeats up to 2 streams of output, each up to
// the server's output limit, and JSON may take 6 bytes for one), and a
// larger answer is an error rather than unbounded memory.
//
// # Types
//
// The request and response types mirror the JSON of the API field by
// field (camelCase names, as the server writes them); durations are Go
// duration strings on the wire and Duration here. This package does not
// import the server's packages: it is what a program outside this module
// uses. README "Command line" shows the coderacer command, built on it.
package client
