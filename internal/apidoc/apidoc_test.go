package apidoc

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// TestDocumentIsValidOpenAPI31 loads the served JSON with kin-openapi and
// validates it as OpenAPI 3.1 (examples included).
func TestDocumentIsValidOpenAPI31(t *testing.T) {
	data, err := Document()
	if err != nil {
		t.Fatal(err)
	}
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(data)
	if err != nil {
		t.Fatalf("loading the document: %v", err)
	}
	if !doc.IsOpenAPI31OrLater() {
		t.Fatalf("openapi is %q, want 3.1.x", doc.OpenAPI)
	}
	if err := doc.Validate(context.Background(), openapi3.EnableExamplesValidation()); err != nil {
		t.Fatalf("the document is not valid OpenAPI 3.1: %v", err)
	}
}

// TestDocumentKeepsOrder: the JSON lists paths as the YAML does (Swagger
// UI shows them in that order).
func TestDocumentKeepsOrder(t *testing.T) {
	data, err := Document()
	if err != nil {
		t.Fatal(err)
	}
	first := strings.Index(string(data), `"/api/v1/execute"`)
	last := strings.Index(string(data), `"/docs/{file}"`)
	if first < 0 || last < 0 || first > last {
		t.Fatalf("paths out of the YAML's order (execute at %d, /docs/{file} at %d)", first, last)
	}
}

func TestYAMLToJSON(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"b: 1\na: x\n", `{"b":1,"a":"x"}`},
		{"v: 3.1.0\nn: null\nt: true\nf: 1.5\nq: \"200\"\n", `{"v":"3.1.0","n":null,"t":true,"f":1.5,"q":"200"}`},
		{"- [a, {k: <&>}]\n", `[["a",{"k":"<&>"}]]`},
		{"enum: [RE, null]\n", `{"enum":["RE",null]}`},
	} {
		got, err := yamlToJSON([]byte(tc.in))
		if err != nil {
			t.Fatalf("%q: %v", tc.in, err)
		}
		var compact strings.Builder
		var v any
		if err := json.Unmarshal(got, &v); err != nil {
			t.Fatalf("%q gave invalid JSON %s: %v", tc.in, got, err)
		}
		compact.WriteString(strings.Join(strings.Fields(string(got)), ""))
		if compact.String() != tc.want {
			t.Errorf("%q: got %s, want %s", tc.in, compact.String(), tc.want)
		}
	}
	for _, bad := range []string{"a: 1\na: 2\n", "a: &x 1\nb: *x\n", "a: !!binary aGk=\n", "a: [\n"} {
		if got, err := yamlToJSON([]byte(bad)); err == nil {
			t.Errorf("%q: want an error, got %s", bad, got)
		}
	}
}

func get(t *testing.T, h http.HandlerFunc, pattern, path string) *httptest.ResponseRecorder {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc(pattern, h)
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	return rec
}

func TestServeDocument(t *testing.T) {
	rec := get(t, New().ServeDocument, "GET /api/openapi.json", "/api/openapi.json")
	if rec.Code != 200 || rec.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("got %d %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	var doc struct{ OpenAPI string }
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil || !strings.HasPrefix(doc.OpenAPI, "3.1.") {
		t.Fatalf("body is not an OpenAPI 3.1 document (%v): %.200s", err, rec.Body)
	}
}

// TestBrokenDocumentIs500: a document that does not convert is a 500
// naming the reason, not a crash.
func TestBrokenDocumentIs500(t *testing.T) {
	_, err := yamlToJSON([]byte("a: [\n"))
	d := &Docs{err: err}
	rec := get(t, d.ServeDocument, "GET /api/openapi.json", "/api/openapi.json")
	if rec.Code != 500 || !strings.Contains(rec.Body.String(), `"error"`) {
		t.Fatalf("got %d %s", rec.Code, rec.Body)
	}
}

// TestPage: the page has its CSP and loads only files GET /docs/{file}
// serves, each with its content type; other names are 404.
func TestPage(t *testing.T) {
	d := New()
	rec := get(t, d.ServePage, "GET /docs", "/docs")
	if rec.Code != 200 || rec.Header().Get("Content-Type") != "text/html; charset=utf-8" {
		t.Fatalf("GET /docs: %d %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	if rec.Header().Get("Content-Security-Policy") != PageCSP {
		t.Fatalf("GET /docs: CSP %q", rec.Header().Get("Content-Security-Policy"))
	}
	refs := regexp.MustCompile(`(?:src|href)="([^"]*)"`).FindAllStringSubmatch(rec.Body.String(), -1)
	if len(refs) < 4 {
		t.Fatalf("the page names %d files: %s", len(refs), rec.Body)
	}
	for _, m := range refs {
		ref := m[1]
		if ref == "data:," || ref == "api/openapi.json" {
			continue
		}
		name, ok := strings.CutPrefix(ref, "docs/")
		if !ok {
			t.Errorf("the page loads %q, outside docs/", ref)
			continue
		}
		rec := get(t, d.ServeAsset, "GET /docs/{file}", "/docs/"+name)
		want := "text/css; charset=utf-8"
		if strings.HasSuffix(name, ".js") {
			want = "text/javascript; charset=utf-8"
		}
		if rec.Code != 200 || rec.Header().Get("Content-Type") != want || rec.Body.Len() == 0 {
			t.Errorf("GET /docs/%s: %d %q, %d bytes", name, rec.Code, rec.Header().Get("Content-Type"), rec.Body.Len())
		}
	}
	for _, name := range []string{"index.html", "LICENSE", "..%2fapidoc.go", "vendor%2fswagger-ui.css"} {
		if rec := get(t, d.ServeAsset, "GET /docs/{file}", "/docs/"+name); rec.Code != 404 {
			t.Errorf("GET /docs/%s: %d, want 404", name, rec.Code)
		}
	}
}
