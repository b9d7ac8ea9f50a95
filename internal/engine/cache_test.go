package engine

import (
	"bytes"
	"testing"
)

func TestCompileKeyDistinguishesInputs(t *testing.T) {
	base := func() (string, string, []string, []string, []File) {
		return "c", "12.2.0", []string{"gcc", "main.c"}, []string{"A=1"}, []File{{Name: "main.c", Content: []byte("int main(){}")}}
	}
	l, v, a, e, f := base()
	k := compileKey(l, v, a, e, f)
	variants := []cacheKey{
		compileKey("c++", v, a, e, f),
		compileKey(l, "12.2.1", a, e, f),
		compileKey(l, v, []string{"gcc", "-O0", "main.c"}, e, f),
		compileKey(l, v, a, []string{"A=2"}, f),
		compileKey(l, v, a, e, []File{{Name: "main.c", Content: []byte("int main(){ }")}}),
		compileKey(l, v, a, e, []File{{Name: "main.c", Content: []byte("int main(){}")}, {Name: "x.h"}}),
		// Moving bytes between a name and a content must change the key.
		compileKey(l, v, a, e, []File{{Name: "main.ci", Content: []byte("nt main(){}")}}),
	}
	for i, other := range variants {
		if other == k {
			t.Errorf("variant %d has the same key", i)
		}
	}
	if compileKey(base()) != k {
		t.Error("the same inputs gave another key")
	}
}

func TestCompileCacheLRU(t *testing.T) {
	c := NewCompileCache(10)
	key := func(b byte) cacheKey { return cacheKey{b} }
	c.put(key(1), []byte("aaaa"))
	c.put(key(2), []byte("bbbb"))
	if _, ok := c.get(key(1)); !ok { // 1 is now the most recent
		t.Fatal("1 missing")
	}
	c.put(key(3), []byte("cccc")) // 12 bytes > 10: evicts 2, the least recent
	if _, ok := c.get(key(2)); ok {
		t.Error("2 was not evicted")
	}
	if got, ok := c.get(key(1)); !ok || !bytes.Equal(got, []byte("aaaa")) {
		t.Error("1 was evicted or changed")
	}
	c.put(key(4), make([]byte, 11)) // larger than the cache: not kept
	if _, ok := c.get(key(4)); ok {
		t.Error("an artifact larger than the cache was kept")
	}
	if hits, misses, size := c.Stats(); hits != 2 || misses != 2 || size != 8 {
		t.Errorf("stats %d %d %d", hits, misses, size)
	}
	var disabled *CompileCache
	disabled.put(key(1), []byte("x"))
	if _, ok := disabled.get(key(1)); ok {
		t.Error("a nil cache returned something")
	}
}
