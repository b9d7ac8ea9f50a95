// Package apidoc serves the API's OpenAPI 3.1 document (openapi.yaml,
// hand-written, served as JSON at GET /api/openapi.json) and the page that
// renders it (GET /docs: Swagger UI, vendored under ui/vendor by
// scripts/docs-ui.sh and embedded, so the page loads nothing from
// elsewhere).
package apidoc

import (
	"embed"
	"fmt"
	"net/http"
)

//go:embed openapi.yaml
var documentYAML []byte

// The page and the files it loads; the vendored license files stay in
// the repository only.
//
//go:embed ui/index.html ui/docs.js ui/docs.css ui/vendor/swagger-ui-bundle.js ui/vendor/swagger-ui.css
var ui embed.FS

// assets are the files GET /docs/{file} serves: name → embedded path and
// content type.
var assets = map[string]struct{ path, contentType string }{
	"docs.js":              {"ui/docs.js", "text/javascript; charset=utf-8"},
	"docs.css":             {"ui/docs.css", "text/css; charset=utf-8"},
	"swagger-ui-bundle.js": {"ui/vendor/swagger-ui-bundle.js", "text/javascript; charset=utf-8"},
	"swagger-ui.css":       {"ui/vendor/swagger-ui.css", "text/css; charset=utf-8"},
}

// PageCSP is the page's Content-Security-Policy: its own scripts and
// styles only, data: images (Swagger UI's icons are data: URIs in its
// style sheet), requests to this server only (the document, and "Try it
// out"), no frames, no forms, no plugins, and no embedding elsewhere.
const PageCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// Docs serves the document and the page.
type Docs struct {
	document []byte // the JSON document, or nil when err is set
	err      error
}

// New converts the embedded document to JSON once. A failure (a broken
// openapi.yaml; the package's tests catch it) makes the document's route
// answer 500 with the reason, rather than stop the server.
func New() *Docs {
	doc, err := Document()
	return &Docs{document: doc, err: err}
}

// Document returns the OpenAPI document as JSON.
func Document() ([]byte, error) {
	doc, err := yamlToJSON(documentYAML)
	if err != nil {
		return nil, fmt.Errorf("internal/apidoc/openapi.yaml: %w", err)
	}
	return doc, nil
}

// ServeDocument answers GET /api/openapi.json.
func (d *Docs) ServeDocument(w http.ResponseWriter, r *http.Request) {
	if d.err != nil {
		writeError(w, http.StatusInternalServerError, "internal error: "+d.err.Error())
		return
	}
	write(w, "application/json", d.document)
}

// ServePage answers GET /docs.
func (d *Docs) ServePage(w http.ResponseWriter, r *http.Request) {
	page, err := ui.ReadFile("ui/index.html")
	if err != nil {
		writeError(w, http.StatusInternalServerError, "internal error")
		return
	}
	w.Header().Set("Content-Security-Policy", PageCSP)
	w.Header().Set("Referrer-Policy", "no-referrer")
	write(w, "text/html; charset=utf-8", page)
}

// ServeAsset answers GET /docs/{file}: a script or style sheet of the
// page, by its name only (no paths: nothing else of the binary's files is
// reachable).
func (d *Docs) ServeAsset(w http.ResponseWriter, r *http.Request) {
	a, ok := assets[r.PathValue("file")]
	if !ok {
		writeError(w, http.StatusNotFound, "not found")
		return
	}
	data, err := ui.ReadFile(a.path)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "internal error")
		return
	}
	write(w, a.contentType, data)
}

func write(w http.ResponseWriter, contentType string, data []byte) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	w.Write(data)
}

// writeError answers in the API's v1 error shape, {"error": "..."}.
func writeError(w http.ResponseWriter, code int, msg string) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	fmt.Fprintf(w, "{\"error\":%q}\n", msg)
}
