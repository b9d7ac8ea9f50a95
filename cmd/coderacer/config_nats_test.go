package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/coderacer/coderacer/internal/store"
)

func parseEnv(env map[string]string) (serveConfig, error) {
	return parseServeConfig(nil, func(k string) string { return env[k] })
}

// Without NATS settings the store is configured as it always was.
func TestNATSDefaults(t *testing.T) {
	c, err := parseEnv(nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.NATS.node(store.Config{DataDir: "/d"}); !reflect.DeepEqual(got, store.Config{DataDir: "/d", Replicas: 1}) {
		t.Errorf("store config %+v", got)
	}
}

const testToken = "0123456789abcdef-token"

// A node of a cluster of embedded servers.
func TestNATSClusterNode(t *testing.T) {
	c, err := parseEnv(map[string]string{
		"CODERACER_NATS_LISTEN": "10.0.0.5:4222", "CODERACER_NATS_CLUSTER_LISTEN": ":6222",
		"CODERACER_NATS_ROUTES": "nats-route://10.0.0.5:6222, nats-route://10.0.0.6:6222,nats-route://10.0.0.7:6222",
		"CODERACER_NATS_NAME":   "api-1", "CODERACER_NATS_REPLICAS": "3", "CODERACER_NATS_TOKEN": testToken,
	})
	if err != nil {
		t.Fatal(err)
	}
	got := c.NATS.node(store.Config{})
	want := store.Config{Listen: "10.0.0.5:4222", ClusterListen: ":6222", ServerName: "api-1", Replicas: 3, Token: testToken,
		Routes: []string{"nats-route://10.0.0.5:6222", "nats-route://10.0.0.6:6222", "nats-route://10.0.0.7:6222"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("store config\n%+v, want\n%+v", got, want)
	}
}

// A node of an external NATS cluster over TLS with credentials.
func TestNATSExternal(t *testing.T) {
	dir := t.TempDir()
	ca, cert, key := testPEM(t)
	env := map[string]string{
		"CODERACER_NATS_URL":      "tls://a:4222,tls://b:4222",
		"CODERACER_NATS_CREDS":    writeTestFile(t, dir, "user.creds", []byte("creds")),
		"CODERACER_NATS_TLS_CA":   writeTestFile(t, dir, "ca.pem", ca),
		"CODERACER_NATS_TLS_CERT": writeTestFile(t, dir, "cert.pem", cert),
		"CODERACER_NATS_TLS_KEY":  writeTestFile(t, dir, "key.pem", key),
		"CODERACER_NATS_REPLICAS": "3",
	}
	c, err := parseEnv(env)
	if err != nil {
		t.Fatal(err)
	}
	got := c.NATS.node(store.Config{URL: c.Submissions.NATSURL})
	if got.URL != env["CODERACER_NATS_URL"] || got.CredsFile != env["CODERACER_NATS_CREDS"] || got.TLSCA != env["CODERACER_NATS_TLS_CA"] ||
		got.TLSCert != env["CODERACER_NATS_TLS_CERT"] || got.TLSKey != env["CODERACER_NATS_TLS_KEY"] || got.Replicas != 3 {
		t.Errorf("store config %+v", got)
	}
	for k, v := range map[string]string{
		"CODERACER_NATS_TLS_CA":   env["CODERACER_NATS_CREDS"],  // no certificate in it
		"CODERACER_NATS_TLS_KEY":  env["CODERACER_NATS_TLS_CA"], // not the certificate's key
		"CODERACER_NATS_CREDS":    filepath.Join(dir, "missing"),
		"CODERACER_NATS_TLS_CERT": "",
	} {
		bad := map[string]string{}
		for k, v := range env {
			bad[k] = v
		}
		bad[k] = v
		if _, err := parseEnv(bad); err == nil || !strings.Contains(err.Error(), strings.TrimSuffix(k, "_KEY")) {
			t.Errorf("%s=%s: error %v, want one naming it", k, v, err)
		}
	}
}

func TestNATSRefused(t *testing.T) {
	route := "nats-route://127.0.0.1:6222"
	for _, tc := range []struct {
		env  map[string]string
		want []string // each in the error
	}{
		{map[string]string{"CODERACER_NATS_URL": "nats://a:4222", "CODERACER_NATS_LISTEN": ":4222"}, []string{"CODERACER_NATS_LISTEN", "CODERACER_NATS_URL"}},
		{map[string]string{"CODERACER_NATS_URL": "nats://a:4222", "CODERACER_NATS_CLUSTER_LISTEN": ":6222", "CODERACER_NATS_ROUTES": route}, []string{"CODERACER_NATS_CLUSTER_LISTEN", "CODERACER_NATS_URL"}},
		{map[string]string{"CODERACER_NATS_URL": "nats://a:4222", "CODERACER_NATS_NAME": "n1"}, []string{"CODERACER_NATS_NAME", "CODERACER_NATS_URL"}},
		{map[string]string{"CODERACER_NATS_ROUTES": route}, []string{"CODERACER_NATS_ROUTES", "CODERACER_NATS_CLUSTER_LISTEN"}},
		{map[string]string{"CODERACER_NATS_CLUSTER_LISTEN": ":6222"}, []string{"CODERACER_NATS_CLUSTER_LISTEN", "CODERACER_NATS_ROUTES"}},
		{map[string]string{"CODERACER_NATS_REPLICAS": "3"}, []string{"CODERACER_NATS_REPLICAS", "CODERACER_NATS_ROUTES"}},
		{map[string]string{"CODERACER_NATS_URL": "nats://a:4222", "CODERACER_NATS_REPLICAS": "6"}, []string{"CODERACER_NATS_REPLICAS", "from 1 to 5"}},
		{map[string]string{"CODERACER_NATS_REPLICAS": "0"}, []string{"CODERACER_NATS_REPLICAS"}},
		{map[string]string{"CODERACER_NATS_TLS_CA": "/etc/hostname"}, []string{"CODERACER_NATS_TLS_CA", "external"}},
		{map[string]string{"CODERACER_NATS_LISTEN": "4222"}, []string{"CODERACER_NATS_LISTEN", "host:port"}},
		{map[string]string{"CODERACER_NATS_LISTEN": ":0"}, []string{"CODERACER_NATS_LISTEN"}},
		{map[string]string{"CODERACER_NATS_ROUTES": "nats://a:6222"}, []string{"CODERACER_NATS_ROUTES", "nats-route://"}},
		{map[string]string{"CODERACER_NATS_ROUTES": "nats-route://u:secret@a:6222"}, []string{"CODERACER_NATS_ROUTES", "no credentials"}},
		{map[string]string{"CODERACER_NATS_TOKEN": "short"}, []string{"CODERACER_NATS_TOKEN"}},
		{map[string]string{"CODERACER_NATS_TOKEN": "a token with spaces in it"}, []string{"CODERACER_NATS_TOKEN"}},
		{map[string]string{"CODERACER_NATS_NAME": "two words"}, []string{"CODERACER_NATS_NAME"}},
		{map[string]string{"CODERACER_NATS_URL": "nats://a:4222,http://b"}, []string{"CODERACER_NATS_URL"}},
	} {
		_, err := parseEnv(tc.env)
		for _, w := range tc.want {
			if err == nil || !strings.Contains(err.Error(), w) {
				t.Errorf("%v: error %v, want it to say %s", tc.env, err, w)
			}
		}
		if err != nil && strings.Contains(err.Error(), "short") {
			t.Errorf("the error tells the token: %v", err)
		}
	}
}

// `coderacer config` shows neither the token nor a URL's password.
func TestNATSSecretsRedacted(t *testing.T) {
	t.Setenv("CODERACER_NATS_URL", "nats://alice:s3cret-pass@a:4222,nats://tok3n-in-url@b:4222,nats://c:4222")
	t.Setenv("CODERACER_NATS_TOKEN", testToken)
	var out strings.Builder
	if err := printConfig(nil, &out); err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"s3cret-pass", "tok3n-in-url", testToken} {
		if strings.Contains(out.String(), secret) {
			t.Errorf("%s shown:\n%s", secret, out.String())
		}
	}
	for _, want := range []string{"CODERACER_NATS_TOKEN=(redacted)\n", "CODERACER_NATS_URL=nats://redacted@a:4222,nats://redacted@b:4222,nats://c:4222\n", "CODERACER_NATS_REPLICAS=1\n"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("no %q in:\n%s", want, out.String())
		}
	}
}

// testPEM makes a CA's certificate and a certificate and key it signed.
func testPEM(t *testing.T) (ca, cert, key []byte) {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "CA"}, IsCA: true, BasicConstraintsValid: true,
		NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour), KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "client"},
		NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour), ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caTmpl, &k.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	kDER, err := x509.MarshalECPrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}),
		pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kDER})
}

func writeTestFile(t *testing.T, dir, name string, b []byte) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
