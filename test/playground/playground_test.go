package playground

import (
	"context"
	"flag"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/coderacer/coderacer/test/testserver"
)

// playwrightVersion is the playwright-core release package.json pins.
const playwrightVersion = "1.65.1"

var screenshot = flag.Bool("screenshot", false, "save the page's screenshot as docs/playground.png (README's)")

// TestServesPlayground: the page and its headers, through the harness's
// client (so the answers are checked against openapi.yaml too).
func TestServesPlayground(t *testing.T) {
	code, hdr, body := testserver.Do(t, srv, http.MethodGet, "/", nil)
	if code != http.StatusOK || !strings.HasPrefix(hdr.Get("Content-Type"), "text/html") {
		t.Fatalf("GET /: %d %q", code, hdr.Get("Content-Type"))
	}
	// Scripts of the server's own only: no inline script, no eval.
	csp := map[string]string{}
	for _, d := range strings.Split(hdr.Get("Content-Security-Policy"), ";") {
		name, value, _ := strings.Cut(strings.TrimSpace(d), " ")
		csp[name] = value
	}
	if csp["default-src"] != "'none'" || csp["script-src"] != "'self'" || csp["connect-src"] != "'self'" || hdr.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("GET /: CSP %q, X-Content-Type-Options %q", hdr.Get("Content-Security-Policy"), hdr.Get("X-Content-Type-Options"))
	}
	script := regexp.MustCompile(`<script type="module" src="(/playground/main-[A-Z0-9]+\.js)">`).FindStringSubmatch(string(body))
	if script == nil {
		t.Fatalf("GET /: the page does not load its built script: %s", testserver.Shorten(string(body), 400))
	}
	code, hdr, js := testserver.Do(t, srv, http.MethodGet, script[1], nil)
	if code != http.StatusOK || !strings.HasPrefix(hdr.Get("Content-Type"), "text/javascript") ||
		!strings.Contains(hdr.Get("Cache-Control"), "immutable") || len(js) < 1000 {
		t.Errorf("GET %s: %d %v, %d bytes", script[1], code, hdr, len(js))
	}
	if code, _, body := testserver.Do(t, srv, http.MethodGet, "/nothing-here", nil); code != http.StatusNotFound {
		t.Errorf("GET /nothing-here: %d %s (only / is the page)", code, body)
	}
}

// TestInBrowser runs playground.test.mjs with `node --test`, installing
// playwright-core with `npm ci` (package-lock.json) when node_modules does
// not hold it. The browser is Debian's chromium (scripts/setup.sh --all).
func TestInBrowser(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node is not installed (%v): the playground test needs Node.js ≥ 18 and npm (Debian: apt-get install nodejs npm)", err)
	}
	chromium := testserver.FindChromium(t, "the playground test drives it")
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	// --ignore-scripts: playwright-core has no install script to run, and
	// never downloads a browser; Debian's is used.
	testserver.NpmCI(ctx, t, dir, "playwright-core", playwrightVersion, "--ignore-scripts")

	env := append(os.Environ(), "PLAYGROUND_URL="+srv.URL, "CHROMIUM="+chromium, "NO_COLOR=1")
	if *screenshot {
		env = append(env, "PLAYGROUND_SCREENSHOT="+filepath.Join(dir, "..", "..", "docs", "playground.png"))
	}
	start := time.Now()
	cmd := exec.CommandContext(ctx, node, "--test", "--test-reporter=spec", "playground.test.mjs")
	cmd.Dir = dir
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("node --test playground.test.mjs failed (%v):\n%s", err, out)
	}
	t.Logf("node --test playground.test.mjs (%v):\n%s", time.Since(start).Round(time.Millisecond), strings.TrimSpace(string(out)))
}
