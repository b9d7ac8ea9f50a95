package main

import (
	"crypto/tls"
	"crypto/x509"
	"flag"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"

	"github.com/coderacer/coderacer/internal/store"
)

// ---- NATS as a node of a deployment (README "Configuration") ----

// natsSettings say how this server reaches an external NATS (credentials,
// TLS) or how its embedded one joins others (listening, routes), and how
// many servers keep the submissions.
type natsSettings struct {
	Creds   string
	TLSCA   string
	TLSCert string
	TLSKey  string
	// Token is shared by the nodes of a deployment: the embedded server
	// requires it, every connection presents it. A secret.
	Token         string
	Listen        string
	ClusterListen string
	Routes        []string
	Name          string
	Replicas      int
}

// minTokenLen keeps a shared token out of guessing's reach.
const minTokenLen = 16

func defaultNATSSettings() natsSettings { return natsSettings{Replicas: 1} }

func (c *serveConfig) natsSettings() []setting {
	n := &c.NATS
	return []setting{
		{"CODERACER_NATS_CREDS", "nats-creds", "NATS credentials file (user JWT and NKey seed) for CODERACER_NATS_URL", stringValue(&n.Creds)},
		{"CODERACER_NATS_TLS_CA", "nats-tls-ca", "PEM file of the CAs that sign CODERACER_NATS_URL's certificate; with it the connection must be TLS", stringValue(&n.TLSCA)},
		{"CODERACER_NATS_TLS_CERT", "nats-tls-cert", "PEM client certificate for CODERACER_NATS_URL (with CODERACER_NATS_TLS_KEY)", stringValue(&n.TLSCert)},
		{"CODERACER_NATS_TLS_KEY", "nats-tls-key", "PEM key of CODERACER_NATS_TLS_CERT", stringValue(&n.TLSKey)},
		{"CODERACER_NATS_TOKEN", "nats-token", "shared token (16 characters or more): the embedded NATS requires it of clients and routes, and this server presents it to any NATS; set it whenever the embedded NATS listens", natsTokenValue(&n.Token)},
		{"CODERACER_NATS_LISTEN", "nats-listen", "host:port where the embedded NATS takes clients (other nodes' CODERACER_NATS_URL); no authentication but CODERACER_NATS_TOKEN: a private network only; empty: in-process only", hostPortValue(&n.Listen)},
		{"CODERACER_NATS_CLUSTER_LISTEN", "nats-cluster-listen", "host:port where the embedded NATS takes routes from the other embedded servers of CODERACER_NATS_ROUTES (private network; CODERACER_NATS_TOKEN authenticates them)", hostPortValue(&n.ClusterListen)},
		{"CODERACER_NATS_ROUTES", "nats-routes", "comma-separated nats-route://host:port of every embedded server of the cluster, this one's may be among them (none: standalone)", routesValue(&n.Routes)},
		{"CODERACER_NATS_NAME", "nats-name", "the embedded NATS's name in its cluster, unique and stable; empty: made up once and kept in CODERACER_DATA_DIR", serverNameValue(&n.Name)},
		{"CODERACER_NATS_REPLICAS", "nats-replicas", "servers that keep each queued submission and state, 1 to 5 (3 on a cluster of 3 outlives one's loss); more than 1 needs CODERACER_NATS_ROUTES or CODERACER_NATS_URL", intValue(&n.Replicas)},
	}
}

// checkNATS refuses settings that cannot go together, naming them.
func (c *serveConfig) checkNATS() error {
	n, external := c.NATS, c.Submissions.NATSURL != ""
	embedded := []struct {
		set  bool
		name string
	}{{n.Listen != "", "CODERACER_NATS_LISTEN (--nats-listen)"}, {n.ClusterListen != "", "CODERACER_NATS_CLUSTER_LISTEN (--nats-cluster-listen)"},
		{len(n.Routes) > 0, "CODERACER_NATS_ROUTES (--nats-routes)"}, {n.Name != "", "CODERACER_NATS_NAME (--nats-name)"}}
	for _, e := range embedded {
		if e.set && external {
			return fmt.Errorf("%s configures the embedded NATS, which CODERACER_NATS_URL (--nats-url) replaces: set one or the other", e.name)
		}
	}
	switch {
	case len(n.Routes) > 0 && n.ClusterListen == "":
		return fmt.Errorf("CODERACER_NATS_ROUTES (--nats-routes) needs CODERACER_NATS_CLUSTER_LISTEN (--nats-cluster-listen), the address the routes reach this server on")
	case n.ClusterListen != "" && len(n.Routes) == 0:
		return fmt.Errorf("CODERACER_NATS_CLUSTER_LISTEN (--nats-cluster-listen) needs CODERACER_NATS_ROUTES (--nats-routes): JetStream clusters through configured routes")
	case n.Replicas < 1 || n.Replicas > store.MaxReplicas:
		return fmt.Errorf("CODERACER_NATS_REPLICAS (--nats-replicas) %d: from 1 to %d", n.Replicas, store.MaxReplicas)
	case n.Replicas > 1 && !external && len(n.Routes) == 0:
		return fmt.Errorf("CODERACER_NATS_REPLICAS (--nats-replicas) %d needs a cluster: CODERACER_NATS_ROUTES (--nats-routes) or CODERACER_NATS_URL (--nats-url)", n.Replicas)
	}
	return n.checkFiles(external)
}

