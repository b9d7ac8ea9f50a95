package attack

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/coderacer/coderacer/test/testserver"
)

// networkPyPrelude is the top of the network category's Python programs:
// try(label, f) runs f and prints "label <what f returned>" or
// "label <errno name>" (socket.timeout as "TIMEOUT", getaddrinfo errors by
// their EAI_ name).
const networkPyPrelude = `import errno, os, socket, struct, sys
EAI = {v: k for k, v in vars(socket).items() if k.startswith("EAI_") and isinstance(v, int)}
def name(e):
    if isinstance(e, socket.timeout):
        return "TIMEOUT"
    if isinstance(e, socket.gaierror):
        return "gaierror " + EAI.get(e.errno, str(e.errno))
    if isinstance(e, OSError) and e.errno:
        return errno.errorcode.get(e.errno, str(e.errno))
    return type(e).__name__
def try_(label, f):
    try:
        r = f()
        print(label, "OK" if r is None else r, flush=True)
    except Exception as e:
        print(label, name(e), flush=True)
def tcp(fam, addr, timeout=2):
    def f():
        s = socket.socket(fam, socket.SOCK_STREAM)
        s.settimeout(timeout)
        try:
            s.connect(addr)
            return "CONNECTED"
        finally:
            s.close()
    return f
`

func networkPython(body string) testserver.Request {
	return python(networkPyPrelude + body)
}

// networkHost is what the test opens on the host's side: listeners the
// sandbox must never reach, each counting what it got.
type networkHost struct {
	tcp4, tcp6, udp4 int    // ports; tcp6 is 0 without IPv6 loopback
	abstract         string // abstract Unix socket name, without the @
	pathSock         string // a Unix socket file on the host
	hits             atomic.Int64
	closers          []func() error
}

func (h *networkHost) close() {
	for _, c := range h.closers {
		c()
	}
}

func (h *networkHost) countAccepts(l net.Listener) {
	h.closers = append(h.closers, l.Close)
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			h.hits.Add(1)
			conn.Close()
		}
	}()
}

func networkListen(t *testing.T) *networkHost {
	t.Helper()
	h := &networkHost{abstract: "coderacer-attack-" + testserver.RandomHex(8)}
	l4, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h.tcp4 = l4.Addr().(*net.TCPAddr).Port
	h.countAccepts(l4)
	if l6, err := net.Listen("tcp6", "[::1]:0"); err == nil {
		h.tcp6 = l6.Addr().(*net.TCPAddr).Port
		h.countAccepts(l6)
	} else {
		t.Logf("no IPv6 loopback on the host (%v): ::1 is tried on the engine's port only", err)
	}
	u4, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h.udp4 = u4.LocalAddr().(*net.UDPAddr).Port
	h.closers = append(h.closers, u4.Close)
	go func() {
		buf := make([]byte, 2048)
		for {
			if _, _, err := u4.ReadFrom(buf); err != nil {
				return
			}
			h.hits.Add(1)
		}
	}()
	ua, err := net.Listen("unix", "@"+h.abstract)
	if err != nil {
		t.Fatal(err)
	}
	h.countAccepts(ua)
	dir := t.TempDir()
	h.pathSock = filepath.Join(dir, "host.sock")
	up, err := net.Listen("unix", h.pathSock)
	if err != nil {
		t.Fatal(err)
	}
	h.countAccepts(up)
	return h
}

// networkHostAddrs lists the host's non-loopback IP addresses (the
// operator's network).
func networkHostAddrs() []string {
	var out []string
	addrs, _ := net.InterfaceAddrs()
	for _, a := range addrs {
		ipn, ok := a.(*net.IPNet)
		if !ok || ipn.IP.IsLoopback() || ipn.IP.IsLinkLocalUnicast() {
			continue
		}
		out = append(out, ipn.IP.String())
	}
	return out
}

