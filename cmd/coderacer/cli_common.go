package main

// What the client subcommands (run, judge, runtimes --server) share: the
// server and its key, the source files, the language of a file, the
// parsing of flags among file names.

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/coderacer/coderacer/client"
)

// defaultServerURL is the server of the client subcommands when neither
// --server nor CODERACER_URL names one.
const defaultServerURL = "http://localhost:8000"

// maxSourceBytes bounds what the client subcommands read of their files
// (sources, tests, stdin) together: the server takes 8 MiB a request by
// default, 32 MiB for a judge; a file far larger is a mistake.
const maxSourceBytes = 256 << 20

// cliEnv is the world of a client subcommand: its streams, environment
// and signals, so that tests can run one in-process.
type cliEnv struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
	// terminal tells whether stdin is a terminal.
	terminal bool
	// signals delivers SIGINT and SIGTERM to an interactive run.
	signals <-chan os.Signal
}

// failf prints a one-line reason and returns the exit code 1.
func (e *cliEnv) failf(format string, args ...any) int {
	fmt.Fprintf(e.stderr, "coderacer: "+format+"\n", args...)
	return 1
}

// isTerminal tells whether f is a terminal (a tty answers TCGETS).
func isTerminal(f *os.File) bool {
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}

// serverFlags are the flags that choose the server and the key.
type serverFlags struct {
	url, key string
}

func (s *serverFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&s.url, "server", "", "the server's URL (default $CODERACER_URL, else "+defaultServerURL+")")
	fs.StringVar(&s.key, "key", "", "the API key (default $CODERACER_API_KEY)")
}

// client makes the API client: the flags, else the environment, else
// the defaults.
func (s *serverFlags) client(getenv func(string) string) (*client.Client, error) {
	url := cmpOr(s.url, getenv("CODERACER_URL"), defaultServerURL)
	key := cmpOr(s.key, getenv("CODERACER_API_KEY"))
	return client.New(url, client.WithAPIKey(key), client.WithUserAgent("coderacer-cli/"+version))
}

// limitFlags are the run limits a command may ask for; zero: the
// server's default. Above the server's maximum is the server's 400.
type limitFlags struct {
	wall, cpu time.Duration
	memoryMiB int64
}

func (l *limitFlags) register(fs *flag.FlagSet) {
	fs.DurationVar(&l.wall, "wall-time", 0, "the wall time limit, e.g. 30s (default: the server's, 3s unless configured)")
	fs.DurationVar(&l.cpu, "cpu-time", 0, "the CPU time limit (default: the server's)")
	fs.Int64Var(&l.memoryMiB, "memory", 0, "the memory limit in MiB (default: the server's)")
}

// limits is the request's limits, nil when none is asked for.
func (l *limitFlags) limits() *client.Limits {
	if l.wall <= 0 && l.cpu <= 0 && l.memoryMiB <= 0 {
		return nil
	}
	return &client.Limits{WallTimeMs: max(l.wall.Milliseconds(), 0), CPUTimeMs: max(l.cpu.Milliseconds(), 0),
		MemoryBytes: min(max(l.memoryMiB, 0), 1<<40) << 20}
}

func cmpOr(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

// parseInterleaved parses fs's flags wherever they stand among the
// positional arguments (coderacer run main.c --stdin in.txt). "--args"
// or "--" ends them: the arguments after it are returned as rest.
func parseInterleaved(fs *flag.FlagSet, args []string) (positional, rest []string, err error) {
	for i, a := range args {
		if a == "--args" || a == "--" {
			args, rest = args[:i], slices.Clone(args[i+1:])
			break
		}
	}
	for {
		if err := fs.Parse(args); err != nil {
			return nil, nil, err
		}
		if fs.NArg() == 0 {
			return positional, rest, nil
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// readSources reads the files of a submission. The first is the
// entrypoint; each is named by its path relative to the entrypoint's
// directory when it lies under it (sub-directories are kept), else by
// its base name.
func readSources(paths []string) ([]client.File, error) {
	if len(paths) == 0 {
		return nil, errors.New("no source file given")
	}
	dir := filepath.Dir(paths[0])
	files := make([]client.File, 0, len(paths))
	seen := map[string]string{}
	total := 0
	for _, p := range paths {
		data, err := readBounded(p, maxSourceBytes-total)
		if err != nil {
			return nil, err
		}
		total += len(data)
		name := sourceName(dir, p)
		if other, dup := seen[name]; dup {
			return nil, fmt.Errorf("%s and %s would both be %q on the server; rename one", other, p, name)
		}
		seen[name] = p
		files = append(files, client.File{Name: name, Content: string(data)})
	}
	return files, nil
}

// sourceName is the name of file p on the server, relative to dir.
func sourceName(dir, p string) string {
	rel, err := filepath.Rel(dir, p)
	if err != nil || !filepath.IsLocal(rel) {
		return filepath.Base(p)
	}
	return filepath.ToSlash(rel)
}

// readBounded reads a file ("-": standard input is not taken here) of at
// most limit bytes.
func readBounded(path string, limit int) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readAllBounded(f, path, limit)
}

func readAllBounded(r io.Reader, name string, limit int) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, int64(limit)+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	if len(data) > limit {
		return nil, fmt.Errorf("%s: too large (the files of one run may hold %d MiB together)", name, maxSourceBytes>>20)
	}
	return data, nil
}

// guessLanguage tells the language of file by its extension among the
// server's runtimes: the runtime whose usual entrypoint has it, else the
// one called by it (its language or an alias). When several runtimes
// have it (.c: c, c-clang, tcc), the one also called by it wins; if none
// or several are, the error names them.
func guessLanguage(rts []client.Runtime, file string) (string, error) {
	ext := strings.ToLower(strings.TrimPrefix(filepath.Ext(file), "."))
	if ext == "" {
		return "", fmt.Errorf("cannot tell the language of %s: it has no extension; give --language", file)
	}
	var byEntry, byName []string
	for _, rt := range rts {
		if strings.EqualFold(strings.TrimPrefix(filepath.Ext(rt.Entrypoint), "."), ext) {
			byEntry = append(byEntry, rt.Language)
		}
		if strings.EqualFold(rt.Language, ext) || slices.ContainsFunc(rt.Aliases, func(a string) bool { return strings.EqualFold(a, ext) }) {
			byName = append(byName, rt.Language)
		}
	}
	// Several versions of one language are one language.
	byEntry, byName = slices.Compact(byEntry), slices.Compact(byName)
	found := byEntry
	if len(found) == 0 {
		found = byName
	}
	if len(found) > 1 {
		if named := slices.DeleteFunc(slices.Clone(found), func(l string) bool { return !slices.Contains(byName, l) }); len(named) == 1 {
			found = named
		}
	}
	switch len(found) {
	case 0:
		return "", fmt.Errorf("no runtime of the server takes .%s files (coderacer runtimes --server URL lists them); give --language", ext)
	case 1:
		return found[0], nil
	}
	return "", fmt.Errorf(".%s is the extension of %s; say which with --language", ext, strings.Join(found, " and "))
}

// languageOf is lang, or the language guessed for file from the server's
// runtimes.
func languageOf(ctx context.Context, c *client.Client, lang, file string) (string, error) {
	if lang != "" {
		return lang, nil
	}
	rts, err := c.Runtimes(ctx)
	if err != nil {
		return "", fmt.Errorf("asking the server's runtimes to tell the language of %s: %w", file, err)
	}
	return guessLanguage(rts, file)
}
