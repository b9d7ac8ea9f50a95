package main

import (
	"fmt"
	"io"
	"slices"

	"github.com/coderacer/coderacer/internal/langs"
	"github.com/coderacer/coderacer/runtimes"
)

// listPackages prints what scripts/setup.sh installs: the languages are
// data, so the list of packages is too. Without arguments it prints the
// Debian packages of the core runtimes; with --all, those of every runtime
// and of their libraries; with --libraries, those of the core runtimes and
// of their libraries; with --npm, the npm registry's packages
// (name@version) instead.
func listPackages(args []string, w io.Writer) error {
	all, libraries, npm := false, false, false
	for _, a := range args {
		switch a {
		case "--all", "-all":
			all = true
		case "--libraries", "-libraries":
			libraries = true
		case "--npm", "-npm":
			npm = true
		default:
			return fmt.Errorf("packages: unknown argument %q (usage: coderacer packages [--all] [--libraries] [--npm])", a)
		}
	}
	catalog, err := langs.Load(runtimes.Files)
	if err != nil {
		return err
	}
	var pkgs []string
	switch {
	case npm:
		pkgs = catalog.NPMPackages(all)
	case all || libraries:
		pkgs = catalog.Packages(all)
		for _, p := range catalog.LibraryPackages(all) {
			if !slices.Contains(pkgs, p) {
				pkgs = append(pkgs, p)
			}
		}
	default:
		pkgs = catalog.Packages(false)
	}
	for _, p := range pkgs {
		fmt.Fprintln(w, p)
	}
	return nil
}
