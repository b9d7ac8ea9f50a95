package attack

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coderacer/coderacer/test/testserver"
)

// netRequest is a v1 request with the "network" field.
type netRequest struct {
	testserver.Request
	Network any `json:"network,omitempty"`
}

// slowPython is a python3 request with 10 s of wall time: probes that
// should fail at once must show it rather than hit the limit.
func slowPython(src string) testserver.Request {
	r := python(src)
	r.Limits = &testserver.Limits{WallTimeMs: 10000}
	return r
}

// probePrelude is the top of the network-run probes: probe(label, host,
// port) prints "label <first line the server sent>" or "label <errno
// name>" ("TIMEOUT" when nothing answered in 2 s).
const probePrelude = `import errno, json, socket, sys, time
def probe(label, host, port, fam=socket.AF_INET):
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(2)
    t0 = time.time()
    try:
        s.connect((host, port))
        data = s.recv(200).decode().split("\n")[0]
        r = "CONNECTED " + data if data else "CONNECTED"
    except socket.timeout:
        r = "TIMEOUT"
    except OSError as e:
        r = errno.errorcode.get(e.errno, str(e.errno))
    finally:
        s.close()
    if time.time() - t0 > 0.5:
        r += " after %.1fs" % (time.time() - t0)
    print(label, r, flush=True)
def gateway():
    for line in open("/proc/net/route").read().splitlines()[1:]:
        f = line.split()
        if f[1] == "00000000":
            g = int(f[2], 16)
            return ".".join(str((g >> s) & 255) for s in (0, 8, 16, 24))
    return "none"
`

// TestNetworkRequestRefused: a server started without DISABLE_NETWORKING=0
// (the suite's) answers "network": true with a 400 and a JSON error that
// says why; "network": false and null are the default, and a non-boolean
// is a 400 naming the field.
func TestNetworkRequestRefused(t *testing.T) {
	hello := testserver.Bash("echo hi\n")
	code, r := testserver.Execute(t, srv, netRequest{Request: hello, Network: true})
	if code != http.StatusBadRequest || !strings.Contains(r.Error, "network access is not enabled on this server") {
		t.Errorf(`"network": true on a server without network: %d %s, want 400 "network access is not enabled on this server..."`, code, r)
	}
	for _, v := range []any{false, json.RawMessage("null")} {
		code, r := testserver.Execute(t, srv, netRequest{Request: hello, Network: v})
		if code != http.StatusOK || r.Status != "OK" || r.Stdout != "hi\n" {
			t.Errorf(`"network": %v: %d %s, want an ordinary OK run`, v, code, r)
		}
	}
	code, r = testserver.Execute(t, srv, netRequest{Request: hello, Network: "yes"})
	if code != http.StatusBadRequest || r.Error != "network must be a boolean, not a string" {
		t.Errorf(`"network": "yes": %d %s, want 400 "network must be a boolean, not a string"`, code, r)
	}
}

// networkServerEnv enables network runs with the fake internet's
// nameserver and the default deny list plus the fake denied range.
func networkServerEnv() map[string]string {
	deny := "0.0.0.0/8,10.0.0.0/8,100.64.0.0/10,127.0.0.0/8,172.16.0.0/12,192.168.0.0/16,224.0.0.0/4,240.0.0.0/4,198.51.100.0/24"
	return map[string]string{
		"CODERACER_PARALLELISM":  "2",
		"DISABLE_NETWORKING":     "0",
		"CODERACER_NETWORK_DNS":  fakeDNS,
		"CODERACER_NETWORK_DENY": deny,
		// 64 boxes' /30s: testRunsIsolated tries them all.
		"CODERACER_NETWORK_SUBNET": fakePool,
	}
}

