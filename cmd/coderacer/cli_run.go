package main

// coderacer run FILE...: runs files on a server, its output on ours, its
// exit code ours.

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/coderacer/coderacer/client"
)

const runUsage = `usage: coderacer run FILE... [flags] [--args ARG...]

Runs FILE... on a Code Racer server; the first file is the entrypoint.
The program's stdout and stderr are printed on ours, and coderacer exits
with its exit code; when it did not simply exit (time, memory or output
limit, compile error, killed by a signal, the server's failure) a line
on stderr says why.

Its input: --stdin FILE (or - for ours, read to the end) sends it whole
over HTTP. Without --stdin the run is a WebSocket session: our stdin
goes to the program as it comes (typed lines, with a terminal), its
output streams back, and Ctrl+C sends it SIGINT (twice: quit).

flags (anywhere among the files; --args, or --, ends them: the rest are
the program's arguments):
`

// runFlags are the flags of coderacer run.
type runFlags struct {
	serverFlags
	limitFlags
	language string
	stdin    string
}

// runCommand is coderacer run; it returns the exit code.
func runCommand(args []string) int {
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	env := &cliEnv{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv,
		terminal: isTerminal(os.Stdin), signals: sigs}
	return runCLI(env, args)
}

// runCLI is coderacer run in env.
func runCLI(env *cliEnv, args []string) int {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	var f runFlags
	f.serverFlags.register(fs)
	fs.StringVar(&f.language, "language", "", "the language or an alias (default: guessed from the first file's extension)")
	fs.StringVar(&f.language, "l", "", "short for --language")
	fs.StringVar(&f.stdin, "stdin", "", "the program's whole input: a file, or - for this command's stdin")
	f.limitFlags.register(fs)
	fs.Usage = func() { fmt.Fprint(env.stderr, runUsage); fs.PrintDefaults() }
	files, progArgs, err := parseInterleaved(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		return 2
	}
	if len(files) == 0 {
		fmt.Fprintln(env.stderr, "coderacer run: no file given")
		fs.Usage()
		return 2
	}
	c, err := f.client(env.getenv)
	if err != nil {
		return env.failf("%v", err)
	}
	r := &runner{env: env, c: c}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go r.watchSignals(ctx, cancel)

	req, err := r.request(ctx, f, files, progArgs)
	if err != nil {
		return r.failed(err)
	}
	if f.stdin != "" {
		return r.runHTTP(ctx, req, f.stdin)
	}
	return r.runSession(ctx, req)
}

// runner runs one program.
type runner struct {
	env *cliEnv
	c   *client.Client
	// session, once the WebSocket run started, takes the first SIGINT.
	session     atomic.Pointer[client.Session]
	interrupted atomic.Bool
}

// request builds the execute request: the files, the language (guessed
// when not given) and the arguments.
func (r *runner) request(ctx context.Context, f runFlags, files, args []string) (*client.ExecuteRequest, error) {
	sources, err := readSources(files)
	if err != nil {
		return nil, err
	}
	lang, err := languageOf(ctx, r.c, f.language, files[0])
	if err != nil {
		return nil, err
	}
	return &client.ExecuteRequest{Language: lang, Entrypoint: sources[0].Name, Files: sources, Args: args,
		Limits: f.limitFlags.limits()}, nil
}

// watchSignals: the first SIGINT of a WebSocket run goes to the program;
// any other signal, or a second SIGINT, quits.
func (r *runner) watchSignals(ctx context.Context, quit context.CancelFunc) {
	forwarded := false
	for {
		select {
		case <-ctx.Done():
			return
		case sig := <-r.env.signals:
			s := r.session.Load()
			if sig == os.Interrupt && s != nil && !forwarded {
				forwarded = true
				if err := s.Signal(ctx, "SIGINT"); err == nil && r.env.terminal {
					fmt.Fprintln(r.env.stderr, "\ncoderacer: SIGINT sent to the program; Ctrl+C again to quit")
				}
				continue
			}
			r.interrupted.Store(true)
			quit()
			return
		}
	}
}

// runHTTP runs the program with its whole input at once (POST
// /api/v1/execute) and prints its output.
func (r *runner) runHTTP(ctx context.Context, req *client.ExecuteRequest, stdinPath string) int {
	var input []byte
	var err error
	if stdinPath == "-" {
		input, err = readAllBounded(r.env.stdin, "stdin", maxSourceBytes)
	} else {
		input, err = readBounded(stdinPath, maxSourceBytes)
	}
	if err != nil {
		return r.failed(err)
	}
	req.Stdin = string(input)
	res, err := r.c.Execute(ctx, req)
	if err != nil {
		return r.failed(err)
	}
	if res.Compile != nil {
		writeString(r.env.stderr, res.Compile.Stdout, res.Compile.Stderr)
	}
	if res.Status != client.StatusCompileError {
		writeString(r.env.stdout, res.Stdout)
		writeString(r.env.stderr, res.Stderr)
	}
	return r.finish(res)
}

func writeString(w io.Writer, ss ...string) {
	for _, s := range ss {
		if s != "" {
			io.WriteString(w, s)
		}
	}
}

// failed reports an error of the request, the server or the transport.
func (r *runner) failed(err error) int {
	if r.interrupted.Load() {
		fmt.Fprintln(r.env.stderr, "coderacer: interrupted")
		return 130
	}
	if _, ok := err.(*client.Error); ok {
		return r.env.failf("the server refused: %s", oneLine(err.Error()))
	}
	return r.env.failf("%s", oneLine(err.Error()))
}

// finish prints why a run did not simply exit and returns the exit code.
func (r *runner) finish(res *client.ExecuteResponse) int {
	code, reason := outcome(res)
	if reason != "" {
		fmt.Fprintln(r.env.stderr, "coderacer: "+reason)
	}
	return code
}

// outcome is the exit code of a run's result, and the line that says
// why when the program did not simply exit.
func outcome(res *client.ExecuteResponse) (int, string) {
	code := res.ExitCode
	if code == 0 || code > 255 || code < 0 {
		code = 1
	}
	detail := ""
	if res.Message != "" {
		detail = ": " + oneLine(res.Message)
	}
	times := fmt.Sprintf(" (cpu %v, wall %v, memory %s)", short(res.CPUTime), short(res.WallTime), mib(res.Memory))
	switch res.Status {
	case client.StatusOK:
		return 0, ""
	case client.StatusRuntimeError:
		return code, ""
	case client.StatusSignal:
		if res.Signal != "" && strings.Contains(detail, res.Signal) {
			detail = "" // "killed by SIGINT" says no more
		}
		return code, "killed by " + cmpOr(res.Signal, "a signal") + " (SG)" + detail
	case client.StatusTimeLimit:
		return code, "time limit exceeded (TLE)" + detail + times
	case client.StatusMemoryLimit:
		return code, "memory limit exceeded (MLE)" + detail + times
	case client.StatusOutputLimit:
		return code, "output limit exceeded (OLE)" + detail
	case client.StatusCompileError:
		return code, "compilation failed (CE)" + detail
	case client.StatusInternalError:
		return 1, "the server failed to run it (IE)" + detail
	}
	return code, "status " + res.Status + detail
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// short rounds a duration for people: 924.68799ms is 925ms.
func short(d client.Duration) time.Duration {
	if d.Duration >= 10*time.Millisecond {
		return d.Round(time.Millisecond)
	}
	return d.Round(10 * time.Microsecond)
}

// mib writes a byte count in MiB.
func mib(n int64) string {
	return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
}
