package playground

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

func get(t *testing.T, p *Playground, method, target string) *httptest.ResponseRecorder {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", p.ServePage)
	mux.HandleFunc("GET /playground/{file}", p.ServeAsset)
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest(method, target, nil))
	return rec
}

// TestPage: the page has its headers and loads only files the server has,
// as module scripts and style sheets of its own origin (no inline code:
// the CSP would refuse it).
func TestPage(t *testing.T) {
	p := New()
	rec := get(t, p, http.MethodGet, "/")
	if rec.Code != 200 {
		t.Fatalf("GET /: %d %s", rec.Code, rec.Body)
	}
	for k, want := range map[string]string{
		"Content-Type": "text/html; charset=utf-8", "X-Content-Type-Options": "nosniff", "Cache-Control": "no-cache",
	} {
		if got := rec.Header().Get(k); got != want {
			t.Errorf("GET /: %s %q, want %q", k, got, want)
		}
	}
	page := rec.Body.String()
	// The nonce: in the CSP and the page's <meta>, new for each answer.
	m := regexp.MustCompile(`'nonce-([A-Za-z0-9+/=]{24})'`).FindStringSubmatch(rec.Header().Get("Content-Security-Policy"))
	if m == nil || strings.Replace(PageCSP, "NONCE", m[1], 1) != rec.Header().Get("Content-Security-Policy") {
		t.Fatalf("GET /: CSP %q", rec.Header().Get("Content-Security-Policy"))
	}
	if !strings.Contains(page, `<meta name="csp-nonce" content="`+m[1]+`">`) {
		t.Errorf("the page does not hold its CSP's nonce %s", m[1])
	}
	if again := get(t, p, http.MethodGet, "/"); strings.Contains(again.Header().Get("Content-Security-Policy"), m[1]) {
		t.Errorf("two answers have the same nonce")
	}
	if !strings.Contains(rec.Header().Get("Content-Security-Policy"), "script-src 'self';") {
		t.Errorf("script-src is not 'self' alone")
	}
	if strings.Contains(page, "<script>") || strings.Contains(page, "<style") || strings.Contains(page, " style=") {
		t.Errorf("the page has inline script or style, which its CSP refuses")
	}
	refs := regexp.MustCompile(`(?:src|href)="(/playground/[^"]+)"`).FindAllStringSubmatch(page, -1)
	if len(refs) != 2 {
		t.Fatalf("the page names %d files under /playground/, want its script and style sheet: %v", len(refs), refs)
	}
	for _, ref := range refs {
		rec := get(t, p, http.MethodGet, ref[1])
		if rec.Code != 200 || rec.Header().Get("Cache-Control") != assetCache || rec.Header().Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("GET %s: %d %v", ref[1], rec.Code, rec.Header())
		}
		if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/javascript") && !strings.HasPrefix(ct, "text/css") {
			t.Errorf("GET %s: Content-Type %q", ref[1], ct)
		}
	}
	if rec := get(t, p, http.MethodHead, "/"); rec.Code != 200 || rec.Body.Len() != 0 {
		t.Errorf("HEAD /: %d with %d bytes", rec.Code, rec.Body.Len())
	}
}

// TestGzip: a client that accepts gzip gets the asset gzipped, the same
// bytes once unzipped; one that does not (or refuses it with q=0) gets
// them as they are.
func TestGzip(t *testing.T) {
	p := New()
	var name string
	for n := range p.assets {
		if strings.HasSuffix(n, ".js") {
			name = n
			break
		}
	}
	for _, tc := range []struct {
		accept string
		gzip   bool
	}{
		{"gzip, deflate, br", true}, {"br;q=1.0, GZIP;q=0.5", true}, {"*", true},
		{"", false}, {"br", false}, {"gzip;q=0", false}, {"gzip;q=0.0, br", false},
	} {
		req := httptest.NewRequest(http.MethodGet, "/playground/"+name, nil)
		if tc.accept != "" {
			req.Header.Set("Accept-Encoding", tc.accept)
		}
		mux := http.NewServeMux()
		mux.HandleFunc("GET /playground/{file}", p.ServeAsset)
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, req)
		body := rec.Body.Bytes()
		if got := rec.Header().Get("Content-Encoding") == "gzip"; got != tc.gzip {
			t.Errorf("Accept-Encoding %q: gzipped %v, want %v", tc.accept, got, tc.gzip)
			continue
		}
		if tc.gzip {
			zr, err := gzip.NewReader(bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			if body, err = io.ReadAll(zr); err != nil {
				t.Fatal(err)
			}
		}
		if !bytes.Equal(body, p.assets[name].data) || rec.Header().Get("Vary") != "Accept-Encoding" {
			t.Errorf("Accept-Encoding %q: %d bytes, want %d; Vary %q", tc.accept, len(body), len(p.assets[name].data), rec.Header().Get("Vary"))
		}
	}
}

// TestAssetsByNameOnly: only the built scripts and style sheets are
// served; paths, the build's other files and unknown names are 404s.
func TestAssetsByNameOnly(t *testing.T) {
	p := New()
	if len(p.assets) < 3 {
		t.Fatalf("%d assets embedded, want the script, its chunks and the style sheet", len(p.assets))
	}
	for _, name := range []string{"SOURCE_HASH", "THIRD_PARTY_LICENSES.txt", "index.html", "nope.js", "..%2fplayground.go", "%2e%2e", "main.js"} {
		if rec := get(t, p, http.MethodGet, "/playground/"+name); rec.Code != 404 || !strings.HasPrefix(rec.Body.String(), `{"error":`) {
			t.Errorf("GET /playground/%s: %d %s", name, rec.Code, rec.Body)
		}
	}
}

// TestBuildIsCurrent: dist/ was built from the sources in the tree. The
// hash is build.mjs's sourceHash: src/*, build.mjs and package-lock.json.
// Rebuild with scripts/playground.sh when it fails.
func TestBuildIsCurrent(t *testing.T) {
	dir := filepath.Join("..", "..", "web", "playground")
	entries, err := os.ReadDir(filepath.Join(dir, "src"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, "src/"+e.Name())
	}
	slices.Sort(names)
	h := sha256.New()
	for _, name := range append(names, "build.mjs", "package-lock.json") {
		data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name)))
		if err != nil {
			t.Fatal(err)
		}
		h.Write([]byte(name + "\x00"))
		h.Write(data)
		h.Write([]byte{0})
	}
	want, err := dist.ReadFile("dist/SOURCE_HASH")
	if err != nil {
		t.Fatal(err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != strings.TrimSpace(string(want)) {
		t.Fatalf("internal/playground/dist was built from other sources (hash %s, the tree's %s): run scripts/playground.sh and commit dist/", strings.TrimSpace(string(want)), got)
	}
}