// TestNetworkRequest: with DISABLE_NETWORKING=0, "network": true reaches
// the (fake) internet and nothing else: not the host (its loopback, its
// addresses, the engine's port), not the metadata address, not a denied
// range (default or configured), not another network run; the nameserver
// is reachable on port 53 only. A run without the field keeps only its
// loopback. Once the server stops, its table and veths are gone.
func TestNetworkRequest(t *testing.T) {
	fake := newFakeNet(t)
	host := newHostListeners(t)
	before := readHostState(t)
	if before.table || len(before.veths) > 0 {
		t.Fatalf("network state of another server on this host before the test: table=%v veths=%v", before.table, before.veths)
	}
	s, err := testserver.Start(srv.Bin, srv.Root, testserver.Options{Name: "network", Env: networkServerEnv()})
	if err != nil {
		t.Fatal(err)
	}
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			s.Kill()
		}
	})
	if err := s.WaitHealthy(testserver.HealthTimeout); err != nil {
		t.Fatalf("%v\n%s", err, s.LogTail(8<<10))
	}
	fake.guardPool(t)

	t.Run("ReachesTheFakeInternet", func(t *testing.T) { testReachesFakeInternet(t, s, fake) })
	t.Run("DefaultHasNoNetwork", func(t *testing.T) { testDefaultNoNetwork(t, s, fake) })
	t.Run("ForbiddenDestinations", func(t *testing.T) { testForbiddenDestinations(t, s, fake, host) })
	t.Run("NetworkRunsCannotTalk", func(t *testing.T) { testRunsIsolated(t, s) })
	t.Run("SocketMemoryBounded", func(t *testing.T) { testNetworkSocketMemory(t, s) })
	t.Run("CompileCacheNotShared", func(t *testing.T) { testNetworkCompileCache(t, s) })
	t.Run("SecondNetworkServerRefused", func(t *testing.T) { testSecondServerRefused(t) })
	t.Run("Latency", func(t *testing.T) { testNetworkLatency(t, s) })

	if err := s.Stop(testserver.StopTimeout); err != nil {
		t.Error(err)
	}
	stopped = true
	waitNoLeftovers(t)
	t.Run("SubnetInUseRefused", testSubnetInUseRefused)
	waitNoLeftovers(t)
}

// testSubnetInUseRefused: a network subnet the host routes already (here
// the fake internet's) is refused at start-up, naming the route.
func testSubnetInUseRefused(t *testing.T) {
	env := networkServerEnv()
	env["CODERACER_NETWORK_SUBNET"] = "203.0.113.0/28"
	s, err := testserver.Start(srv.Bin, srv.Root, testserver.Options{Name: "network-subnet", Env: env})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for !s.HasExited() && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if !s.HasExited() {
		s.Kill()
		t.Fatalf("a server whose network subnet the host routes started")
	}
	if log := s.LogTail(4 << 10); !strings.Contains(log, "network subnet 203.0.113.0/28 overlaps the host's route \"203.0.113.0/24 dev crti") {
		t.Errorf("the error does not name the route in the way:\n%s", log)
	}
}

func testReachesFakeInternet(t *testing.T, s *testserver.Server, fake *fakeNet) {
	src := probePrelude + fmt.Sprintf(`probe("inet", %q, %d)
print("resolv", json.dumps(open("/etc/resolv.conf").read()))
try:
    print("name", socket.gethostbyname(%q))
except OSError as e:
    print("name", type(e).__name__, e)
probe("by-name", %[3]q, %[2]d)
`, fakeInet, fakePort, fakeName)
	r := testserver.MustExecute(t, s, netRequest{Request: python(src), Network: true})
	// The fake internet sees the host's address: the run is masqueraded.
	want := fmt.Sprintf("inet CONNECTED %s from %s\nresolv %q\nname %s\nby-name CONNECTED %[1]s from %[2]s\n", fakeGreeting, fakeInetHost,
		"# written by Code Racer for network runs\nnameserver "+fakeDNS+"\n", fakeInet)
	if r.Status != "OK" || r.Stdout != want {
		t.Errorf("network run: %s\nwant stdout %q", r, want)
	}
}

func testDefaultNoNetwork(t *testing.T, s *testserver.Server, fake *fakeNet) {
	hits := fake.hits.Load()
	src := probePrelude + fmt.Sprintf(`probe("inet", %q, %d)
probe("dns", %q, 53)
`, fakeInet, fakePort, fakeDNS)
	r := testserver.MustExecute(t, s, python(src))
	// Only loopback in the run's namespace: no route at all.
	if want := "inet ENETUNREACH\ndns ENETUNREACH\n"; r.Status != "OK" || r.Stdout != want {
		t.Errorf("run without \"network\": %s\nwant stdout %q", r, want)
	}
	if n := fake.hits.Load() - hits; n != 0 {
		t.Errorf("the fake internet accepted %d connections from a run without network", n)
	}
}

