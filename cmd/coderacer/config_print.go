package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// printConfig is `coderacer config [flags]`: the configuration serve would
// run with (environment, then flags, then defaults), one VAR=value a line.
// It checks the configuration as serve does. Secrets (API keys) are
// redacted: the output may end up in a bug report.
func printConfig(args []string, w io.Writer) error {
	cfg, err := parseServeConfig(args, os.Getenv)
	if errors.Is(err, errHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, s := range cfg.settings() {
		value := s.value.String()
		if v, ok := s.value.(interface{ shown() string }); ok {
			value = v.shown()
		}
		if strings.ContainsAny(value, " \t\n\"'$") {
			value = fmt.Sprintf("%q", value)
		}
		if _, err := fmt.Fprintf(w, "%s=%s\n", s.env, value); err != nil {
			return err
		}
	}
	return nil
}
