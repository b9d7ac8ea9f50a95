package callback

import (
	"strings"
	"testing"
)

func TestSign(t *testing.T) {
	// HMAC-SHA256's well-known example (key "key").
	got := Sign([]byte("key"), []byte("The quick brown fox jumps over the lazy dog"))
	want := "sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"
	if got != want {
		t.Fatalf("Sign = %s, want %s", got, want)
	}
}

func TestVerify(t *testing.T) {
	secret, body := []byte("s3cr3t"), []byte(`{"token":"abc"}`)
	sig := Sign(secret, body)
	cases := []struct {
		name   string
		secret []byte
		body   []byte
		header string
		want   bool
	}{
		{"valid", secret, body, sig, true},
		{"uppercase hex", secret, body, "sha256=" + strings.ToUpper(strings.TrimPrefix(sig, "sha256=")), true},
		{"other body", secret, []byte(`{"token":"abd"}`), sig, false},
		{"other secret", []byte("s3cr3u"), body, sig, false},
		{"no secret", nil, body, sig, false},
		{"no prefix", secret, body, strings.TrimPrefix(sig, "sha256="), false},
		{"other algorithm", secret, body, "sha1=" + strings.TrimPrefix(sig, "sha256="), false},
		{"truncated", secret, body, sig[:len(sig)-2], false},
		{"not hex", secret, body, "sha256=zz" + sig[9:], false},
		{"empty", secret, body, "", false},
		{"prefix only", secret, body, "sha256=", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Verify(c.secret, c.body, c.header); got != c.want {
				t.Errorf("Verify(%q, %q, %q) = %v, want %v", c.secret, c.body, c.header, got, c.want)
			}
		})
	}
}