func testForbiddenDestinations(t *testing.T, s *testserver.Server, fake *fakeNet, host *hostListeners) {
	fakeHits, hostHits := fake.hits.Load(), host.hits.Load()
	var b strings.Builder
	b.WriteString(probePrelude)
	fmt.Fprintf(&b, "probe(\"own-loopback\", \"127.0.0.1\", %d)\n", host.loopPort)
	fmt.Fprintf(&b, "probe(\"gateway-engine\", gateway(), %d)\n", s.Port)
	fmt.Fprintf(&b, "probe(\"gateway-listener\", gateway(), %d)\n", host.addrPort)
	fmt.Fprintf(&b, "probe(\"host-addr-listener\", %q, %d)\n", fakeInetHost, host.addrPort)
	want := "own-loopback ECONNREFUSED\ngateway-engine ECONNREFUSED\ngateway-listener ECONNREFUSED\nhost-addr-listener ECONNREFUSED\n"
	for i, a := range hostIPv4s(t) {
		fmt.Fprintf(&b, "probe(\"host-%d-engine\", %q, %d)\n", i, a, s.Port)
		want += fmt.Sprintf("host-%d-engine ECONNREFUSED\n", i)
	}
	for _, d := range []struct {
		label, addr string
		port        int
		outcome     string
	}{
		{"metadata", fakeMetadata, 80, "ECONNREFUSED"},
		{"private", fakePrivate, fakePort, "ECONNREFUSED"},
		{"configured-deny", fakeDenied, fakePort, "ECONNREFUSED"},
		{"dns-web", fakeDNS, 80, "ECONNREFUSED"},
		// The nameserver is denied (10/8) but reachable on port 53.
		{"dns-53", fakeDNS, 53, "CONNECTED dns-port from " + fakeInetHost},
	} {
		fmt.Fprintf(&b, "probe(%q, %q, %d)\n", d.label, d.addr, d.port)
		want += d.label + " " + d.outcome + "\n"
	}
	// No IPv6 at all in a network run.
	b.WriteString(`probe("ipv6", "2001:db8::1", 80, socket.AF_INET6)
print("ipv6-addrs", [l.split()[-1] for l in open("/proc/net/if_inet6") if not l.split()[-1] == "lo"])
`)
	want += "ipv6 ENETUNREACH\nipv6-addrs []\n"
	r := testserver.MustExecute(t, s, netRequest{Request: slowPython(b.String()), Network: true})
	if r.Status != "OK" || r.Stdout != want {
		t.Errorf("forbidden destinations: %s\nwant stdout %q", r, want)
	}
	if n := host.hits.Load() - hostHits; n != 0 {
		t.Errorf("the host's listeners accepted %d connections from a network run", n)
	}
	if n := fake.hits.Load() - fakeHits; n != 1 {
		t.Errorf("the fake internet accepted %d connections, want 1 (the nameserver's port 53)", n)
	}
}

