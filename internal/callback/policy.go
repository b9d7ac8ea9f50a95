package callback

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"syscall"
)

// MaxURLLength bounds a callback URL, in bytes.
const MaxURLLength = 2048

// Policy says which addresses a callback may reach. The zero Policy
// allows public unicast addresses only: a callback must not become a way
// into the host, its network or a cloud metadata service (Judge0's
// CVE-2024-29021 began as such a request forgery).
type Policy struct {
	// Allow lists prefixes reachable although not public: a receiver on
	// this host or its network (CODERACER_CALLBACK_ALLOW, see ParseAllow).
	Allow []netip.Prefix

	// resolver resolves host names; nil: net.DefaultResolver. Tests set
	// one that sends nothing off the machine.
	resolver *net.Resolver
}

// TargetError is a callback target refused: a URL that is not an
// absolute http(s) URL, a host that does not resolve, or an address
// that is not public and not allowed. Its message is meant for the
// client that gave the URL.
type TargetError struct {
	URL    string // as given; empty when the check was on an address being dialled
	Reason string
}

func (e *TargetError) Error() string {
	if e.URL == "" {
		return "callback target: " + e.Reason
	}
	return fmt.Sprintf("callback URL %q: %s", shorten(e.URL), e.Reason)
}

// shorten keeps an error message readable when a URL is huge.
func shorten(s string) string {
	const keep = 100
	if len(s) <= keep {
		return s
	}
	return s[:keep] + "..."
}

// CheckURL checks a callback URL at submission: an absolute http or
// https URL with a host and no user information, at most MaxURLLength
// bytes, whose host resolves to addresses that are all public or
// allowed. Its error is a *TargetError. Delivery checks again the
// address it dials, so a name that resolves differently later (DNS
// rebinding) gains nothing.
func (p Policy) CheckURL(ctx context.Context, raw string) error {
	u, err := parseTarget(raw)
	if err != nil {
		return err
	}
	addrs, err := p.lookup(ctx, u.Hostname())
	if err != nil {
		return &TargetError{URL: raw, Reason: err.Error()}
	}
	for _, a := range addrs {
		if reason := p.refuse(a); reason != "" {
			return &TargetError{URL: raw, Reason: reason}
		}
	}
	return nil
}

// parseTarget checks the URL's shape, without resolving anything.
func parseTarget(raw string) (*url.URL, error) {
	fail := func(reason string) error { return &TargetError{URL: raw, Reason: reason} }
	if len(raw) > MaxURLLength {
		return nil, fail(fmt.Sprintf("longer than %d bytes", MaxURLLength))
	}
	u, err := url.Parse(raw)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fail("not a URL: " + err.Error())
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, fail("not an absolute http or https URL")
	case u.Opaque != "" || u.Host == "":
		return nil, fail("no host")
	case u.User != nil:
		return nil, fail("user information (user:password@) is not allowed")
	}
	if port := u.Port(); port != "" {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return nil, fail(fmt.Sprintf("port %q is not between 1 and 65535", port))
		}
	}
	if _, err := netip.ParseAddr(u.Hostname()); err != nil && !validHostname(u.Hostname()) {
		return nil, fail(fmt.Sprintf("%q is not a valid host name", u.Hostname()))
	}
	return u, nil
}

// validHostname accepts ASCII DNS names (IDNs in their punycode form).
// A numeric last label is refused: no top-level domain is numeric, and
// such names ("127.1", "2130706433") are IP addresses in forms some
// resolvers accept.
func validHostname(h string) bool {
	h = strings.TrimSuffix(h, ".")
	if h == "" || len(h) > 253 {
		return false
	}
	labels := strings.Split(h, ".")
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' {
			return false
		}
		for _, c := range []byte(l) {
			ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_'
			if !ok {
				return false
			}
		}
	}
	return !allDigits(labels[len(labels)-1])
}

func allDigits(s string) bool {
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// lookup gives the host's addresses, an IP literal as is, IPv4-mapped
// IPv6 addresses as IPv4 and without zones.
func (p Policy) lookup(ctx context.Context, host string) ([]netip.Addr, error) {
	if a, err := netip.ParseAddr(host); err == nil {
		return []netip.Addr{normalize(a)}, nil
	}
	r := p.resolver
	if r == nil {
		r = net.DefaultResolver
	}
	addrs, err := r.LookupNetIP(ctx, "ip", host)
	if err != nil {
		// The DNSError names the server's resolver: the client gets
		// only what went wrong.
		var de *net.DNSError
		if errors.As(err, &de) {
			return nil, fmt.Errorf("cannot resolve host %q: %s", host, de.Err)
		}
		return nil, fmt.Errorf("cannot resolve host %q: %w", host, err)
	}
	if len(addrs) == 0 {
		return nil, fmt.Errorf("host %q has no address", host)
	}
	for i, a := range addrs {
		addrs[i] = normalize(a)
	}
	return addrs, nil
}

func normalize(a netip.Addr) netip.Addr {
	return a.WithZone("").Unmap()
}

// refuse says why a may not be reached, or "" when it may.
func (p Policy) refuse(a netip.Addr) string {
	if p.allowed(a) {
		return ""
	}
	kind := special(a)
	if kind == "" {
		return ""
	}
	return fmt.Sprintf("%s is %s; CODERACER_CALLBACK_ALLOW may allow it", a, kind)
}

func (p Policy) allowed(a netip.Addr) bool {
	for _, pr := range p.Allow {
		if normalizePrefix(pr).Contains(a) {
			return true
		}
	}
	return false
}

// control runs before every connection the deliverer makes, on the
// address actually dialled: whatever a name resolved to at submission,
// a refused address is never connected to.
func (p Policy) control(_ context.Context, _, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return &TargetError{Reason: fmt.Sprintf("dialled address %q is not an IP address", address)}
	}
	if reason := p.refuse(normalize(ap.Addr())); reason != "" {
		return &TargetError{Reason: reason}
	}
	return nil
}

// ParseAllow parses CODERACER_CALLBACK_ALLOW: comma-separated CIDR
// prefixes (a bare address is a prefix of one address). Empty: none.
func ParseAllow(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for f := range strings.SplitSeq(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		pr, err := netip.ParsePrefix(f)
		if err != nil {
			a, aerr := netip.ParseAddr(f)
			if aerr != nil || a.Zone() != "" {
				return nil, fmt.Errorf("callback allow list: %q is not a CIDR prefix: %w", f, err)
			}
			pr = netip.PrefixFrom(a, a.BitLen())
		}
		out = append(out, normalizePrefix(pr))
	}
	return out, nil
}

// normalizePrefix masks a prefix and writes an IPv4-mapped one as IPv4,
// as addresses are checked.
func normalizePrefix(pr netip.Prefix) netip.Prefix {
	if a := pr.Addr(); a.Is4In6() && pr.Bits() >= 96 {
		pr = netip.PrefixFrom(a.Unmap(), pr.Bits()-96)
	}
	return pr.Masked()
}
