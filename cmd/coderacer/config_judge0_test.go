package main

import (
	"slices"
	"testing"

	"github.com/coderacer/coderacer/internal/api"
)

func TestJudge0Settings(t *testing.T) {
	quietUsage(t)
	c, err := parseServeConfig([]string{"-judge0-prefix=/", "-judge0-auth-users=a-token, b-token", "-judge0-cpu-time-limit=2"}, noEnv)
	if err != nil {
		t.Fatal(err)
	}
	o := c.judge0Options()
	if o.Prefix != "/" || !slices.Equal(o.AuthUsers, []string{"a-token", "b-token"}) || o.Config.CPUTimeLimit != 2 || o.AllowNetwork {
		t.Errorf("options %+v", o)
	}
	if d := defaultServeConfig().judge0Options(); d.Prefix != api.DefaultJudge0Prefix || len(d.AuthUsers) != 0 || d.Config.MaxCPUTimeLimit != 15 {
		t.Errorf("defaults %+v", d)
	}
	for _, bad := range [][]string{
		{"-judge0-prefix=judge0"}, {"-judge0-prefix=/judge0/"}, {"-judge0-prefix=/api/judge0"}, {"-judge0-prefix=/a/{x}"},
		{"-judge0-cpu-time-limit=20"}, {"-judge0-memory-limit=1000"}, {"-judge0-max-number-of-runs=0"},
		{"-judge0-auth-users=has space"},
	} {
		if _, err := parseServeConfig(bad, noEnv); err == nil {
			t.Errorf("%v: accepted", bad)
		}
	}
}
