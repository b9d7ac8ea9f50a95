package main

import (
	"flag"
	"fmt"
	"net/netip"
	"os"
	"strings"

	"github.com/coderacer/coderacer/internal/sandbox"
)

// networkSettings configure network runs (DISABLE_NETWORKING=0).
type networkSettings struct {
	Subnet netip.Prefix
	Deny   []netip.Prefix
	DNS    []netip.Addr
	// DNSSet tells an explicit empty list ("none") from the default, the
	// host's nameservers.
	DNSSet bool
}

func (n networkSettings) check(parallelism int) error {
	if err := sandbox.CheckNetworkConfig(sandbox.NetworkConfig{Subnet: n.Subnet, Deny: n.Deny, DNS: n.DNS}, parallelism); err != nil {
		return fmt.Errorf("DISABLE_NETWORKING=0: %w", err)
	}
	return nil
}

// sandboxNetwork is the sandbox's network configuration, nil when network
// runs are off. Without CODERACER_NETWORK_DNS, the nameservers are the
// host's usable ones.
func (c *serveConfig) sandboxNetwork() (*sandbox.NetworkConfig, error) {
	if c.NoNetwork {
		return nil, nil
	}
	n := &sandbox.NetworkConfig{Subnet: c.Network.Subnet, Deny: c.Network.Deny, DNS: c.Network.DNS}
	if !c.Network.DNSSet {
		conf, err := os.ReadFile("/etc/resolv.conf")
		if err != nil && !os.IsNotExist(err) {
			return nil, fmt.Errorf("network runs' DNS: %w (set CODERACER_NETWORK_DNS)", err)
		}
		n.DNS = sandbox.UsableNameservers(string(conf), n.Subnet)
	}
	return n, nil
}

// prefixValue is one IPv4 or IPv6 prefix (CIDR).
func prefixValue(p *netip.Prefix) flag.Value {
	return value[netip.Prefix]{p: p, parse: parsePrefix, format: formatPrefix}
}

func parsePrefix(s string) (netip.Prefix, error) {
	p, err := netip.ParsePrefix(strings.TrimSpace(s))
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("not a CIDR prefix (e.g. 10.88.0.0/16): %q", s)
	}
	return p, nil
}

func formatPrefix(p netip.Prefix) string {
	if !p.IsValid() {
		return ""
	}
	return p.String()
}

// prefixListValue is a comma-separated list of prefixes; "none" is empty.
func prefixListValue(p *[]netip.Prefix) flag.Value {
	return listValue(p, func(f string) (netip.Prefix, error) {
		p, err := netip.ParsePrefix(f)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("not a CIDR prefix (e.g. 10.0.0.0/8): %q", f)
		}
		return p, nil
	})
}

// addrListValue is a comma-separated list of addresses; "none" is empty.
// Setting it sets *set, so that "none" can be told from the default.
func addrListValue(p *[]netip.Addr, set *bool) flag.Value {
	v := listValue(p, func(f string) (netip.Addr, error) {
		a, err := netip.ParseAddr(f)
		if err != nil {
			return netip.Addr{}, fmt.Errorf("not an IP address: %q", f)
		}
		return a, nil
	})
	parse := v.parse
	v.parse = func(s string) ([]netip.Addr, error) {
		list, err := parse(s)
		if err == nil {
			*set = true
		}
		return list, err
	}
	return v
}
