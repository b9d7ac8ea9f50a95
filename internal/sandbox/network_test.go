package sandbox

import (
	"net/netip"
	"slices"
	"strings"
	"testing"
)

// TestNetworkRules: the table's script matches only our veths, always
// denies link-local and the pool, lets the nameservers through on port 53
// only, and is one transaction that replaces a leftover table.
func TestNetworkRules(t *testing.T) {
	cfg := NetworkConfig{Subnet: netip.MustParsePrefix("10.9.0.0/24"), Deny: DefaultNetworkDeny,
		DNS: []netip.Addr{netip.MustParseAddr("10.1.2.3")}}
	rules := networkRules(cfg)
	for _, want := range []string{
		"table inet coderacer\ndelete table inet coderacer\ntable inet coderacer {\n",
		"169.254.0.0/16, 10.9.0.0/24 }",
		"elements = { 10.1.2.3 }",
		"ip daddr @dns meta l4proto { tcp, udp } th dport 53 accept\n\t\tip daddr @deny goto refuse\n",
		"iifname \"crnet*\" goto refuse\n",
		"oifname \"crnet*\" ct state established,related accept\n\t\toifname \"crnet*\" drop\n",
		"ip saddr 10.9.0.0/24 oifname != \"crnet*\" masquerade",
	} {
		if !strings.Contains(rules, want) {
			t.Errorf("rules lack %q:\n%s", want, rules)
		}
	}
	// Every rule of a base chain (one on a hook) is about our veths or
	// our pool: other traffic passes untouched.
	base, rulesSeen := false, 0
	for _, line := range strings.Split(rules, "\n") {
		line = strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(line, "chain "):
			base = false
		case strings.HasPrefix(line, "type ") && strings.Contains(line, " hook "):
			base = true
		case base && line != "}" && line != "":
			rulesSeen++
			if !strings.HasPrefix(line, `iifname "crnet*" `) && !strings.HasPrefix(line, `oifname "crnet*" `) &&
				!strings.HasPrefix(line, "ip saddr 10.9.0.0/24 ") {
				t.Errorf("rule %q of a base chain does not match on our veths or pool", line)
			}
		}
	}
	if rulesSeen != 8 {
		t.Errorf("%d rules in base chains, want 8:\n%s", rulesSeen, rules)
	}
	if r := networkRules(NetworkConfig{Subnet: cfg.Subnet}); strings.Contains(r, "@dns") || !strings.Contains(r, "elements = { 169.254.0.0/16, 10.9.0.0/24 }") {
		t.Errorf("without DNS or deny list:\n%s", r)
	}
}

// TestNetworkSlots: boxes get /30s round robin over the whole pool,
// skipping the ones in use, with the host at .1 and the box at .2.
func TestNetworkSlots(t *testing.T) {
	n := &network{cfg: NetworkConfig{Subnet: netip.MustParsePrefix("10.9.0.0/28")}, used: map[uint32]bool{}}
	var got []uint32
	for range 3 {
		got = append(got, n.takeSlot())
	}
	n.freeSlot(1)
	got = append(got, n.takeSlot(), n.takeSlot()) // 3, then 1 again: 0 and 2 are in use
	if want := []uint32{0, 1, 2, 3, 1}; !slices.Equal(got, want) {
		t.Errorf("slots %v, want %v", got, want)
	}
	host, box := n.addrs(3)
	if host.String() != "10.9.0.13" || box.String() != "10.9.0.14" {
		t.Errorf("slot 3: host %v box %v, want 10.9.0.13 and 10.9.0.14", host, box)
	}
	n = &network{cfg: NetworkConfig{Subnet: netip.MustParsePrefix("10.9.0.0/16")}, used: map[uint32]bool{}}
	if host, box := n.addrs(16383); host.String() != "10.9.255.253" || box.String() != "10.9.255.254" {
		t.Errorf("last slot of a /16: %v %v", host, box)
	}
}

// TestUsableNameservers: only IPv4 nameservers a box can reach are kept.
func TestUsableNameservers(t *testing.T) {
	conf := "# comment\nnameserver 127.0.0.53\nnameserver 10.255.255.53\nnameserver ::1\nnameserver 2001:db8::53\n" +
		"nameserver 169.254.169.253\nnameserver 10.9.0.5\nnameserver\nsearch example\nnameserver 198.51.100.53 # x\n"
	got := UsableNameservers(conf, netip.MustParsePrefix("10.9.0.0/24"))
	want := []netip.Addr{netip.MustParseAddr("10.255.255.53"), netip.MustParseAddr("198.51.100.53")}
	if !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}
