package main

import (
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
type prefixValue struct{ p *netip.Prefix }

func (v prefixValue) String() string {
	if v.p == nil || !v.p.IsValid() {
		return ""
	}
	return v.p.String()
}
func (v prefixValue) Set(s string) error {
	p, err := netip.ParsePrefix(strings.TrimSpace(s))
	if err != nil {
		return fmt.Errorf("not a CIDR prefix (e.g. 10.88.0.0/16): %q", s)
	}
	*v.p = p
	return nil
}

// prefixListValue is a comma-separated list of prefixes; "none" is empty.
type prefixListValue struct{ p *[]netip.Prefix }

func (v prefixListValue) String() string {
	if v.p == nil {
		return ""
	}
	s := make([]string, len(*v.p))
	for i, p := range *v.p {
		s[i] = p.String()
	}
	return strings.Join(s, ",")
}
func (v prefixListValue) Set(s string) error {
	var list []netip.Prefix
	for _, f := range listFields(s) {
		p, err := netip.ParsePrefix(f)
		if err != nil {
			return fmt.Errorf("not a CIDR prefix (e.g. 10.0.0.0/8): %q", f)
		}
		list = append(list, p)
	}
	*v.p = list
	return nil
}

// addrListValue is a comma-separated list of addresses; "none" is empty.
type addrListValue struct {
	p   *[]netip.Addr
	set *bool
}

func (v addrListValue) String() string {
	if v.p == nil {
		return ""
	}
	s := make([]string, len(*v.p))
	for i, a := range *v.p {
		s[i] = a.String()
	}
	return strings.Join(s, ",")
}
func (v addrListValue) Set(s string) error {
	var list []netip.Addr
	for _, f := range listFields(s) {
		a, err := netip.ParseAddr(f)
		if err != nil {
			return fmt.Errorf("not an IP address: %q", f)
		}
		list = append(list, a)
	}
	*v.p, *v.set = list, true
	return nil
}

// listFields splits a comma-separated list, "none" being the empty one.
func listFields(s string) []string {
	if strings.TrimSpace(s) == "none" {
		return nil
	}
	var fields []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			fields = append(fields, f)
		}
	}
	return fields
}
