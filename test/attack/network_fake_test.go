package attack

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// fakeNet is an "internet" of the test's own on this machine: a network
// namespace joined to the host by a veth pair, in documentation ranges.
// Nothing is ever sent beyond this machine. Its addresses:
//
//	fakeInetHost  203.0.113.1   the host's end (a host address)
//	fakeInet      203.0.113.2   the fake internet's web server
//	fakeMetadata  169.254.169.254  a fake cloud metadata service
//	fakePrivate   192.168.233.2 a host in a private (denied) range
//	fakeDNS       10.77.0.53    a nameserver in a denied range (UDP 53 answers
//	                            fakeName; TCP 53 and 80 greet)
//	fakeDenied    198.51.100.9  a host in a range the test's server denies
//
// The host routes the last four through the namespace, and the network
// runs' pool too (see guardPool).
type fakeNet struct {
	ns, hostIf string
	hits       atomic.Int64 // connections accepted on any of its listeners
	closers    []func()
	guarded    bool // guardPool added its route
}

const (
	fakeInetHost = "203.0.113.1"
	fakeInet     = "203.0.113.2"
	fakeMetadata = "169.254.169.254"
	fakePrivate  = "192.168.233.2"
	fakeDNS      = "10.77.0.53"
	fakeDenied   = "198.51.100.9"
	fakePort     = 8080
	fakePool     = "10.211.128.0/24" // the test server's CODERACER_NETWORK_SUBNET
	fakeGreeting = "hello-from-fake-internet"
	// fakeName is what the fake internet's nameserver answers (with
	// fakeInet); .test is reserved for testing (RFC 2606).
	fakeName = "www.coderacer.test"
)

// newFakeNet builds the fake internet; it is removed when t ends, whatever
// happened.
func newFakeNet(t *testing.T) *fakeNet {
	t.Helper()
	for _, tool := range []string{"/usr/sbin/ip", "/usr/sbin/nft"} {
		if _, err := os.Stat(tool); err != nil {
			t.Fatalf("%s is missing: install iproute2 and nftables (scripts/setup.sh)", tool)
		}
	}
	id := os.Getpid() % 100000
	f := &fakeNet{ns: fmt.Sprintf("crtest-inet-%d", id), hostIf: fmt.Sprintf("crti%d", id)}
	t.Cleanup(f.remove)
	steps := [][]string{
		{"netns", "add", f.ns},
		{"link", "add", f.hostIf, "type", "veth", "peer", "name", "eth0", "netns", f.ns},
		{"addr", "add", fakeInetHost + "/24", "dev", f.hostIf},
		{"link", "set", f.hostIf, "up"},
		{"-n", f.ns, "link", "set", "lo", "up"},
		{"-n", f.ns, "addr", "add", fakeInet + "/24", "dev", "eth0"},
		{"-n", f.ns, "link", "set", "eth0", "up"},
		{"-n", f.ns, "route", "add", "default", "via", fakeInetHost},
	}
	for _, extra := range []string{fakeMetadata, fakePrivate, fakeDNS, fakeDenied} {
		steps = append(steps,
			[]string{"-n", f.ns, "addr", "add", extra + "/32", "dev", "lo"},
			[]string{"route", "add", extra + "/32", "via", fakeInet, "dev", f.hostIf})
	}
	for _, s := range steps {
		if out, err := exec.Command("/usr/sbin/ip", s...).CombinedOutput(); err != nil {
			t.Fatalf("ip %s: %v: %s", strings.Join(s, " "), err, out)
		}
	}
	for _, l := range []struct {
		addr  string
		port  int
		greet string
	}{
		{fakeInet, fakePort, fakeGreeting}, {fakeMetadata, 80, "metadata-secret"},
		{fakePrivate, fakePort, "private-host"}, {fakeDNS, 53, "dns-port"},
		{fakeDNS, 80, "dns-host-web"}, {fakeDenied, fakePort, "denied-host"},
	} {
		ln, err := f.listenInNS(net.JoinHostPort(l.addr, fmt.Sprint(l.port)))
		if err != nil {
			t.Fatalf("listen in the fake internet: %v", err)
		}
		f.serve(ln, l.greet)
	}
	var dns net.PacketConn
	if err := f.inNS(func() (err error) {
		dns, err = net.ListenPacket("udp4", net.JoinHostPort(fakeDNS, "53"))
		return err
	}); err != nil {
		t.Fatalf("DNS server in the fake internet: %v", err)
	}
	f.closers = append(f.closers, func() { dns.Close() })
	go serveDNS(dns, fakeName, net.ParseIP(fakeInet).To4())
	return f
}

