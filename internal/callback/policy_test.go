package callback

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// noDNS resolves from /etc/hosts only: a test sends nothing off the
// machine.
func noDNS() *net.Resolver {
	return &net.Resolver{
		PreferGo: true,
		Dial: func(context.Context, string, string) (net.Conn, error) {
			return nil, errors.New("no DNS in tests")
		},
	}
}

func prefixes(t *testing.T, s string) []netip.Prefix {
	t.Helper()
	p, err := ParseAllow(s)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCheckURL(t *testing.T) {
	none := Policy{resolver: noDNS()}
	local := Policy{Allow: prefixes(t, "127.0.0.0/8,::1"), resolver: noDNS()}
	tenNet := Policy{Allow: prefixes(t, "10.0.0.0/8"), resolver: noDNS()}
	mapped := Policy{Allow: []netip.Prefix{netip.MustParsePrefix("::ffff:127.0.0.0/104")}, resolver: noDNS()}
	cases := []struct {
		policy Policy
		url    string
		want   string // a part of the error; "" when accepted
	}{
		{none, "http://127.0.0.1:9/", `callback URL "http://127.0.0.1:9/": 127.0.0.1 is a loopback address; CODERACER_CALLBACK_ALLOW may allow it`},
		{none, "http://127.8.9.10/", "127.8.9.10 is a loopback address"},
		{none, "http://10.1.2.3/", "10.1.2.3 is a private address"},
		{none, "http://172.16.0.1/", "is a private address"},
		{none, "http://192.168.1.1/", "is a private address"},
		{none, "http://169.254.169.254/latest/meta-data/", "169.254.169.254 is the cloud metadata address"},
		{none, "http://169.254.1.1/", "a link-local address"},
		{none, "http://100.64.0.1/", "carrier-grade NAT"},
		{none, "http://0.0.0.0/", "an unspecified address"},
		{none, "http://0.1.2.3/", `"this network"`},
		{none, "http://224.0.0.1/", "a multicast address"},
		{none, "http://255.255.255.255/", "the broadcast address"},
		{none, "http://240.0.0.1/", "a reserved address"},
		{none, "http://192.0.2.1/", "a documentation address"},
		{none, "http://198.18.0.1/", "a benchmarking address"},
		{none, "http://[::1]:8080/", "::1 is a loopback address"},
		{none, "http://[::]/", "an unspecified address"},
		{none, "http://[::ffff:127.0.0.1]/", "127.0.0.1 is a loopback address"},
		{none, "http://[::ffff:169.254.169.254]/", "the cloud metadata address"},
		{none, "http://[fe80::1]/", "fe80::1 is a link-local address"},
		{none, "http://[fe80::1%25eth0]/", "fe80::1 is a link-local address"},
		{none, "http://[fd00::1]/", "a private (unique local) address"},
		{none, "http://[ff02::1]/", "a multicast address"},
		{none, "http://[64:ff9b::7f00:1]/", "a NAT64 address of 127.0.0.1, a loopback address"},
		{none, "http://[2002:a9fe:a9fe::1]/", "a 6to4 address of 169.254.169.254"},
		{none, "http://[::7f00:1]/", "outside the IPv6 global unicast range"},
		{none, "http://[2001:db8::1]/", "a documentation address"},
		{none, "http://localhost:8080/", "is a loopback address"},
		{none, "http://nothing.example/", `cannot resolve host "nothing.example"`},

		{none, "http://93.184.216.34/", ""},
		{none, "https://93.184.216.34:8443/hook?key=k", ""},
		{none, "http://[2606:2800:220:1:248:1893:25c8:1946]/", ""},
		{none, "http://[64:ff9b::5db8:d822]/", ""},

		{none, "ftp://93.184.216.34/", "not an absolute http or https URL"},
		{none, "javascript:alert(1)", "not an absolute http or https URL"},
		{none, "/relative/path", "not an absolute http or https URL"},
		{none, "//93.184.216.34/", "not an absolute http or https URL"},
		{none, "", "not an absolute http or https URL"},
		{none, "http://", "no host"},
		{none, "http:93.184.216.34", "no host"},
		{none, "http://user:pw@93.184.216.34/", "user information"},
		{none, "http://user@93.184.216.34/", "user information"},
		{none, "http://93.184.216.34/" + strings.Repeat("a", MaxURLLength), "longer than 2048 bytes"},
		{none, "http://93.184.216.34:0/", "port"},
		{none, "http://93.184.216.34:70000/", "port"},
		{none, "http://127.1/", "not a valid host name"},
		{none, "http://2130706433/", "not a valid host name"},
		{none, "http://a..b/", "not a valid host name"},
		{none, "http://bücher.example/", "not a valid host name"},
		{none, "http://exa mple.com/", "not a URL"},
		{none, "http://93.184.216.34/\n", "not a URL"},

		{local, "http://127.0.0.1:9/", ""},
		{local, "http://[::1]:9/", ""},
		{local, "http://[::ffff:127.0.0.1]:9/", ""},
		{local, "http://localhost:9/", ""},
		{local, "http://10.1.2.3/", "10.1.2.3 is a private address"},
		{tenNet, "http://10.1.2.3/", ""},
		{tenNet, "http://192.168.1.1/", "192.168.1.1 is a private address"},
		{mapped, "http://127.0.0.1/", ""},
	}
	for _, c := range cases {
		err := c.policy.CheckURL(context.Background(), c.url)
		if c.want == "" {
			if err != nil {
				t.Errorf("CheckURL(%.60q) with allow %v: %v, want accepted", c.url, c.policy.Allow, err)
			}
			continue
		}
		var te *TargetError
		if !errors.As(err, &te) {
			t.Errorf("CheckURL(%.60q) with allow %v = %v, want a *TargetError", c.url, c.policy.Allow, err)
			continue
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("CheckURL(%.60q) with allow %v = %q, want it to say %q", c.url, c.policy.Allow, err, c.want)
		}
	}
}

func TestCheckURLLongMessage(t *testing.T) {
	err := Policy{}.CheckURL(context.Background(), "http://x/"+strings.Repeat("a", 3000))
	if err == nil || len(err.Error()) > 200 {
		t.Fatalf("a huge URL gives %d bytes of error: %.200q", len(err.Error()), err)
	}
}

func TestParseAllow(t *testing.T) {
	cases := []struct {
		in   string
		want string // the prefixes, space-separated; "error" for an error
	}{
		{"", ""},
		{" , ", ""},
		{"127.0.0.0/8", "127.0.0.0/8"},
		{"127.0.0.0/8, ::1/128,10.0.0.1", "127.0.0.0/8 ::1/128 10.0.0.1/32"},
		{"10.9.8.7/8", "10.0.0.0/8"},
		{"::ffff:10.0.0.0/104", "10.0.0.0/8"},
		{"fd00::1", "fd00::1/128"},
		{"bogus", "error"},
		{"10.0.0.0/33", "error"},
		{"127.0.0.0/8,,nope", "error"},
		{"fe80::1%eth0", "error"},
	}
	for _, c := range cases {
		got, err := ParseAllow(c.in)
		if c.want == "error" {
			if err == nil {
				t.Errorf("ParseAllow(%q) = %v, want an error", c.in, got)
			}
			continue
		}
		var s []string
		for _, p := range got {
			s = append(s, p.String())
		}
		if err != nil || strings.Join(s, " ") != c.want {
			t.Errorf("ParseAllow(%q) = %v, %v; want %s", c.in, s, err, c.want)
		}
	}
}

// TestDialCheck: the delivery client refuses the address it dials, a
// name (localhost) as well as a literal, and follows no redirect.
func TestDialCheck(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
	}))
	defer srv.Close()
	port := srv.URL[strings.LastIndex(srv.URL, ":")+1:]
	client := newClient(Policy{resolver: noDNS()}, 2*time.Second)
	defer client.CloseIdleConnections()
	for _, u := range []string{srv.URL, "http://localhost:" + port + "/"} {
		resp, err := client.Get(u)
		if err == nil {
			resp.Body.Close()
			t.Fatalf("GET %s went through: %s", u, resp.Status)
		}
		var te *TargetError
		if !errors.As(err, &te) || !strings.Contains(err.Error(), "is a loopback address") {
			t.Errorf("GET %s: %v, want a *TargetError about loopback", u, err)
		}
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("receiver reached %d times", n)
	}

	allowed := newClient(Policy{Allow: prefixes(t, "127.0.0.0/8"), resolver: noDNS()}, 2*time.Second)
	defer allowed.CloseIdleConnections()
	resp, err := allowed.Get(srv.URL)
	if err != nil {
		t.Fatalf("GET %s with 127.0.0.0/8 allowed: %v", srv.URL, err)
	}
	resp.Body.Close()
	if n := hits.Load(); n != 1 {
		t.Errorf("receiver reached %d times, want 1", n)
	}
}

func TestBackoff(t *testing.T) {
	ms := time.Millisecond
	cases := []struct {
		n    int
		want time.Duration
	}{{1, 10 * ms}, {2, 20 * ms}, {3, 40 * ms}, {4, 50 * ms}, {1000, 50 * ms}}
	for _, c := range cases {
		if got := backoff(10*ms, 50*ms, c.n); got != c.want {
			t.Errorf("backoff(10ms, 50ms, %d) = %v, want %v", c.n, got, c.want)
		}
	}
	if got := backoff(time.Second, time.Minute, 100); got != time.Minute {
		t.Errorf("backoff(1s, 1m, 100) = %v, want 1m", got)
	}
}

func TestRedact(t *testing.T) {
	cases := map[string]string{
		"https://h.example/hook?token=s3cr3t#frag": "https://h.example/hook",
		"http://127.0.0.1:9/a/b?":                  "http://127.0.0.1:9/a/b",
		"http://u:p@h.example/":                    "http://h.example/",
	}
	for in, want := range cases {
		if got := redact(in); got != want {
			t.Errorf("redact(%q) = %q, want %q", in, got, want)
		}
	}
}
