package store

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
)

// Node defaults: the embedded servers of one deployment form the
// cluster DefaultClusterName; the standalone server keeps the name it
// always had.
const (
	DefaultClusterName = "coderacer"
	// MaxReplicas is JetStream's own bound on a stream's replicas.
	MaxReplicas = 5
	// standaloneName is the embedded server's name when it listens
	// nowhere, as it was before nodes.
	standaloneName = "coderacer"
	// serverNameFile keeps a node's generated name in its data directory:
	// JetStream knows a peer by its name, which must outlive restarts.
	serverNameFile = "server-name"
	// routeUser is the user name routes authenticate with, the password
	// being Config.Token.
	routeUser = "coderacer"
)

// clustered says whether the embedded server joins a cluster of routes.
func (c Config) clustered() bool { return c.ClusterListen != "" }

// check refuses a configuration that cannot work, in words naming the
// fields, before anything is started.
func (c Config) check() error {
	embedded := c.Listen != "" || c.ClusterListen != "" || len(c.Routes) > 0 || c.ServerName != ""
	switch {
	case c.URL != "" && embedded:
		return errors.New("store: an external NATS (URL) and embedded server options (Listen, ClusterListen, Routes, ServerName) exclude each other")
	case c.URL == "" && (c.CredsFile != "" || c.TLSCA != "" || c.TLSCert != "" || c.TLSKey != ""):
		return errors.New("store: credentials and TLS files are for an external NATS (URL); the embedded server takes a Token")
	case (c.TLSCert == "") != (c.TLSKey == ""):
		return errors.New("store: a TLS client certificate needs its key, and a key its certificate")
	case len(c.Routes) > 0 && c.ClusterListen == "":
		return errors.New("store: Routes need a ClusterListen address")
	case c.ClusterListen != "" && len(c.Routes) == 0:
		return errors.New("store: a ClusterListen address needs Routes (JetStream clusters through configured routes)")
	case c.Replicas < 0 || c.Replicas > MaxReplicas:
		return fmt.Errorf("store: replicas %d: from 1 to %d", c.Replicas, MaxReplicas)
	case c.Replicas > 1 && c.URL == "" && !c.clustered():
		return fmt.Errorf("store: %d replicas need a cluster: Routes or an external NATS", c.Replicas)
	}
	for _, a := range []string{c.Listen, c.ClusterListen} {
		if _, _, err := splitHostPort(a); a != "" && err != nil {
			return err
		}
	}
	_, err := routeURLs(c.Routes, "")
	return err
}

// clientOptions are the NATS connection's options beyond the defaults:
// credentials, TLS and the token.
func (c Config) clientOptions() []nats.Option {
	var opts []nats.Option
	if c.CredsFile != "" {
		opts = append(opts, nats.UserCredentials(c.CredsFile))
	}
	if c.Token != "" {
		opts = append(opts, nats.Token(c.Token))
	}
	if c.TLSCA != "" {
		opts = append(opts, nats.RootCAs(c.TLSCA))
	}
	if c.TLSCert != "" {
		opts = append(opts, nats.ClientCert(c.TLSCert, c.TLSKey))
	}
	if c.TLSCA != "" || strings.Contains(c.URL, "tls://") {
		opts = append(opts, nats.Secure())
	}
	return opts
}

// nodeOptions sets the embedded server's listening, authorization and
// cluster options from cfg; zero fields leave it standalone and deaf.
func nodeOptions(opts *server.Options, cfg Config, dir string) error {
	opts.ServerName = standaloneName
	if cfg.ServerName != "" || cfg.Listen != "" || cfg.clustered() {
		name, err := serverName(cfg.ServerName, dir)
		if err != nil {
			return err
		}
		opts.ServerName = name
	}
	if cfg.Listen != "" {
		host, port, _ := splitHostPort(cfg.Listen)
		opts.DontListen, opts.Host, opts.Port = false, host, port
	}
	if cfg.Token != "" {
		opts.Authorization = cfg.Token
	}
	if !cfg.clustered() {
		return nil
	}
	host, port, _ := splitHostPort(cfg.ClusterListen)
	opts.Cluster = server.ClusterOpts{Name: cfg.ClusterName, Host: host, Port: port}
	if cfg.Token != "" {
		opts.Cluster.Username, opts.Cluster.Password = routeUser, cfg.Token
	}
	routes, err := routeURLs(cfg.Routes, cfg.Token)
	opts.Routes = routes
	return err
}

// splitHostPort reads host:port; port 0 is any free port.
func splitHostPort(addr string) (string, int, error) {
	host, p, err := net.SplitHostPort(addr)
	port, perr := strconv.Atoi(p)
	if err != nil || perr != nil || port < 0 || port > 65535 {
		return "", 0, fmt.Errorf("store: address %q: want host:port", addr)
	}
	if port == 0 {
		port = server.RANDOM_PORT
	}
	return host, port, nil
}

// routeURLs reads the routes, each nats-route://host:port (or nats://),
// adding the route user and token to those that carry no credentials.
func routeURLs(routes []string, token string) ([]*url.URL, error) {
	var urls []*url.URL
	for _, r := range routes {
		u, err := url.Parse(strings.TrimSpace(r))
		if err != nil || u.Port() == "" || u.Hostname() == "" || u.Scheme != "nats-route" && u.Scheme != "nats" {
			return nil, fmt.Errorf("store: route %q: want nats-route://host:port", r)
		}
		if token != "" && u.User == nil {
			u.User = url.UserPassword(routeUser, token)
		}
		urls = append(urls, u)
	}
	return urls, nil
}

// serverName is name if set, else the name kept in dir, else a new one
// (the host's name and random hex) kept there for the next start.
func serverName(name, dir string) (string, error) {
	if name != "" {
		return name, nil
	}
	path := filepath.Join(dir, serverNameFile)
	if b, err := os.ReadFile(path); err == nil && len(strings.TrimSpace(string(b))) > 0 {
		return strings.TrimSpace(string(b)), nil
	}
	host, _ := os.Hostname()
	host = strings.Map(func(r rune) rune {
		if r == '.' {
			return '-'
		}
		if r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' {
			return r
		}
		return -1
	}, host)
	b := make([]byte, 4)
	rand.Read(b)
	name = strings.TrimPrefix(host+"-"+hex.EncodeToString(b), "-")
	if err := os.WriteFile(path, []byte(name+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("store: keep the server name: %w", err)
	}
	return name, nil
}