// TestNetworkIsolation: nothing outside the sandbox's own loopback is
// reachable: not the engine's port, not the test's TCP/UDP listeners on
// the host's loopback (IPv4 and IPv6), not the host's other addresses nor
// the internet, not the host's Unix sockets (abstract or on disk), not DNS;
// raw and packet sockets are refused; the only interface is lo and it
// cannot be reconfigured. The host's listeners count every connection and
// datagram they get: there must be none.
func TestNetworkIsolation(t *testing.T) {
	h := networkListen(t)
	defer h.close()

	// The host's own addresses, the internet (v4 and v6) and the cloud
	// metadata service.
	external := append(networkHostAddrs(), "1.1.1.1", "8.8.8.8", "169.254.169.254", "2001:4860:4860::8888")
	var extLines []string
	var extPy []string
	for _, ip := range external {
		extLines = append(extLines, "tcp "+ip+" ENETUNREACH")
		extPy = append(extPy, fmt.Sprintf("%q", ip))
	}

	sixWant := []string{fmt.Sprintf("tcp6 ::1:%d ECONNREFUSED", srv.Port)}
	sixPorts := fmt.Sprint(srv.Port)
	if h.tcp6 != 0 {
		sixWant = append(sixWant, fmt.Sprintf("tcp6 ::1:%d ECONNREFUSED", h.tcp6))
		sixPorts += fmt.Sprintf(", %d", h.tcp6)
	}

	attacks := []attack{
		{
			name: "tcp_engine_port",
			req: networkPython(fmt.Sprintf(`for host in ["127.0.0.1", "127.0.0.2", "0.0.0.0"]:
    try_("tcp %%s:%d" %% host, tcp(socket.AF_INET, (host, %d)))
`, srv.Port, srv.Port)),
			status: "OK",
			stdout: lines(
				fmt.Sprintf("tcp 127.0.0.1:%d ECONNREFUSED", srv.Port),
				fmt.Sprintf("tcp 127.0.0.2:%d ECONNREFUSED", srv.Port),
				fmt.Sprintf("tcp 0.0.0.0:%d ECONNREFUSED", srv.Port)),
		},
		{
			name:   "tcp_host_listener",
			req:    networkPython(fmt.Sprintf(`try_("tcp 127.0.0.1:%d", tcp(socket.AF_INET, ("127.0.0.1", %d)))`+"\n", h.tcp4, h.tcp4)),
			status: "OK",
			stdout: lines(fmt.Sprintf("tcp 127.0.0.1:%d ECONNREFUSED", h.tcp4)),
		},
		{
			name: "tcp_ipv6_loopback",
			req: networkPython(fmt.Sprintf(`for port in [%s]:
    try_("tcp6 ::1:%%d" %% port, tcp(socket.AF_INET6, ("::1", port)))
`, sixPorts)),
			status: "OK",
			stdout: lines(sixWant...),
		},
		{
			// An unconnected send "succeeds" into the sandbox's own
			// loopback; a connected socket then learns that nobody
			// listens there. The host's UDP listener counts datagrams.
			name: "udp_host_listener",
			req: networkPython(fmt.Sprintf(`s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(5):
    s.sendto(b"attack", ("127.0.0.1", %d))
print("udp_sendto sent", flush=True)
c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
c.settimeout(2)
c.connect(("127.0.0.1", %d))
c.send(b"attack")
try_("udp_connected_recv", lambda: c.recv(100))
s6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s6.settimeout(2)
s6.connect(("::1", %d))
s6.send(b"attack")
try_("udp6_connected_recv", lambda: s6.recv(100))
`, h.udp4, h.udp4, h.udp4)),
			status: "OK",
			stdout: lines("udp_sendto sent", "udp_connected_recv ECONNREFUSED", "udp6_connected_recv ECONNREFUSED"),
		},
		{
			// The operator's network and the internet: no route at all.
			name: "tcp_host_addresses_and_internet",
			req: networkPython(fmt.Sprintf(`for ip in [%s]:
    try_("tcp " + ip, tcp(socket.AF_INET6 if ":" in ip else socket.AF_INET, (ip, 80)))
`, strings.Join(extPy, ", "))),
			status: "OK",
			stdout: lines(extLines...),
		},
		{
			// The sandbox's routing table and neighbours are its own:
			// nothing of the host's network shows.
			name: "no_host_routes_or_neighbours",
			req: networkPython(fmt.Sprintf(`print("routes", len(open("/proc/net/route").read().splitlines()) - 1)
print("ipv6_routes_not_lo", [l.split()[-1] for l in open("/proc/net/ipv6_route").read().splitlines() if l.split()[-1] != "lo"])
print("arp", len(open("/proc/net/arp").read().splitlines()) - 1)
trie = open("/proc/net/fib_trie").read()
print("host_addresses_in_fib_trie", [ip for ip in [%s] if ip in trie])
`, strings.Join(extPy, ", "))),
			status: "OK",
			stdout: lines("routes 0", "ipv6_routes_not_lo []", "arp 0", "host_addresses_in_fib_trie []"),
		},
		{
			name: "dns_resolution",
			req: networkPython(`try_("getaddrinfo example.com", lambda: socket.getaddrinfo("example.com", 80) and "RESOLVED")
try_("getaddrinfo coderacer.invalid", lambda: socket.getaddrinfo("coderacer.invalid", 80) and "RESOLVED")
try_("resolv.conf", lambda: open("/etc/resolv.conf").read() and "PRESENT")
try_("hosts", lambda: open("/etc/hosts").read() and "PRESENT")
try_("dns_udp_8.8.8.8", lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"\0" * 12, ("8.8.8.8", 53)) and "SENT")
`),
			status: "OK",
			stdout: lines("getaddrinfo example.com gaierror EAI_AGAIN", "getaddrinfo coderacer.invalid gaierror EAI_AGAIN",
				"resolv.conf ENOENT", "hosts ENOENT", "dns_udp_8.8.8.8 ENETUNREACH"),
		},
		{
			name: "raw_sockets",
			req: networkPython(`try_("raw_icmp", lambda: socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP) and None)
try_("raw_ipproto_raw", lambda: socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW) and None)
try_("raw_tcp", lambda: socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_TCP) and None)
try_("raw6_icmpv6", lambda: socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6) and None)
`),
			status: "OK",
			stdout: lines("raw_icmp EPERM", "raw_ipproto_raw EPERM", "raw_tcp EPERM", "raw6_icmpv6 EPERM"),
		},
		{
			// EPERM (no CAP_NET_RAW) or EAFNOSUPPORT (no AF_PACKET in the
			// kernel) are both a refusal: normalised to DENIED.
			name: "packet_sockets",
			req: networkPython(`def packet(kind):
    def f():
        try:
            socket.socket(socket.AF_PACKET, kind, socket.htons(3))
            return "OPENED"
        except OSError as e:
            if e.errno in (errno.EPERM, errno.EAFNOSUPPORT):
                return "DENIED"
            raise
    return f
try_("packet_raw", packet(socket.SOCK_RAW))
try_("packet_dgram", packet(socket.SOCK_DGRAM))
`),
			status: "OK",
			stdout: lines("packet_raw DENIED", "packet_dgram DENIED"),
		},
		{
			// rtnetlink dumps: one link, lo, with loopback addresses only.
			name: "netlink_route_dump",
			req: networkPython(`def dump(msgtype, payload):
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
    s.bind((0, 0))
    s.send(struct.pack("=LHHLL", 16 + len(payload), msgtype, 0x301, 1, 0) + payload)
    out = []
    while True:
        data = s.recv(65536)
        off = 0
        while off < len(data):
            ln, typ = struct.unpack_from("=LH", data, off)
            if typ == 3:
                return out
            if typ == 2:
                raise OSError(-struct.unpack_from("=i", data, off + 16)[0], "netlink error")
            out.append((typ, data[off + 16:off + ln]))
            off += (ln + 3) & ~3
def attrs(buf, start):
    a = start
    while a + 4 <= len(buf):
        alen, atype = struct.unpack_from("=HH", buf, a)
        if alen < 4:
            break
        yield atype, buf[a + 4:a + alen]
        a += (alen + 3) & ~3
def links():
    names = []
    for typ, body in dump(18, struct.pack("=BxHiII", 0, 0, 0, 0, 0)):
        for atype, val in attrs(body, 16):
            if atype == 3:
                names.append(val.rstrip(b"\0").decode())
    return " ".join(sorted(names))
def addrs():
    out = []
    for typ, body in dump(22, struct.pack("=BBBBI", 0, 0, 0, 0, 0)):
        fam = body[0]
        for atype, val in attrs(body, 8):
            if atype == 1:
                out.append(socket.inet_ntop(fam, val))
    return " ".join(sorted(out))
try_("links", links)
try_("addrs", addrs)
try_("if_nameindex", lambda: " ".join("%d:%s" % x for x in socket.if_nameindex()))
devs = [l.split(":")[0].strip() for l in open("/proc/net/dev").read().splitlines()[2:]]
print("proc_net_dev", " ".join(devs))
`),
			status: "OK",
			stdout: lines("links lo", "addrs 127.0.0.1 ::1", "if_nameindex 1:lo", "proc_net_dev lo"),
		},
		{
			// Reconfiguring the network needs CAP_NET_ADMIN over the
			// namespace: taking lo down, adding an address, creating a
			// dummy link are all refused with the ack's EPERM.
			name: "netlink_reconfigure",
			req: networkPython(`def ack(msgtype, flags, payload):
    def f():
        s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
        s.bind((0, 0))
        s.send(struct.pack("=LHHLL", 16 + len(payload), msgtype, 0x5 | flags, 1, 0) + payload)
        data = s.recv(65536)
        ln, typ = struct.unpack_from("=LH", data, 0)
        if typ != 2:
            return "UNEXPECTED %d" % typ
        err = -struct.unpack_from("=i", data, 16)[0]
        if err:
            raise OSError(err, "netlink")
        return "APPLIED"
    return f
def rta(t, v):
    return struct.pack("=HH", 4 + len(v), t) + v + b"\0" * ((4 - len(v) % 4) % 4)
try_("lo_down", ack(16, 0, struct.pack("=BxHiII", 0, 0, 1, 0, 1)))
try_("addr_add", ack(20, 0x600, struct.pack("=BBBBI", 2, 8, 0, 0, 1) + rta(2, socket.inet_aton("10.66.0.1")) + rta(1, socket.inet_aton("10.66.0.1"))))
try_("dummy_link_add", ack(16, 0x600, struct.pack("=BxHiII", 0, 0, 0, 0, 0) + rta(3, b"evil0\0") + rta(18, rta(1, b"dummy\0"))))
try_("if_nameindex", lambda: " ".join("%d:%s" % x for x in socket.if_nameindex()))
`),
			status: "OK",
			stdout: lines("lo_down EPERM", "addr_add EPERM", "dummy_link_add EPERM", "if_nameindex 1:lo"),
		},
		{
			// Abstract Unix sockets belong to the network namespace; a
			// socket file of the host is not in the sandbox's file system.
			name: "host_unix_sockets",
			req: networkPython(fmt.Sprintf(`def unix(addr):
    def f():
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(2)
        s.connect(addr)
        return "CONNECTED"
    return f
try_("abstract", unix("\0%s"))
try_("path", unix(%q))
print("proc_net_unix_mentions_host", "%s" in open("/proc/net/unix").read())
`, h.abstract, h.pathSock, h.abstract)),
			status: "OK",
			stdout: lines("abstract ECONNREFUSED", "path ENOENT", "proc_net_unix_mentions_host False"),
		},
		{
			// The host's listening sockets (the engine's among them) are
			// not in the sandbox's /proc/net.
			name: "proc_net_shows_no_host_sockets",
			req: networkPython(fmt.Sprintf(`ports = {%d, %d, %d}
found = []
for f in ["tcp", "tcp6", "udp", "udp6"]:
    for l in open("/proc/net/" + f).read().splitlines()[1:]:
        port = int(l.split()[1].split(":")[1], 16)
        if port in ports:
            found.append("%%s:%%d" %% (f, port))
print("host_ports_seen", found)
`, srv.Port, h.tcp4, h.udp4)),
			status: "OK",
			stdout: lines("host_ports_seen []"),
		},
		{
			// What the sandbox may do: talk to itself over its own
			// loopback, TCP and UDP, IPv4 and IPv6.
			name: "own_loopback_allowed",
			req: networkPython(`def echo(fam, host):
    def f():
        l = socket.socket(fam, socket.SOCK_STREAM)
        l.bind((host, 0))
        l.listen(1)
        c = socket.create_connection(l.getsockname()[:2], timeout=2)
        a, _ = l.accept()
        c.sendall(b"ping")
        got = a.recv(4)
        a.sendall(got.upper())
        return c.recv(4).decode()
    return f
def udp(fam, host):
    def f():
        a = socket.socket(fam, socket.SOCK_DGRAM)
        a.bind((host, 0))
        b = socket.socket(fam, socket.SOCK_DGRAM)
        b.settimeout(2)
        b.sendto(b"dgram", a.getsockname()[:2])
        return a.recv(10).decode()
    return f
try_("tcp4", echo(socket.AF_INET, "127.0.0.1"))
try_("tcp6", echo(socket.AF_INET6, "::1"))
try_("udp4", udp(socket.AF_INET, "127.0.0.1"))
try_("abstract_unix", lambda: socket.socketpair(socket.AF_UNIX) and socket.socket(socket.AF_UNIX).bind("\0own-" + str(os.getpid())))
`),
			status: "OK",
			stdout: lines("tcp4 PING", "tcp6 PING", "udp4 dgram", "abstract_unix OK"),
		},
	}
	runAttacks(t, attacks)
	if n := h.hits.Load(); n != 0 {
		t.Errorf("the host's listeners (tcp %d, tcp6 %d, udp %d, @%s, %s) got %d connections/datagrams from the sandbox",
			h.tcp4, h.tcp6, h.udp4, h.abstract, h.pathSock, n)
	}
	if _, err := os.Stat(h.pathSock); errors.Is(err, os.ErrNotExist) {
		t.Errorf("the host's Unix socket %s disappeared", h.pathSock)
	}
}
