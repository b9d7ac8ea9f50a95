package api

import (
	"net/http"
	"net/netip"
	"strings"
)

// clientAddr is the address a request came from: the peer's, or, when
// the peer is a trusted proxy, the nearest address in X-Forwarded-For
// that is not one. Addresses a client wrote itself (left of the last
// untrusted hop) are never believed: anyone can send X-Forwarded-For.
func clientAddr(r *http.Request, trusted []netip.Prefix) netip.Addr {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return netip.Addr{}
	}
	addr := ap.Addr().Unmap()
	if len(trusted) == 0 {
		return addr
	}
	hops := forwardedFor(r.Header)
	for i := len(hops) - 1; i >= 0 && isTrusted(addr, trusted); i-- {
		hop, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			// A garbled hop: the last address known good stands.
			break
		}
		addr = hop.Unmap()
	}
	return addr
}

// forwardedFor lists X-Forwarded-For's hops, every header line in order.
func forwardedFor(h http.Header) []string {
	var hops []string
	for _, line := range h.Values("X-Forwarded-For") {
		hops = append(hops, strings.Split(line, ",")...)
	}
	return hops
}

func isTrusted(a netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// clientName names an address's bucket: IPv6 clients get a /64 each, as
// one host usually holds a whole /64 and could otherwise take a fresh
// bucket per request.
func clientName(a netip.Addr) string {
	if a.Is6() {
		p, _ := a.Prefix(64)
		return "ip:" + p.String()
	}
	return "ip:" + a.String()
}
