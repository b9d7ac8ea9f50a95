package sandbox

import (
	"fmt"
	"net/netip"
	"strings"
)

// networkRules is the nftables script that installs (or replaces) the
// table of network runs, in one transaction. Only traffic of our veths
// (vethPrefix*) is judged; everything else passes these chains untouched,
// as the host's other tables decide.
//
//   - prerouting: a packet from a box must carry the box's own address
//     (reverse path check), so no box can pass for another.
//   - input: nothing from a box reaches the host itself: none of its
//     addresses, services or the engine's port. What is refused is
//     rejected (chain refuse), so a program fails at once instead of
//     waiting: ECONNREFUSED for TCP, EHOSTUNREACH otherwise.
//   - forward: a box reaches no other box, no IPv6, no address the host
//     treats as its own, broadcast or multicast, nothing in the deny set
//     (the configured list, link-local and the pool), except the DNS
//     servers on port 53; what remains goes out. Into a box only replies
//     pass (connection tracking): nothing outside can open a connection
//     to a box.
//   - output: the host itself starts nothing towards a box, beyond what
//     answers the box's traffic (ICMP errors, rejections).
//   - postrouting: what leaves is masqueraded to the host's address.
func networkRules(cfg NetworkConfig) string {
	deny := append(append([]netip.Prefix{}, cfg.Deny...), linkLocal, cfg.Subnet.Masked())
	var b strings.Builder
	// Declaring the table first makes the delete succeed whether or not
	// a leftover exists; the new table follows in the same transaction.
	fmt.Fprintf(&b, "table inet %s\ndelete table inet %[1]s\ntable inet %[1]s {\n", netTable)
	fmt.Fprintf(&b, "\tset deny {\n\t\ttype ipv4_addr; flags interval; auto-merge;\n\t\telements = { %s }\n\t}\n", joinPrefixes(deny))
	if len(cfg.DNS) > 0 {
		fmt.Fprintf(&b, "\tset dns {\n\t\ttype ipv4_addr;\n\t\telements = { %s }\n\t}\n", joinAddrs(cfg.DNS))
	}
	v := `"` + vethPrefix + `*"`
	// A TCP connection is refused by a reset; anything else by an ICMP
	// error, which the kernel rate-limits (a burst, then one a second).
	b.WriteString("\tchain refuse {\n\t\tmeta l4proto tcp reject with tcp reset\n\t\treject with icmpx admin-prohibited\n\t}\n")
	b.WriteString("\tchain prerouting {\n\t\ttype filter hook prerouting priority mangle; policy accept;\n")
	fmt.Fprintf(&b, "\t\tiifname %s fib saddr . iif oif missing drop\n\t}\n", v)
	b.WriteString("\tchain input {\n\t\ttype filter hook input priority filter - 10; policy accept;\n")
	fmt.Fprintf(&b, "\t\tiifname %s goto refuse\n\t}\n", v)
	b.WriteString("\tchain forward {\n\t\ttype filter hook forward priority filter - 10; policy accept;\n")
	fmt.Fprintf(&b, "\t\tiifname %s jump from_box\n", v)
	fmt.Fprintf(&b, "\t\toifname %s ct state established,related accept\n", v)
	fmt.Fprintf(&b, "\t\toifname %s drop\n\t}\n", v)
	b.WriteString("\tchain from_box {\n")
	fmt.Fprintf(&b, "\t\toifname %s goto refuse\n", v)
	b.WriteString("\t\tmeta nfproto != ipv4 goto refuse\n")
	b.WriteString("\t\tfib daddr type { local, broadcast, multicast, anycast } goto refuse\n")
	if len(cfg.DNS) > 0 {
		b.WriteString("\t\tip daddr @dns meta l4proto { tcp, udp } th dport 53 accept\n")
	}
	b.WriteString("\t\tip daddr @deny goto refuse\n")
	b.WriteString("\t\taccept\n\t}\n")
	b.WriteString("\tchain output {\n\t\ttype filter hook output priority filter - 10; policy accept;\n")
	fmt.Fprintf(&b, "\t\toifname %s ct state established,related accept\n", v)
	fmt.Fprintf(&b, "\t\toifname %s drop\n\t}\n", v)
	b.WriteString("\tchain postrouting {\n\t\ttype nat hook postrouting priority srcnat; policy accept;\n")
	fmt.Fprintf(&b, "\t\tip saddr %s oifname != %s masquerade\n\t}\n}\n", cfg.Subnet.Masked(), v)
	return b.String()
}

func joinPrefixes(ps []netip.Prefix) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = p.Masked().String()
	}
	return strings.Join(s, ", ")
}

func joinAddrs(as []netip.Addr) string {
	s := make([]string, len(as))
	for i, a := range as {
		s[i] = a.String()
	}
	return strings.Join(s, ", ")
}