// serveDNS answers an A query for name with addr, a query for another
// name with NXDOMAIN: just enough of RFC 1035 for a resolver's lookup.
func serveDNS(pc net.PacketConn, name string, addr net.IP) {
	buf := make([]byte, 512)
	for {
		n, from, err := pc.ReadFrom(buf)
		if err != nil {
			return
		}
		q := buf[:n]
		// Header (12 bytes), then one question: labels up to a 0, type, class.
		end := 12
		var labels []string
		for end < n && q[end] != 0 {
			l := int(q[end])
			if end+1+l > n {
				break
			}
			labels = append(labels, string(q[end+1:end+1+l]))
			end += 1 + l
		}
		end += 5 // the 0, type and class
		if n < 12 || end > n {
			continue
		}
		qtype := int(q[end-4])<<8 | int(q[end-3])
		resp := append([]byte{}, q[:end]...)
		resp[2], resp[3] = 0x81, 0x80                   // a response, recursion available, no error
		resp[6], resp[7], resp[8], resp[9] = 0, 0, 0, 0 // no answer yet; no authority
		resp[10], resp[11] = 0, 0
		switch {
		case !strings.EqualFold(strings.Join(labels, "."), name):
			resp[3] = 0x83 // NXDOMAIN
		case qtype == 1: // A; any other type of the name has no data
			resp[7] = 1
			resp = append(resp, 0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4)
			resp = append(resp, addr...)
		}
		pc.WriteTo(resp, from)
	}
}

// listenInNS opens a TCP listener inside the fake internet's namespace.
func (f *fakeNet) listenInNS(addr string) (net.Listener, error) {
	var ln net.Listener
	err := f.inNS(func() (err error) {
		ln, err = net.Listen("tcp4", addr)
		return err
	})
	return ln, err
}

// inNS runs open in the fake internet's namespace: a thread of ours
// enters it, opens (sockets stay in that namespace) and comes back. A
// thread that cannot come back is never unlocked, so Go ends it.
func (f *fakeNet) inNS(open func() error) error {
	type result struct{ err error }
	done := make(chan result, 1)
	go func() {
		runtime.LockOSThread()
		home, err := unix.Open("/proc/thread-self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			runtime.UnlockOSThread()
			done <- result{err: err}
			return
		}
		defer unix.Close(home)
		target, err := unix.Open("/run/netns/"+f.ns, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			runtime.UnlockOSThread()
			done <- result{err: err}
			return
		}
		defer unix.Close(target)
		if err := unix.Setns(target, unix.CLONE_NEWNET); err != nil {
			runtime.UnlockOSThread()
			done <- result{err: fmt.Errorf("setns: %w", err)}
			return
		}
		err = open()
		if unix.Setns(home, unix.CLONE_NEWNET) == nil {
			runtime.UnlockOSThread()
		}
		done <- result{err}
	}()
	return (<-done).err
}

// serve answers every connection with greet and counts it.
func (f *fakeNet) serve(ln net.Listener, greet string) {
	f.closers = append(f.closers, func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			f.hits.Add(1)
			fmt.Fprintf(c, "%s from %s\n", greet, c.RemoteAddr().(*net.TCPAddr).IP)
			c.Close()
		}
	}()
}

