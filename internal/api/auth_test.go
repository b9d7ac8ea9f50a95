package api

import (
	"net/http"
	"testing"
	"time"
)

func TestPresentedKey(t *testing.T) {
	for _, c := range []struct {
		auth, token, want string
	}{
		{"Bearer abc", "", "abc"},
		{"bearer  abc ", "", "abc"},
		{"Bearer", "", ""},
		{"Basic abc", "xyz", ""}, // Authorization wins, and is not a bearer
		{"", "xyz", "xyz"},
		{"", "", ""},
	} {
		h := http.Header{}
		if c.auth != "" {
			h.Set("Authorization", c.auth)
		}
		if c.token != "" {
			h.Set("X-Auth-Token", c.token)
		}
		if got := presentedKey(h); got != c.want {
			t.Errorf("Authorization %q, X-Auth-Token %q: got %q, want %q", c.auth, c.token, got, c.want)
		}
	}
}

func TestOpenPath(t *testing.T) {
	s := newServer(nil, Options{})
	for path, want := range map[string]bool{
		"/api/v1/health": true, "/docs": true, "/docs/app.js": true, "/docsx": false,
		"/api/v1/execute": false, "/metrics/../api/v1/execute": false, "/": false,
	} {
		if got := s.openPath(path); got != want {
			t.Errorf("openPath(%q) = %v", path, got)
		}
	}
	if none := newServer(nil, Options{OpenPaths: []string{}}); none.openPath("/api/v1/health") {
		t.Error("an empty OpenPaths opened health")
	}
}

func TestCeilSeconds(t *testing.T) {
	for d, want := range map[time.Duration]string{0: "0", time.Millisecond: "1", time.Second: "1", 1001 * time.Millisecond: "2"} {
		if got := ceilSeconds(d); got != want {
			t.Errorf("ceilSeconds(%v) = %s, want %s", d, got, want)
		}
	}
}
