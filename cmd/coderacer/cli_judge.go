package main

// coderacer judge --tests DIR FILE...: judges files on a directory of
// tests and prints a verdict table.

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"

	"github.com/coderacer/coderacer/client"
)

const judgeUsage = `usage: coderacer judge --tests DIR FILE... [flags]

Judges FILE... (the first is the entrypoint) on a Code Racer server,
compiled once, on the tests of DIR: NAME.in (the input; absent: none)
and NAME.out (the expected output; needed unless --checker is given),
in natural order (2 before 10). Prints each test's verdict, time,
memory and points, then a summary. Exits 0 when every test is accepted,
1 otherwise.

flags (anywhere among the files):
`

// judgeFlags are the flags of coderacer judge.
type judgeFlags struct {
	serverFlags
	limitFlags
	tests, language       string
	checker               listFlag
	checkerLang, protocol string
	compare               string
	stopOnFirstFailure    bool
}

// listFlag is a flag that may be given several times.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(s string) error { *l = append(*l, s); return nil }

// judgeCommand is coderacer judge; it returns the exit code.
func judgeCommand(args []string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	env := &cliEnv{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv}
	return judgeCLI(ctx, env, args)
}

func judgeCLI(ctx context.Context, env *cliEnv, args []string) int {
	fs := flag.NewFlagSet("judge", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	var f judgeFlags
	f.serverFlags.register(fs)
	fs.StringVar(&f.tests, "tests", "", "the directory of the tests (NAME.in, NAME.out)")
	fs.StringVar(&f.language, "language", "", "the language (default: guessed from the first file's extension)")
	fs.StringVar(&f.language, "l", "", "short for --language")
	fs.Var(&f.checker, "checker", "a checker program (testlib's protocol unless --checker-protocol); again for more of its files")
	fs.StringVar(&f.checkerLang, "checker-language", "", "the checker's language (default: guessed)")
	fs.StringVar(&f.protocol, "checker-protocol", "", "testlib (default) or exitcode")
	fs.StringVar(&f.compare, "compare", "", "without a checker: exact, lines (default), tokens or float")
	fs.BoolVar(&f.stopOnFirstFailure, "stop-on-first-failure", false, "skip the tests after the first one not accepted")
	f.limitFlags.register(fs)
	fs.Usage = func() { fmt.Fprint(env.stderr, judgeUsage); fs.PrintDefaults() }
	files, rest, err := parseInterleaved(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		return 2
	}
	files = append(files, rest...)
	if len(files) == 0 || f.tests == "" {
		fmt.Fprintln(env.stderr, "coderacer judge: --tests DIR and at least one file are needed")
		fs.Usage()
		return 2
	}
	c, err := f.client(env.getenv)
	if err != nil {
		return env.failf("%v", err)
	}
	req, err := judgeRequest(ctx, c, f, files)
	if err != nil {
		return env.failf("%s", oneLine(err.Error()))
	}
	res, err := c.Judge(ctx, req)
	if err != nil {
		if ctx.Err() != nil {
			fmt.Fprintln(env.stderr, "coderacer: interrupted")
			return 130
		}
		if _, ok := err.(*client.Error); ok {
			return env.failf("the server refused: %s", oneLine(err.Error()))
		}
		return env.failf("%s", oneLine(err.Error()))
	}
	return printVerdicts(env, res)
}

// judgeRequest builds the request: the files, the tests, the checker.
func judgeRequest(ctx context.Context, c *client.Client, f judgeFlags, files []string) (*client.JudgeRequest, error) {
	sources, err := readSources(files)
	if err != nil {
		return nil, err
	}
	tests, err := readTests(f.tests, len(f.checker) > 0)
	if err != nil {
		return nil, err
	}
	lang, err := languageOf(ctx, c, f.language, files[0])
	if err != nil {
		return nil, err
	}
	req := &client.JudgeRequest{Language: lang, Entrypoint: sources[0].Name, Files: sources, Tests: tests,
		Limits: f.limitFlags.limits(), StopOnFirstFailure: f.stopOnFirstFailure}
	if f.compare != "" {
		req.Compare = &client.Compare{Mode: f.compare}
	}
	if len(f.checker) > 0 {
		checker, err := readSources(f.checker)
		if err != nil {
			return nil, err
		}
		clang, err := languageOf(ctx, c, f.checkerLang, f.checker[0])
		if err != nil {
			return nil, fmt.Errorf("the checker: %w", err)
		}
		req.Checker = &client.JudgeProgram{Language: clang, Entrypoint: checker[0].Name, Files: checker, Protocol: f.protocol}
	}
	return req, nil
}

// readTests reads dir's NAME.in and NAME.out pairs in natural order. A
// test may lack its .in (no input); it needs its .out unless a checker
// judges without one.
func readTests(dir string, checker bool) ([]client.JudgeTest, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	ins, outs := map[string]string{}, map[string]string{}
	var names []string
	for _, e := range entries {
		ext := filepath.Ext(e.Name())
		name := strings.TrimSuffix(e.Name(), ext)
		if e.IsDir() || name == "" || (ext != ".in" && ext != ".out") {
			continue
		}
		if _, in := ins[name]; !in {
			if _, out := outs[name]; !out {
				names = append(names, name)
			}
		}
		if ext == ".in" {
			ins[name] = filepath.Join(dir, e.Name())
		} else {
			outs[name] = filepath.Join(dir, e.Name())
		}
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("%s holds no tests (NAME.in and NAME.out files)", dir)
	}
	slices.SortFunc(names, naturalCompare)
	return loadTests(names, ins, outs, checker)
}

// loadTests reads the tests' files, within maxSourceBytes together.
func loadTests(names []string, ins, outs map[string]string, checker bool) ([]client.JudgeTest, error) {
	tests := make([]client.JudgeTest, 0, len(names))
	left := maxSourceBytes
	read := func(path string) (string, error) {
		if path == "" {
			return "", nil
		}
		data, err := readBounded(path, left)
		left -= len(data)
		return string(data), err
	}
	for _, name := range names {
		if outs[name] == "" && !checker {
			return nil, fmt.Errorf("test %s has no %s.out (the expected output); without a checker each test needs one", name, name)
		}
		in, err := read(ins[name])
		if err != nil {
			return nil, err
		}
		out, err := read(outs[name])
		if err != nil {
			return nil, err
		}
		tests = append(tests, client.JudgeTest{Name: name, Stdin: in, ExpectedOutput: out})
	}
	return tests, nil
}

// naturalCompare orders names as people do: the digits in them as
// numbers ("2" before "10"), the rest byte by byte.
func naturalCompare(a, b string) int {
	for a != "" && b != "" {
		da, db := digitsPrefix(a), digitsPrefix(b)
		if da > 0 && db > 0 {
			na, nb := strings.TrimLeft(a[:da], "0"), strings.TrimLeft(b[:db], "0")
			if c := cmpInt(len(na), len(nb)); c != 0 {
				return c
			}
			if c := strings.Compare(na, nb); c != 0 {
				return c
			}
			a, b = a[da:], b[db:]
			continue
		}
		if a[0] != b[0] {
			return cmpInt(int(a[0]), int(b[0]))
		}
		a, b = a[1:], b[1:]
	}
	return cmpInt(len(a), len(b))
}

func digitsPrefix(s string) int {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return i
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// printVerdicts prints the table and the summary; 0 when all passed.
func printVerdicts(env *cliEnv, res *client.JudgeResponse) int {
	if res.Status == client.StatusCompileError {
		if res.Compile != nil {
			writeString(env.stderr, res.Compile.Stdout, res.Compile.Stderr)
		}
		return env.failf("compilation failed (CE)")
	}
	w := tabwriter.NewWriter(env.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "TEST\tVERDICT\tTIME\tWALL\tMEMORY\tPOINTS")
	for _, t := range res.Tests {
		fmt.Fprintf(w, "%s\t%s\t%v\t%v\t%s\t%s\n", t.Name, t.Verdict, short(t.CPUTime), short(t.WallTime), mib(t.Memory), formatPoints(t.Points))
	}
	w.Flush()
	for _, t := range res.Tests {
		if why := oneLine(cmpOr(t.CheckerMessage, t.Message)); t.Verdict != client.VerdictAccepted && why != "" {
			fmt.Fprintf(env.stdout, "%s: %s: %s\n", t.Name, t.Verdict, why)
		}
	}
	fmt.Fprintf(env.stdout, "%s: %d/%d tests passed, score %s/%s, max time %v, max memory %s\n",
		res.Status, res.Passed, res.Total, formatPoints(res.Score), formatPoints(res.MaxScore), short(res.MaxCPUTime), mib(res.MaxMemory))
	if res.Status != client.VerdictAccepted {
		return 1
	}
	return 0
}

func formatPoints(p float64) string { return strconv.FormatFloat(p, 'g', 6, 64) }
