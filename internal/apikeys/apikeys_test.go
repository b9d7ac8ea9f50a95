package apikeys

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestEnvKeys(t *testing.T) {
	keys, err := ParseEnv(" alice:0123456789abcdef , bob:fedcba9876543210xyz,")
	if err != nil {
		t.Fatal(err)
	}
	set, err := NewSet(keys)
	if err != nil {
		t.Fatal(err)
	}
	if k, ok := set.Lookup("0123456789abcdef"); !ok || k.Name != "alice" {
		t.Errorf("alice's key: got %v, %v", k, ok)
	}
	for _, bad := range []string{"", "alice", "0123456789abcdeF", "fedcba9876543210xy"} {
		if k, ok := set.Lookup(bad); ok {
			t.Errorf("Lookup(%q) = %s, want no key", bad, k.Name)
		}
	}
	for _, env := range []string{"alice", "alice:short", "al ice:0123456789abcdef", "a:0123456789abcdef,a:0123456789abcdeg", "a:0123456789abcdef,b:0123456789abcdef", "a:0123456789 abcdef"} {
		keys, err := ParseEnv(env)
		if err == nil {
			_, err = NewSet(keys)
		}
		if err == nil {
			t.Errorf("%q: accepted", env)
		}
	}
}

func TestFileKeys(t *testing.T) {
	secret, line, err := Generate("carol")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(line, secret) || len(secret) < 40 {
		t.Fatalf("line %q, secret %q", line, secret)
	}
	text := "# keys\n\n" + line + " jobs=2 rate=5 burst=10 cpu=0.5 cpu-burst=30 languages=python,go\n"
	keys, err := ParseFile(strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	set, err := NewSet(keys)
	if err != nil {
		t.Fatal(err)
	}
	k, ok := set.Lookup(secret)
	if !ok {
		t.Fatal("generated secret not found")
	}
	if k.Name != "carol" || k.MaxJobs != 2 || k.Rate != 5 || k.Burst != 10 || k.CPURate != 0.5 || k.CPUBurst != 30 || strings.Join(k.Languages, ",") != "python,go" {
		t.Errorf("key = %+v", *k)
	}
	for _, bad := range []string{
		"carol",
		"carol " + secret,
		"carol sha256:abcd",
		line + " jobs=0",
		line + " jobs=x",
		line + " rate=-1",
		line + " cpu=NaN",
		line + " languages=",
		line + " color=red",
		line + " jobs",
	} {
		if _, err := ParseFile(strings.NewReader(bad + "\n")); err == nil {
			t.Errorf("%q: accepted", bad)
		}
	}
}

func TestStoreReload(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys")
	s1, l1, _ := Generate("one")
	s2, l2, _ := Generate("two")
	if err := os.WriteFile(path, []byte(l1+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	store, err := NewStore(func() (*Set, error) { return Load("env:0123456789abcdef", path) })
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := store.Lookup(s1); !ok {
		t.Fatal("key one missing")
	}
	os.WriteFile(path, []byte(l2+"\n"), 0o600)
	if err := store.Reload(); err != nil {
		t.Fatal(err)
	}
	if _, ok := store.Lookup(s1); ok {
		t.Error("key one still accepted after reload")
	}
	if _, ok := store.Lookup(s2); !ok {
		t.Error("key two missing after reload")
	}
	os.WriteFile(path, []byte("garbage\n"), 0o600)
	if err := store.Reload(); err == nil {
		t.Error("a broken file reloaded")
	}
	if _, ok := store.Lookup(s2); !ok {
		t.Error("a failed reload dropped the keys in use")
	}
	if _, ok := store.Lookup("0123456789abcdef"); !ok {
		t.Error("environment key missing")
	}
}
