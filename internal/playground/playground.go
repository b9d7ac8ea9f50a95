// Package playground serves the browser playground: its page at GET / and
// its scripts and style sheet at GET /playground/{file}. The files are
// built from web/playground by scripts/playground.sh (CodeMirror 6 bundled
// with esbuild) into dist/, which is committed and embedded, so `go build`
// needs no npm and the page loads nothing from elsewhere.
package playground

import (
	"bytes"
	"compress/gzip"
	"crypto/rand"
	"embed"
	"encoding/base64"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"
)

//go:embed dist
var dist embed.FS

// PageCSP is the page's Content-Security-Policy, NONCE replaced by a
// fresh nonce for each answer: its own scripts only (no inline script),
// its own style sheets plus the one <style> element the editor makes
// (CodeMirror's, which carries the nonce), style attributes (CodeMirror
// sets tab-size through one; they cannot run code), requests to this
// server only (the API, its WebSocket included: CSP 3's 'self' covers ws:
// and wss: of the same host), no frames, forms, plugins or embedding
// elsewhere.
const PageCSP = "default-src 'none'; script-src 'self'; style-src 'self' 'nonce-NONCE'; style-src-attr 'unsafe-inline'; " +
	"img-src 'self' data:; connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// noncePlaceholder is where index.html takes the nonce (a <meta> the
// editor reads).
const noncePlaceholder = "CSP_NONCE"

// Cache lifetimes: the page is checked each time (it names the current
// build's files); the scripts and styles have content-hashed names, so a
// name always means the same bytes.
const (
	pageCache  = "no-cache"
	assetCache = "public, max-age=31536000, immutable"
)

// Playground serves the embedded build.
type Playground struct {
	page   []byte
	assets map[string]*asset
}

type asset struct {
	data        []byte
	contentType string
	// gz is data gzipped, made on the first request that accepts it (the
	// editor's core is 281 KB, 92 KB gzipped; compressing every file at
	// start-up would delay the server for pages nobody may open).
	gzOnce sync.Once
	gz     []byte
}

// gzipped returns the asset gzipped, or nil if that failed.
func (a *asset) gzipped() []byte {
	a.gzOnce.Do(func() {
		var b bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
		if _, err := zw.Write(a.data); err != nil {
			return
		}
		if zw.Close() == nil {
			a.gz = b.Bytes()
		}
	})
	return a.gz
}

// contentTypes are the files GET /playground/{file} serves, by extension;
// the build's other files (its source hash, licenses) are not served.
var contentTypes = map[string]string{
	".js":  "text/javascript; charset=utf-8",
	".css": "text/css; charset=utf-8",
}

// New returns the playground of the embedded build, read once for every
// server of the process. A build without its page still starts: GET /
// then says how to build it.
func New() *Playground { return embedded() }

var embedded = sync.OnceValue(load)

func load() *Playground {
	p := &Playground{assets: map[string]*asset{}}
	p.page, _ = fs.ReadFile(dist, "dist/index.html")
	entries, _ := fs.ReadDir(dist, "dist")
	for _, e := range entries {
		ct, ok := contentTypes[path.Ext(e.Name())]
		if !ok || e.IsDir() {
			continue
		}
		data, err := fs.ReadFile(dist, "dist/"+e.Name())
		if err != nil {
			continue
		}
		p.assets[e.Name()] = &asset{data: data, contentType: ct}
	}
	return p
}

// ServePage answers GET /.
func (p *Playground) ServePage(w http.ResponseWriter, r *http.Request) {
	if p.page == nil {
		writeError(w, http.StatusInternalServerError, "the playground was not built into this binary: run scripts/playground.sh")
		return
	}
	nonce, err := newNonce()
	if err != nil {
		writeError(w, http.StatusInternalServerError, "internal error: "+err.Error())
		return
	}
	h := w.Header()
	h.Set("Content-Security-Policy", strings.Replace(PageCSP, "NONCE", nonce, 1))
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", pageCache)
	write(w, r, "text/html; charset=utf-8", bytes.Replace(p.page, []byte(noncePlaceholder), []byte(nonce), 1))
}

// newNonce returns 128 random bits, base64: a nonce an attacker cannot
// guess, new for each page.
func newNonce() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(b), nil
}

// ServeAsset answers GET /playground/{file}: a script or style sheet of
// the build, by its name only (no paths: nothing else is reachable).
func (p *Playground) ServeAsset(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	a, ok := p.assets[name]
	if !ok || strings.ContainsAny(name, "/\\") {
		writeError(w, http.StatusNotFound, "not found")
		return
	}
	h := w.Header()
	h.Set("Cache-Control", assetCache)
	h.Set("Vary", "Accept-Encoding")
	if acceptsGzip(r.Header.Values("Accept-Encoding")) {
		if gz := a.gzipped(); gz != nil {
			h.Set("Content-Encoding", "gzip")
			write(w, r, a.contentType, gz)
			return
		}
	}
	write(w, r, a.contentType, a.data)
}

// acceptsGzip tells whether Accept-Encoding lists gzip (or "*") with a
// weight above 0.
func acceptsGzip(values []string) bool {
	for _, v := range values {
		for _, item := range strings.Split(v, ",") {
			coding, params, _ := strings.Cut(strings.TrimSpace(item), ";")
			coding = strings.ToLower(strings.TrimSpace(coding))
			if coding != "gzip" && coding != "*" {
				continue
			}
			q := 1.0
			if k, val, ok := strings.Cut(strings.TrimSpace(params), "="); ok && strings.TrimSpace(k) == "q" {
				if f, err := strconv.ParseFloat(strings.TrimSpace(val), 64); err == nil {
					q = f
				}
			}
			if q > 0 {
				return true
			}
		}
	}
	return false
}

func write(w http.ResponseWriter, r *http.Request, contentType string, data []byte) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Length", strconv.Itoa(len(data)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(data)
	}
}

// writeError answers in the API's v1 error shape, {"error": "..."}.
func writeError(w http.ResponseWriter, code int, msg string) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	fmt.Fprintf(w, "{\"error\":%q}\n", msg)
}