// checkFiles refuses client files without an external NATS, and files
// that cannot be read or are not what they should be.
func (n natsSettings) checkFiles(external bool) error {
	files := []struct{ path, name string }{{n.Creds, "CODERACER_NATS_CREDS (--nats-creds)"}, {n.TLSCA, "CODERACER_NATS_TLS_CA (--nats-tls-ca)"},
		{n.TLSCert, "CODERACER_NATS_TLS_CERT (--nats-tls-cert)"}, {n.TLSKey, "CODERACER_NATS_TLS_KEY (--nats-tls-key)"}}
	for _, f := range files {
		if f.path == "" {
			continue
		}
		if !external {
			return fmt.Errorf("%s is for an external NATS (CODERACER_NATS_URL); the embedded one takes CODERACER_NATS_TOKEN", f.name)
		}
		if _, err := os.ReadFile(f.path); err != nil {
			return fmt.Errorf("%s: %w", f.name, err)
		}
	}
	if n.TLSCA != "" {
		b, _ := os.ReadFile(n.TLSCA)
		if !x509.NewCertPool().AppendCertsFromPEM(b) {
			return fmt.Errorf("CODERACER_NATS_TLS_CA (--nats-tls-ca) %s: no PEM certificate in it", n.TLSCA)
		}
	}
	if (n.TLSCert == "") != (n.TLSKey == "") {
		return fmt.Errorf("CODERACER_NATS_TLS_CERT (--nats-tls-cert) and CODERACER_NATS_TLS_KEY (--nats-tls-key) go together")
	}
	if n.TLSCert != "" {
		if _, err := tls.LoadX509KeyPair(n.TLSCert, n.TLSKey); err != nil {
			return fmt.Errorf("CODERACER_NATS_TLS_CERT (--nats-tls-cert) and its key: %w", err)
		}
	}
	return nil
}

// node adds the NATS settings to the store's configuration.
func (n natsSettings) node(cfg store.Config) store.Config {
	cfg.CredsFile, cfg.TLSCA, cfg.TLSCert, cfg.TLSKey, cfg.Token = n.Creds, n.TLSCA, n.TLSCert, n.TLSKey, n.Token
	cfg.Listen, cfg.ClusterListen, cfg.Routes, cfg.ServerName = n.Listen, n.ClusterListen, n.Routes, n.Name
	cfg.Replicas = n.Replicas
	return cfg
}

// natsTokenValue is a secret token: 16 printable ASCII characters or
// more, no white space.
func natsTokenValue(p *string) flag.Value {
	return value[string]{p: p, format: formatString, secret: true, parse: func(s string) (string, error) {
		if s == "" {
			return "", nil
		}
		if len(s) < minTokenLen || strings.ContainsFunc(s, func(r rune) bool { return r <= ' ' || r > '~' }) {
			return "", fmt.Errorf("want %d printable characters or more, no white space", minTokenLen)
		}
		return s, nil
	}}
}

// hostPortValue is host:port (an empty host: every interface).
func hostPortValue(p *string) flag.Value {
	return value[string]{p: p, format: formatString, parse: func(s string) (string, error) {
		if s == "" {
			return "", nil
		}
		_, port, err := net.SplitHostPort(s)
		if n, perr := strconv.Atoi(port); err != nil || perr != nil || n < 1 || n > 65535 {
			return "", fmt.Errorf("want host:port (e.g. 10.0.0.5:4222 or :4222)")
		}
		return s, nil
	}}
}

// routesValue is a comma-separated list of nats-route://host:port, with
// no credentials.
func routesValue(p *[]string) flag.Value {
	return value[[]string]{p: p, format: func(l []string) string { return strings.Join(l, ",") }, parse: func(s string) ([]string, error) {
		return parseList(s, func(f string) (string, error) {
			u, err := url.Parse(f)
			if err != nil || u.Scheme != "nats-route" || u.Hostname() == "" || u.Port() == "" || u.Path != "" {
				return "", fmt.Errorf("not a route (nats-route://host:port): %q", f)
			}
			if u.User != nil { // it would be shown by `coderacer config`
				return "", fmt.Errorf("a route carries no credentials: CODERACER_NATS_TOKEN authenticates routes")
			}
			return f, nil
		})
	}}
}

// serverNameValue is a NATS server name: letters, digits, '-', '_', '.'.
func serverNameValue(p *string) flag.Value {
	return value[string]{p: p, format: formatString, parse: func(s string) (string, error) {
		if len(s) > 64 || strings.ContainsFunc(s, func(r rune) bool {
			return !(r == '-' || r == '_' || r == '.' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
		}) {
			return "", fmt.Errorf("want at most 64 letters, digits, '-', '_' or '.'")
		}
		return s, nil
	}}
}

// natsURLValue is CODERACER_NATS_URL: `coderacer config` shows it with
// the passwords and tokens of its URLs redacted.
type natsURLValue struct{ value[string] }

func natsURL(p *string) flag.Value {
	return natsURLValue{value[string]{p: p, parse: parseString, format: formatString}}
}

func (v natsURLValue) shown() string {
	var out []string
	for _, raw := range strings.Split(v.String(), ",") {
		u, err := url.Parse(strings.TrimSpace(raw))
		switch {
		case err != nil:
			raw = "(redacted)" // unreadable: it may hold anything
		case u.User != nil:
			u.User = url.User("redacted")
			raw = u.String()
		}
		out = append(out, raw)
	}
	return strings.Join(out, ",")
}
