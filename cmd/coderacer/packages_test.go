package main

import (
	"bytes"
	"slices"
	"strings"
	"testing"
)

// The libraries' packages come with --all (the test suite's set-up) and
// --libraries, never with the core set-up.
func TestListPackages(t *testing.T) {
	list := func(args ...string) []string {
		t.Helper()
		var b bytes.Buffer
		if err := listPackages(args, &b); err != nil {
			t.Fatalf("packages %v: %v", args, err)
		}
		return strings.Fields(b.String())
	}
	has := func(pkgs []string, name string) bool { return slices.Contains(pkgs, name) }
	core, libs, all := list(), list("--libraries"), list("--all")
	for _, tc := range []struct {
		name            string
		pkgs            []string
		numpy, gmp, ghc bool
	}{
		{"core", core, false, true, false},
		{"--libraries", libs, true, true, false},
		{"--all", all, true, true, true},
		{"--all --libraries", list("--all", "--libraries"), true, true, true},
	} {
		if has(tc.pkgs, "python3-numpy") != tc.numpy || has(tc.pkgs, "libgmp-dev") != tc.gmp || has(tc.pkgs, "ghc") != tc.ghc {
			t.Errorf("packages %s: python3-numpy %v, libgmp-dev %v, ghc %v; want %v, %v, %v",
				tc.name, has(tc.pkgs, "python3-numpy"), has(tc.pkgs, "libgmp-dev"), has(tc.pkgs, "ghc"), tc.numpy, tc.gmp, tc.ghc)
		}
		seen := map[string]bool{}
		for _, p := range tc.pkgs {
			if seen[p] {
				t.Errorf("packages %s lists %s twice", tc.name, p)
			}
			seen[p] = true
		}
	}
	for _, p := range core {
		if !has(libs, p) || !has(all, p) {
			t.Errorf("core package %s missing from --libraries or --all", p)
		}
	}
	if err := listPackages([]string{"--everything"}, &bytes.Buffer{}); err == nil {
		t.Error("packages --everything: no error")
	}
}