// remove deletes the namespace (its veth pair and the host's routes
// through it go with it).
func (f *fakeNet) remove() {
	for _, c := range f.closers {
		c()
	}
	_ = exec.Command("/usr/sbin/ip", "netns", "del", f.ns).Run()
	_ = exec.Command("/usr/sbin/ip", "link", "del", f.hostIf).Run()
	if f.guarded {
		_ = exec.Command("/usr/sbin/ip", "route", "del", fakePool, "via", fakeInet).Run()
	}
}

// guardPool routes the network runs' pool into the fake internet (which
// forwards nothing) once the server runs (before, the server would refuse
// a subnet the host routes): should the server's rules fail, what a run
// sends to the pool's unused addresses still stays on this machine. The
// server's /30 routes are more specific. Not an unreachable route: the
// kernel would answer before the server's rules see the packet, with
// rate-limited ICMP errors.
func (f *fakeNet) guardPool(t *testing.T) {
	t.Helper()
	if out, err := exec.Command("/usr/sbin/ip", "route", "add", fakePool, "via", fakeInet, "dev", f.hostIf).CombinedOutput(); err != nil {
		t.Fatalf("ip route add %s via %s: %v: %s", fakePool, fakeInet, err, out)
	}
	f.guarded = true
}

// hostListeners are listeners on the host a network run must never reach:
// on its loopback and on its fake-internet address, counting accepts.
type hostListeners struct {
	loopPort, addrPort int
	hits               atomic.Int64
	closers            []func()
}

func newHostListeners(t *testing.T) *hostListeners {
	t.Helper()
	h := &hostListeners{}
	t.Cleanup(func() {
		for _, c := range h.closers {
			c()
		}
	})
	for _, addr := range []string{"127.0.0.1:0", fakeInetHost + ":0"} {
		ln, err := net.Listen("tcp4", addr)
		if err != nil {
			t.Fatalf("host listener: %v", err)
		}
		h.closers = append(h.closers, func() { ln.Close() })
		if strings.HasPrefix(addr, "127.") {
			h.loopPort = ln.Addr().(*net.TCPAddr).Port
		} else {
			h.addrPort = ln.Addr().(*net.TCPAddr).Port
		}
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				h.hits.Add(1)
				c.Close()
			}
		}()
	}
	return h
}

// hostIPv4s are the host's own IPv4 addresses outside loopback.
func hostIPv4s(t *testing.T) []string {
	t.Helper()
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, a := range addrs {
		if ipn, ok := a.(*net.IPNet); ok && ipn.IP.To4() != nil && !ipn.IP.IsLoopback() {
			out = append(out, ipn.IP.String())
		}
	}
	return out
}

// hostState is what a network server may leave on the host: our nftables
// table and veths.
type hostState struct {
	table    bool
	veths    []string
	nftError string
}

func readHostState(t *testing.T) hostState {
	t.Helper()
	var s hostState
	out, err := exec.Command("/usr/sbin/nft", "list", "tables").CombinedOutput()
	if err != nil {
		s.nftError = fmt.Sprintf("%v: %s", err, out)
	}
	s.table = strings.Contains(string(out), "table inet coderacer\n")
	links, err := exec.Command("/usr/sbin/ip", "-o", "link", "show").Output()
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(strings.NewReader(string(links)))
	for sc.Scan() {
		if f := strings.Fields(sc.Text()); len(f) > 1 && strings.HasPrefix(f[1], "crnet") {
			s.veths = append(s.veths, strings.TrimSuffix(f[1], ":"))
		}
	}
	return s
}

// waitNoLeftovers waits up to 3 s for the server's network state to go.
func waitNoLeftovers(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for {
		s := readHostState(t)
		if !s.table && len(s.veths) == 0 && s.nftError == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the network server stopped: table inet coderacer present=%v, veths %v, nft error %q",
				s.table, s.veths, s.nftError)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
