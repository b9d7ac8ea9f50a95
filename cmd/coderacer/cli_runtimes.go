package main

// coderacer runtimes [--server URL]: the languages of this machine (the
// local catalog, probed in sandboxes: root only), or those of a remote
// server with --server.

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"text/tabwriter"

	"github.com/coderacer/coderacer/client"
)

const runtimesUsage = `usage: coderacer runtimes [--server URL [--key KEY]]

Without --server: the languages that work on this machine (the server's
own probe of its toolchains, in sandboxes: needs root). With --server:
those a running server offers (GET /api/v1/runtimes). CODERACER_URL does
not switch it to a server; --server does.

flags:
`

// runtimesCommand is coderacer runtimes.
func runtimesCommand(args []string) error {
	fs := flag.NewFlagSet("runtimes", flag.ContinueOnError)
	var sf serverFlags
	sf.register(fs)
	fs.Usage = func() { fmt.Fprint(os.Stderr, runtimesUsage); fs.PrintDefaults() }
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return errors.New("runtimes: bad flags")
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("runtimes: unexpected argument %q", fs.Arg(0))
	}
	if sf.url == "" {
		return listRuntimes()
	}
	c, err := sf.client(os.Getenv)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return listRemoteRuntimes(ctx, c, os.Stdout)
}

// listRemoteRuntimes prints a server's runtimes as a table.
func listRemoteRuntimes(ctx context.Context, c *client.Client, out io.Writer) error {
	rts, err := c.Runtimes(ctx)
	if err != nil {
		return fmt.Errorf("%s: %w", c.BaseURL(), err)
	}
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "LANGUAGE\tVERSION\tEXTENSION\tCOMPILED\tALIASES")
	for _, rt := range rts {
		ext := filepath.Ext(rt.Entrypoint)
		compiled := "no"
		if rt.Compiled {
			compiled = "yes"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", rt.Language, rt.Version, cmpOr(ext, "-"), compiled, strings.Join(rt.Aliases, ", "))
	}
	return w.Flush()
}
