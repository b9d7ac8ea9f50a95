package attack

import "testing"

func socketsRequest(body string) attack {
	return attack{req: cMain(body)}
}

// TestSocketFamilies: a program may create sockets of the families the
// network namespace isolates (AF_UNIX, AF_INET, AF_INET6) and netlink
// sockets of the routing protocol glibc needs, nothing else. vsock is not
// isolated by network namespaces (on a VM host it reaches the
// hypervisor's services); packet sockets, the other netlink protocols
// (audit, uevents, socket diagnostics) and the rarely used families are
// kernel surface no program here needs. A refused family is EAFNOSUPPORT
// (what a kernel without it answers), a refused netlink protocol
// EPROTONOSUPPORT. The kernel reads the family and protocol as ints, so
// junk in the upper half of the register must neither let a family
// through nor refuse an allowed one. socket(AF_INET, SOCK_PACKET), which
// the kernel turns into a packet socket, is refused as AF_PACKET is.
func TestSocketFamilies(t *testing.T) {
	var attacks []attack
	add := func(name, body, stdout string) {
		a := socketsRequest(body)
		a.name, a.status, a.stdout = name, "OK", stdout
		attacks = append(attacks, a)
	}
	add("vsock", `TRY("vsock_stream", socket(40 /* AF_VSOCK */, SOCK_STREAM, 0));
	TRY("vsock_dgram", socket(40, SOCK_DGRAM, 0));
	TRY("vsock_seqpacket_flags", socket(40, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
	TRY("vsock_high_bits", syscall(SYS_socket, (1L << 32) | 40, SOCK_STREAM, 0));
	TRY("vsock_all_high_bits", syscall(SYS_socket, (long)0xffffffff00000028UL, SOCK_STREAM, 0));
	int sv[2];
	TRY("socketpair_vsock", socketpair(40, SOCK_STREAM, 0, sv));
	TRY("socketpair_vsock_high_bits", syscall(SYS_socketpair, (1L << 32) | 40, SOCK_STREAM, 0, sv));`,
		lines("vsock_stream EAFNOSUPPORT", "vsock_dgram EAFNOSUPPORT", "vsock_seqpacket_flags EAFNOSUPPORT",
			"vsock_high_bits EAFNOSUPPORT", "vsock_all_high_bits EAFNOSUPPORT",
			"socketpair_vsock EAFNOSUPPORT", "socketpair_vsock_high_bits EAFNOSUPPORT"))
	add("packet", `TRY("packet_raw_all", socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL)));
	TRY("packet_dgram", socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, htons(ETH_P_IP)));
	TRY("packet_legacy", socket(AF_INET, SOCK_PACKET, htons(ETH_P_ALL)));`,
		lines("packet_raw_all EAFNOSUPPORT", "packet_dgram EAFNOSUPPORT", "packet_legacy EAFNOSUPPORT"))
	add("netlink_protocols", `TRY("netlink_audit", socket(AF_NETLINK, SOCK_RAW, NETLINK_AUDIT));
	TRY("netlink_kobject_uevent", socket(AF_NETLINK, SOCK_DGRAM, NETLINK_KOBJECT_UEVENT));
	TRY("netlink_sock_diag", socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG));
	TRY("netlink_generic", socket(AF_NETLINK, SOCK_RAW, NETLINK_GENERIC));
	TRY("netlink_netfilter", socket(AF_NETLINK, SOCK_RAW, NETLINK_NETFILTER));
	TRY("netlink_xfrm", socket(AF_NETLINK, SOCK_RAW, NETLINK_XFRM));
	TRY("netlink_selinux", socket(AF_NETLINK, SOCK_RAW, NETLINK_SELINUX));
	TRY("netlink_connector", socket(AF_NETLINK, SOCK_DGRAM, NETLINK_CONNECTOR));
	TRY("netlink_audit_high_family_bits", syscall(SYS_socket, (1L << 32) | AF_NETLINK, SOCK_RAW, NETLINK_AUDIT));
	TRY("netlink_route_high_bits_audit", syscall(SYS_socket, AF_NETLINK, SOCK_RAW, (1L << 32) | NETLINK_AUDIT));
	int sv[2];
	TRY("socketpair_netlink_audit", socketpair(AF_NETLINK, SOCK_RAW, NETLINK_AUDIT, sv));`,
		lines("netlink_audit EPROTONOSUPPORT", "netlink_kobject_uevent EPROTONOSUPPORT", "netlink_sock_diag EPROTONOSUPPORT",
			"netlink_generic EPROTONOSUPPORT", "netlink_netfilter EPROTONOSUPPORT", "netlink_xfrm EPROTONOSUPPORT",
			"netlink_selinux EPROTONOSUPPORT", "netlink_connector EPROTONOSUPPORT",
			"netlink_audit_high_family_bits EPROTONOSUPPORT", "netlink_route_high_bits_audit EPROTONOSUPPORT",
			"socketpair_netlink_audit EPROTONOSUPPORT"))
	// Every family number up to 63 but the four allowed ones, with each
	// socket type, and socketpair: one line per family that is not
	// EAFNOSUPPORT for all of them.
	add("every_other_family", `int types[] = {SOCK_STREAM, SOCK_DGRAM, SOCK_RAW, SOCK_SEQPACKET};
	int refused = 0;
	for (int f = 0; f < 64; f++) {
		if (f == AF_UNIX || f == AF_INET || f == AF_INET6 || f == AF_NETLINK) continue;
		int ok = 1;
		for (int i = 0; i < 4; i++) {
			errno = 0;
			int fd = socket(f, types[i], 0);
			if (fd >= 0 || errno != EAFNOSUPPORT) {
				printf("family %d type %d %s\n", f, types[i], fd >= 0 ? "OK" : errname(errno));
				ok = 0;
			}
			if (fd >= 0) close(fd);
			int sv[2];
			errno = 0;
			if (socketpair(f, types[i], 0, sv) == 0 || errno != EAFNOSUPPORT) {
				printf("socketpair family %d type %d %s\n", f, types[i], errno ? errname(errno) : "OK");
				ok = 0;
			}
		}
		refused += ok;
	}
	printf("refused %d of 60 families\n", refused);`,
		lines("refused 60 of 60 families"))
	add("named_families", `TRY("bluetooth", socket(31 /* AF_BLUETOOTH */, SOCK_STREAM, 3));
	TRY("alg", socket(38 /* AF_ALG */, SOCK_SEQPACKET, 0));
	TRY("key", socket(15 /* AF_KEY */, SOCK_RAW, 2 /* PF_KEY_V2 */));
	TRY("xdp", socket(44 /* AF_XDP */, SOCK_RAW, 0));
	TRY("can", socket(29 /* AF_CAN */, SOCK_RAW, 1));
	TRY("tipc", socket(30 /* AF_TIPC */, SOCK_RDM, 0));
	TRY("rds", socket(21 /* AF_RDS */, SOCK_SEQPACKET, 0));
	TRY("qipcrtr", socket(42 /* AF_QIPCRTR */, SOCK_DGRAM, 0));
	TRY("smc", socket(43 /* AF_SMC */, SOCK_STREAM, 0));
	TRY("kcm", socket(41 /* AF_KCM */, SOCK_DGRAM, 0));
	TRY("llc", socket(26 /* AF_LLC */, SOCK_DGRAM, 0));
	TRY("mctp", socket(45 /* AF_MCTP */, SOCK_DGRAM, 0));`,
		lines("bluetooth EAFNOSUPPORT", "alg EAFNOSUPPORT", "key EAFNOSUPPORT", "xdp EAFNOSUPPORT", "can EAFNOSUPPORT",
			"tipc EAFNOSUPPORT", "rds EAFNOSUPPORT", "qipcrtr EAFNOSUPPORT", "smc EAFNOSUPPORT", "kcm EAFNOSUPPORT",
			"llc EAFNOSUPPORT", "mctp EAFNOSUPPORT"))
	// What must keep working, junk in the upper halves included: the
	// kernel reads ints, so these are AF_UNIX, AF_INET and NETLINK_ROUTE.
	add("allowed_families_work", `TRY("unix_stream", socket(AF_UNIX, SOCK_STREAM, 0));
	TRY("unix_dgram_flags", socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
	TRY("inet_tcp", socket(AF_INET, SOCK_STREAM, 0));
	TRY("inet_udp", socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_UDP));
	TRY("inet6_tcp", socket(AF_INET6, SOCK_STREAM, IPPROTO_TCP));
	TRY("inet6_udp", socket(AF_INET6, SOCK_DGRAM, 0));
	TRY("netlink_route", socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE));
	TRY("unix_high_bits", syscall(SYS_socket, (1L << 32) | AF_UNIX, SOCK_STREAM, 0));
	TRY("inet_high_bits", syscall(SYS_socket, (long)0xffffffff00000002UL, SOCK_DGRAM, 0));
	TRY("netlink_route_high_bits", syscall(SYS_socket, AF_NETLINK, SOCK_RAW, (1L << 32) | NETLINK_ROUTE));
	int sv[2];
	TRY("socketpair_unix", socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	TRY("socketpair_unix_high_bits", syscall(SYS_socketpair, (1L << 32) | AF_UNIX, SOCK_DGRAM, 0, sv));
	TRY("socketpair_inet", socketpair(AF_INET, SOCK_STREAM, 0, sv));`,
		lines("unix_stream OK", "unix_dgram_flags OK", "inet_tcp OK", "inet_udp OK", "inet6_tcp OK", "inet6_udp OK",
			"netlink_route OK", "unix_high_bits OK", "inet_high_bits OK", "netlink_route_high_bits OK",
			"socketpair_unix OK", "socketpair_unix_high_bits OK", "socketpair_inet EOPNOTSUPP"))
	// A TCP round trip over the private loopback, a Unix socket pair and
	// glibc's name resolution (getaddrinfo with AI_ADDRCONFIG asks the
	// kernel for the addresses through NETLINK_ROUTE).
	add("loopback_round_trip", `int l = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t al = sizeof a;
	TRY("bind", bind(l, (struct sockaddr *)&a, sizeof a));
	TRY("listen", listen(l, 1));
	getsockname(l, (struct sockaddr *)&a, &al);
	int c = socket(AF_INET, SOCK_STREAM, 0);
	TRY("connect", connect(c, (struct sockaddr *)&a, sizeof a));
	int s = accept(l, NULL, NULL);
	char buf[16] = {0};
	write(c, "ping", 4);
	read(s, buf, 4);
	printf("tcp got %s\n", buf);
	int sv[2];
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	write(sv[0], "pong", 4);
	memset(buf, 0, sizeof buf);
	read(sv[1], buf, 4);
	printf("unix got %s\n", buf);
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_ADDRCONFIG | AI_NUMERICHOST};
	struct addrinfo *res;
	int e = getaddrinfo("127.0.0.1", "80", &hints, &res);
	printf("getaddrinfo %s\n", e == 0 ? "OK" : gai_strerror(e));`,
		lines("bind OK", "listen OK", "connect OK", "tcp got ping", "unix got pong", "getaddrinfo OK"))
	// The i386 entry has its own socket calls (socketcall and socket):
	// both ENOSYS, as before.
	add("i386_socket", `TRY32("i386_socket_vsock", sc32(359 /* socket */, 40, SOCK_STREAM, 0, 0, 0));
	long *args = (long *)low32();
	unsigned int *a32 = (unsigned int *)args;
	a32[0] = 40; a32[1] = SOCK_STREAM; a32[2] = 0;
	TRY32("i386_socketcall_vsock", sc32(102 /* socketcall */, 1 /* SYS_SOCKET */, (long)a32, 0, 0, 0));`,
		lines("i386_socket_vsock ENOSYS", "i386_socketcall_vsock ENOSYS"))
	attacks = append(attacks, attack{
		// Python's socket module reports the errno the filter gives.
		name: "python_socket_families",
		req: python(`import socket
for name, fam, typ, proto in [("vsock", 40, socket.SOCK_STREAM, 0), ("packet", 17, socket.SOCK_RAW, 0),
        ("netlink_audit", 16, socket.SOCK_RAW, 9), ("alg", 38, socket.SOCK_SEQPACKET, 0),
        ("netlink_route", 16, socket.SOCK_RAW, 0), ("inet6", socket.AF_INET6, socket.SOCK_STREAM, 0)]:
    try:
        socket.socket(fam, typ, proto).close()
        print(name, "OK")
    except OSError as e:
        print(name, e.errno)
`),
		status: "OK",
		stdout: lines("vsock 97", "packet 97", "netlink_audit 93", "alg 97", "netlink_route OK", "inet6 OK"),
	})
	runAttacks(t, attacks)
}
