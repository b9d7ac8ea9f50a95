package main

import (
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/coderacer/coderacer/internal/sandbox"
)

// TestNetworkSettings: DISABLE_NETWORKING=0 is accepted now, with the
// network settings read, defaulted and checked.
func TestNetworkSettings(t *testing.T) {
	parse := func(env map[string]string) (serveConfig, error) {
		return parseServeConfig(nil, func(k string) string { return env[k] })
	}
	c, err := parse(map[string]string{"DISABLE_NETWORKING": "0"})
	if err != nil {
		t.Fatalf("DISABLE_NETWORKING=0: %v", err)
	}
	if c.NoNetwork || c.Network.Subnet != sandbox.DefaultNetworkSubnet || !slices.Equal(c.Network.Deny, sandbox.DefaultNetworkDeny) || c.Network.DNSSet {
		t.Errorf("defaults: %+v", c.Network)
	}
	c, err = parse(map[string]string{"DISABLE_NETWORKING": "0", "CODERACER_NETWORK_SUBNET": "10.9.0.0/24",
		"CODERACER_NETWORK_DENY": " 10.0.0.0/8 , 203.0.113.0/24", "CODERACER_NETWORK_DNS": "198.51.100.53"})
	if err != nil {
		t.Fatal(err)
	}
	wantDeny := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("203.0.113.0/24")}
	if c.Network.Subnet.String() != "10.9.0.0/24" || !slices.Equal(c.Network.Deny, wantDeny) ||
		len(c.Network.DNS) != 1 || c.Network.DNS[0].String() != "198.51.100.53" || !c.Network.DNSSet {
		t.Errorf("explicit settings: %+v", c.Network)
	}
	c, err = parse(map[string]string{"DISABLE_NETWORKING": "0", "CODERACER_NETWORK_DENY": "none", "CODERACER_NETWORK_DNS": "none"})
	if err != nil || len(c.Network.Deny) != 0 || len(c.Network.DNS) != 0 || !c.Network.DNSSet {
		t.Errorf(`"none": %+v, %v`, c.Network, err)
	}
	n, err := c.sandboxNetwork()
	if err != nil || n == nil || len(n.DNS) != 0 {
		t.Errorf("DNS none must stay empty, not the host's: %+v %v", n, err)
	}
	for env, want := range map[string]string{
		"CODERACER_NETWORK_SUBNET=10.9.0.0/31":   "/30 or larger",
		"CODERACER_NETWORK_SUBNET=fd00::/64":     "must be an IPv4 prefix",
		"CODERACER_NETWORK_SUBNET=10.9.0.0/29":   "holds 2 boxes",
		"CODERACER_NETWORK_SUBNET=nonsense":      "not a CIDR prefix",
		"CODERACER_NETWORK_DENY=10.0.0.0/8,x":    `not a CIDR prefix (e.g. 10.0.0.0/8): "x"`,
		"CODERACER_NETWORK_DENY=fe80::/10":       "not an IPv4 prefix",
		"CODERACER_NETWORK_DNS=127.0.0.53":       "outside loopback",
		"CODERACER_NETWORK_DNS=169.254.169.253":  "outside loopback, link-local",
		"CODERACER_NETWORK_DNS=2001:db8::53":     "must be an IPv4 address",
		"CODERACER_NETWORK_DNS=8.8.8.8;rm -rf /": "not an IP address",
	} {
		k, v, _ := strings.Cut(env, "=")
		_, err := parse(map[string]string{"DISABLE_NETWORKING": "0", "CODERACER_PARALLELISM": "4", k: v})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want it to say %q", env, err, want)
		}
	}
	// The network settings are checked only when network runs are on.
	if _, err := parse(map[string]string{"CODERACER_NETWORK_SUBNET": "10.9.0.0/31"}); err != nil {
		t.Errorf("network settings with DISABLE_NETWORKING=1: %v", err)
	}
}
