package e2e

import (
	"bytes"
	"context"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/coderacer/coderacer/internal/apidoc"
	"github.com/coderacer/coderacer/test/testserver"
)

// fetchDocument gets GET /api/openapi.json and loads it with kin-openapi.
func fetchDocument(t *testing.T) (*openapi3.T, []byte) {
	t.Helper()
	status, hdr, body := testserver.Do(t, srv, http.MethodGet, "/api/openapi.json", nil)
	if status != http.StatusOK || hdr.Get("Content-Type") != "application/json" {
		t.Fatalf("GET /api/openapi.json: %d %q: %s", status, hdr.Get("Content-Type"), testserver.Shorten(string(body), 500))
	}
	doc, err := openapi3.NewLoader().LoadFromData(body)
	if err != nil {
		t.Fatalf("loading the served document: %v", err)
	}
	return doc, body
}

// TestOpenAPIDocument: the served document is valid OpenAPI 3.1, is the
// one the harness validates answers with, and documents every route of
// the server's mux (internal/api/server.go).
func TestOpenAPIDocument(t *testing.T) {
	doc, body := fetchDocument(t)
	if !doc.IsOpenAPI31OrLater() {
		t.Fatalf("the served document is OpenAPI %q, want 3.1", doc.OpenAPI)
	}
	if err := doc.Validate(context.Background(), openapi3.EnableExamplesValidation()); err != nil {
		t.Fatalf("the served document is not valid OpenAPI 3.1: %v", err)
	}
	embedded, err := apidoc.Document()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(body, embedded) {
		t.Fatalf("the served document differs from internal/apidoc's (%d and %d bytes): the server was built from other sources", len(body), len(embedded))
	}

	routes := muxRoutes(t)
	for _, r := range routes {
		method, path, ok := strings.Cut(r, " ")
		if !ok {
			t.Errorf("route %q has no method: every route must name its method so the document can describe it", r)
			continue
		}
		// "/{$}" (the playground's page at / alone) is the path "/".
		path = strings.TrimSuffix(path, "{$}")
		item := doc.Paths.Value(path)
		if item == nil || item.GetOperation(method) == nil {
			t.Errorf("route %q of internal/api/server.go is not in internal/apidoc/openapi.yaml", r)
		}
	}
	t.Logf("%d mux routes, all documented: %s", len(routes), strings.Join(routes, ", "))
}

// muxRoutes lists the patterns internal/api/server.go registers on its
// mux (mux.Handle and mux.HandleFunc with a literal pattern), but for
// the Piston fallback "/api/v2/": it answers the 404s and 405s under
// /api/v2/, which the harness validates as undocumented routes.
func muxRoutes(t *testing.T) []string {
	t.Helper()
	file := filepath.Join(repoRoot, "internal", "api", "server.go")
	f, err := parser.ParseFile(token.NewFileSet(), file, nil, 0)
	if err != nil {
		t.Fatalf("parsing %s: %v", file, err)
	}
	var routes []string
	ast.Inspect(f, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok || len(call.Args) != 2 {
			return true
		}
		sel, ok := call.Fun.(*ast.SelectorExpr)
		if !ok || (sel.Sel.Name != "Handle" && sel.Sel.Name != "HandleFunc") {
			return true
		}
		if id, ok := sel.X.(*ast.Ident); !ok || id.Name != "mux" {
			return true
		}
		lit, ok := call.Args[0].(*ast.BasicLit)
		if !ok || lit.Kind != token.STRING {
			t.Errorf("%s: a mux route whose pattern is not a literal; this test cannot check it", file)
			return true
		}
		pattern, _ := strconv.Unquote(lit.Value)
		if pattern != "/api/v2/" {
			routes = append(routes, pattern)
		}
		return true
	})
	if len(routes) < 10 {
		t.Fatalf("found only %d mux routes in %s: %v", len(routes), file, routes)
	}
	return routes
}

// TestDocsPage: GET /docs renders in a real browser (headless Chromium,
// which loads only what the server serves, under the page's CSP), and the
// rendered page shows every operation of the document.
func TestDocsPage(t *testing.T) {
	chromium := testserver.FindChromium(t, "the /docs page test renders it in headless Chromium")
	doc, _ := fetchDocument(t)
	status, hdr, _ := testserver.Do(t, srv, http.MethodGet, "/docs", nil)
	if status != http.StatusOK || hdr.Get("Content-Security-Policy") != apidoc.PageCSP {
		t.Fatalf("GET /docs: %d, CSP %q", status, hdr.Get("Content-Security-Policy"))
	}

	dom, log := renderPage(t, chromium, srv.URL+"/docs")
	if strings.Contains(dom, "Failed to load API definition") {
		t.Fatalf("Swagger UI could not load the document:\n%s", testserver.Shorten(dom, 3000))
	}
	for _, line := range strings.Split(log, "\n") {
		if strings.Contains(line, "Content Security Policy") || strings.Contains(line, "Refused to") {
			t.Errorf("the browser refused something under the page's CSP: %s", line)
		}
	}
	shown := 0
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			want := fmt.Sprintf(`data-path="%s"`, path)
			if !strings.Contains(dom, want) {
				t.Errorf("the rendered page does not show %s %s (no %s)", method, path, want)
				continue
			}
			shown++
		}
	}
	if !strings.Contains(dom, `class="opblock opblock-post`) || !strings.Contains(dom, `class="opblock opblock-get`) {
		t.Errorf("the rendered page has no GET or no POST operation blocks:\n%s", testserver.Shorten(dom, 3000))
	}
	t.Logf("the rendered page (%d bytes of DOM) shows all %d operations", len(dom), shown)
}

// renderPage loads url in headless Chromium, lets its scripts run for up
// to 20 s of virtual time, and returns the DOM and the browser's log. The
// browser runs in a process group of its own, all killed at the end.
func renderPage(t *testing.T, chromium, url string) (dom, log string) {
	t.Helper()
	profile := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, chromium,
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
		"--no-first-run", "--disable-extensions", "--disable-background-networking",
		"--user-data-dir="+profile, "--enable-logging=stderr", "--log-level=0",
		"--virtual-time-budget=20000", "--dump-dom", url)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	if cmd.Process != nil {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // whatever it left
	}
	if err != nil {
		t.Fatalf("%s --dump-dom %s: %v\n%s", chromium, url, err, testserver.Shorten(stderr.String(), 4000))
	}
	t.Logf("chromium rendered %s in %v", url, time.Since(start).Round(time.Millisecond))
	return stdout.String(), stderr.String()
}

// TestUnknownPathsValidate: answers to paths and methods the document has
// no operation for are still validated (as the generic 404 and 405 of
// each dialect) by the harness; here, explicitly.
func TestUnknownPathsValidate(t *testing.T) {
	for _, c := range []struct {
		method, path string
		status       int
		field        string
	}{
		{http.MethodGet, "/no/such/path", 404, `"error"`},
		{http.MethodGet, "/api/v2/nothing", 404, `"message"`},
		{http.MethodGet, "/api/v1/execute", 405, `"error"`},
		{http.MethodPost, "/api/v2/runtimes", 405, `"message"`},
		{http.MethodGet, "/docs/no-such-file.js", 404, `"error"`},
	} {
		status, _, body := testserver.Do(t, srv, c.method, c.path, nil)
		if status != c.status || !bytes.Contains(body, []byte(c.field)) {
			t.Errorf("%s %s: got %d %s, want %d with %s", c.method, c.path, status, body, c.status, c.field)
		}
	}
}
