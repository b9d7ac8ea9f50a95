package api

import (
	"net/http"
	"net/netip"
	"testing"
)

func TestClientAddr(t *testing.T) {
	proxies := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	cases := []struct {
		remote  string
		xff     []string
		trusted []netip.Prefix
		want    string
	}{
		{"192.0.2.1:5000", []string{"198.51.100.7"}, nil, "192.0.2.1"},
		{"192.0.2.1:5000", []string{"198.51.100.7"}, proxies, "192.0.2.1"},
		{"10.1.2.3:5000", []string{"198.51.100.7"}, proxies, "198.51.100.7"},
		{"10.1.2.3:5000", []string{"6.6.6.6, 198.51.100.7, 10.9.9.9"}, proxies, "198.51.100.7"},
		{"10.1.2.3:5000", []string{"6.6.6.6", "198.51.100.7"}, proxies, "198.51.100.7"},
		{"10.1.2.3:5000", []string{"garbage, 10.2.2.2"}, proxies, "10.2.2.2"},
		{"10.1.2.3:5000", nil, proxies, "10.1.2.3"},
		{"[::1]:80", []string{"2001:db8::5"}, proxies, "2001:db8::5"},
		{"[::ffff:10.1.2.3]:80", []string{"198.51.100.7"}, proxies, "198.51.100.7"},
	}
	for _, c := range cases {
		r := &http.Request{RemoteAddr: c.remote, Header: http.Header{"X-Forwarded-For": c.xff}}
		if got := clientAddr(r, c.trusted).String(); got != c.want {
			t.Errorf("%s %q: got %s, want %s", c.remote, c.xff, got, c.want)
		}
	}
	if n := clientName(netip.MustParseAddr("2001:db8:1:2:3:4:5:6")); n != "ip:2001:db8:1:2::/64" {
		t.Errorf("IPv6 client name %s", n)
	}
}