// testRunsIsolated runs two network runs at once. Each listens on its
// eth0 address, checks it can reach itself there, then tries every box
// address of the pool (64 /30s), all while the other listens.
func testRunsIsolated(t *testing.T, s *testserver.Server) {
	src := probePrelude + `import threading
srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("0.0.0.0", 7777)); srv.listen(64)
accepted = []
def accept():
    while True:
        c, a = srv.accept(); accepted.append(a[0]); c.close()
threading.Thread(target=accept, daemon=True).start()
gw = gateway().split(".")
own = ".".join(gw[:3] + [str(int(gw[3]) + 1)])
start = time.time()
time.sleep(1)
outcomes = {}
for i in range(64):
    addr = "10.211.128.%d" % (i * 4 + 2)
    s = socket.socket(); s.settimeout(2)
    try:
        s.connect((addr, 7777)); r = "CONNECTED"
    except socket.timeout:
        r = "TIMEOUT"
    except OSError as e:
        r = errno.errorcode.get(e.errno, str(e.errno))
    s.close()
    key = "self" if addr == own else "other"
    outcomes.setdefault(key + " " + r, 0)
    outcomes[key + " " + r] += 1
time.sleep(1)
print(json.dumps({"start": start, "end": time.time(), "own": own, "outcomes": outcomes, "accepted": [a for a in accepted if a != own]}))
`
	type report struct {
		Start, End float64
		Own        string
		Outcomes   map[string]int
		Accepted   []string
	}
	var wg sync.WaitGroup
	reports := make([]report, 2)
	for i := range reports {
		wg.Go(func() {
			r := testserver.MustExecute(t, s, netRequest{Request: slowPython(src), Network: true})
			if r.Status != "OK" || json.Unmarshal([]byte(r.Stdout), &reports[i]) != nil {
				t.Errorf("network run %d: %s", i, r)
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	a, b := reports[0], reports[1]
	if a.Start > b.End || b.Start > a.End {
		t.Fatalf("the two network runs did not overlap: %+v %+v", a, b)
	}
	if a.Own == b.Own {
		t.Errorf("both runs had address %s", a.Own)
	}
	for i, r := range reports {
		want := map[string]int{"self CONNECTED": 1, "other ECONNREFUSED": 63}
		if fmt.Sprint(r.Outcomes) != fmt.Sprint(want) || len(r.Accepted) != 0 {
			t.Errorf("run %d (%s): outcomes %v, accepted from %v; want %v and nothing accepted from others", i, r.Own, r.Outcomes, r.Accepted, want)
		}
	}
}

// testNetworkSocketMemory: a network box is accounted like any other:
// 120 TCP connections never read, under a 32 MiB limit, are bounded by it
// and counted (see TestSocketMemory).
func testNetworkSocketMemory(t *testing.T, s *testserver.Server) {
	req := withLimits(cProgram(socketsCHeader+`int main(void) {
    shared_total();
    tcp_fill(120);
    printf("%ld MiB in tcp\n", *total >> 20);
    return 0;
}
`), testserver.Limits{MemoryBytes: 32 * resourcesMiB})
	r := testserver.MustExecute(t, s, netRequest{Request: req, Network: true})
	if r.Status != "MLE" && r.Status != "OK" {
		t.Fatalf("status %s, want MLE or OK: %s", r.Status, r)
	}
	socketsBounded(32, "tcp")(t, r)
}

// testNetworkCompileCache: a compile with network may observe what the
// cache key does not hold, so its artifact is neither taken from the
// compile cache nor put in it; the same source without network is
// compiled, then cached as usual.
func testNetworkCompileCache(t *testing.T, s *testserver.Server) {
	src := "// " + testserver.RandomHex(8) + "\nint main(void) { puts(\"hi\"); return 0; }\n"
	for i, step := range []struct {
		network, cached bool
	}{{true, false}, {true, false}, {false, false}, {false, true}, {true, false}} {
		r := testserver.MustExecute(t, s, netRequest{Request: cProgram(src), Network: step.network})
		if r.Status != "OK" || r.Stdout != "hi\n" || r.Compile == nil || r.Compile.Cached != step.cached {
			t.Errorf("run %d (network %v): want OK, compile cached=%v: %s", i, step.network, step.cached, r)
		}
	}
}

// testSecondServerRefused: a second server with network on the same host
// does not start (the table is one per host) and says why.
func testSecondServerRefused(t *testing.T) {
	env := networkServerEnv()
	env["CODERACER_PARALLELISM"] = "1"
	s2, err := testserver.Start(srv.Bin, srv.Root, testserver.Options{Name: "network-second", Env: env})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for !s2.HasExited() && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if !s2.HasExited() {
		s2.Kill()
		t.Fatalf("a second server with network started beside the first")
	}
	if log := s2.LogTail(4 << 10); !strings.Contains(log, "has network runs enabled; only one may") {
		t.Errorf("second network server's error does not say why:\n%s", log)
	}
}

// testNetworkLatency measures what a network run costs over an ordinary
// one (a fresh box and a veth pair, not a pre-forked box), median of 10.
func testNetworkLatency(t *testing.T, s *testserver.Server) {
	hello := testserver.Bash("echo hi\n")
	median := func(network bool) time.Duration {
		var d []time.Duration
		for range 10 {
			r := testserver.MustExecute(t, s, netRequest{Request: hello, Network: network})
			if r.Status != "OK" {
				t.Fatalf("hello (network %v): %s", network, r)
			}
			d = append(d, r.Elapsed)
		}
		for i := range d {
			for j := i + 1; j < len(d); j++ {
				if d[j] < d[i] {
					d[i], d[j] = d[j], d[i]
				}
			}
		}
		return d[len(d)/2]
	}
	plain, withNet := median(false), median(true)
	t.Logf("median of 10 hello worlds: %v without network, %v with network (+%v)", plain, withNet, withNet-plain)
	if withNet > plain+500*time.Millisecond {
		t.Errorf("a network run costs %v more than an ordinary one, want < 500ms", withNet-plain)
	}
}
