package attack

import (
	"testing"

	"github.com/coderacer/coderacer/test/testserver"
)

// ownServer starts a server of the suite's binary with settings of its
// own, waits for it to be healthy and stops it (cleanly, or the test
// fails) when t ends. The suite's leftover check covers it too.
func ownServer(t *testing.T, name string, env map[string]string) *testserver.Server {
	t.Helper()
	s, err := testserver.Start(srv.Bin, srv.Root, testserver.Options{Name: name, Env: env})
	if err != nil {
		t.Fatalf("starting the %s server: %v", name, err)
	}
	t.Cleanup(func() {
		if err := s.Stop(testserver.StopTimeout); err != nil {
			t.Error(err)
		}
	})
	if err := s.WaitHealthy(testserver.HealthTimeout); err != nil {
		t.Fatalf("%v\n%s", err, s.LogTail(8<<10))
	}
	return s
}
