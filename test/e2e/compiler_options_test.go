package e2e

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// TestCompilerOptions: a request adds flags from the runtime's allow-list
// to the compile (C++20 and a macro here), the runtimes list names them,
// and a flag outside the list is a 400 naming it, before anything runs.
func TestCompilerOptions(t *testing.T) {
	requireRuntime(t, "c++")
	src := `#include <iostream>
#include <span>
int main() {
    int a[] = {1, 2, 3};
    std::span<int> s(a);
#ifdef ONLINE_JUDGE
    std::cout << "judge " << s.size() << "\n";
#else
    std::cout << "local\n";
#endif
}`
	body := func(options ...string) string {
		b, err := json.Marshal(map[string]any{"language": "c++", "entrypoint": "main.cpp",
			"files": []File{{Name: "main.cpp", Content: src}}, "compilerOptions": options})
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	a := send(t, srv, "POST", "/api/v1/execute", body("-std=c++20", "-DONLINE_JUDGE"))
	if a.code != http.StatusOK || !strings.Contains(string(a.body), `"stdout":"judge 3\n"`) {
		t.Errorf("with -std=c++20 -DONLINE_JUDGE: %d %s", a.code, a.body)
	}
	a = send(t, srv, "POST", "/api/v1/execute", body("-std=c++20"))
	if a.code != http.StatusOK || !strings.Contains(string(a.body), `"stdout":"local\n"`) {
		t.Errorf("without the macro (the first compile must not be served from the cache): %d %s", a.code, a.body)
	}
	a = send(t, srv, "POST", "/api/v1/execute", body("-std=c++20", "-fplugin=/tmp/evil.so"))
	if msg := jsonField(t, a, "error"); a.code != http.StatusBadRequest || !strings.Contains(msg, `compilerOptions[1] "-fplugin=/tmp/evil.so" is not allowed for c++`) {
		t.Errorf("a flag outside the allow-list: %d %s", a.code, a.body)
	}
	judged := `{"language":"c++","entrypoint":"main.cpp","files":[{"name":"main.cpp","content":` + mustJSON(t, src) +
		`}],"compilerOptions":["-std=c++20","-DONLINE_JUDGE"],"tests":[{"expectedOutput":"judge 3\n"}]}`
	if a := send(t, srv, "POST", "/api/v1/judge", judged); a.code != http.StatusOK || jsonField(t, a, "status") != "AC" {
		t.Errorf("judge with compiler options: %d %s", a.code, a.body)
	}
	var list []runtimeOptions
	decodeAnswer(t, send(t, srv, "GET", "/api/v1/runtimes", ""), &list)
	i := slices.IndexFunc(list, func(r runtimeOptions) bool { return r.Language == "c++" })
	if i < 0 || !slices.Contains(list[i].CompilerOptions, "-DONLINE_JUDGE") {
		t.Errorf("GET /api/v1/runtimes does not list c++'s compiler options: %+v", list)
	}
}

// runtimeOptions is what TestCompilerOptions reads of a runtime.
type runtimeOptions struct {
	Language        string   `json:"language"`
	CompilerOptions []string `json:"compilerOptions"`
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// decodeAnswer decodes a 200's JSON body into v.
func decodeAnswer(t *testing.T, a answer, v any) {
	t.Helper()
	if a.code != http.StatusOK {
		t.Fatalf("%d %s", a.code, a.body)
	}
	if err := json.Unmarshal(a.body, v); err != nil {
		t.Fatalf("%v: %s", err, a.body)
	}
}
