package engine

import (
	"bytes"
	"reflect"
	"testing"
	"time"
)

func TestCompileKeyDistinguishesInputs(t *testing.T) {
	lim := Limits{WallTime: time.Second, CPUTime: time.Second, Memory: 1 << 20, Processes: 4,
		Output: 100, FileSize: 200, OpenFiles: 64}
	base := func() (string, string, []string, []string, Limits, []File) {
		return "c", "12.2.0", []string{"gcc", "main.c"}, []string{"A=1"}, lim, []File{{Name: "main.c", Content: []byte("int main(){}")}}
	}
	l, v, a, e, m, f := base()
	k := compileKey(l, v, a, e, m, f)
	variants := []cacheKey{
		compileKey("c++", v, a, e, m, f),
		compileKey(l, "12.2.1", a, e, m, f),
		compileKey(l, v, []string{"gcc", "-O0", "main.c"}, e, m, f),
		compileKey(l, v, a, []string{"A=2"}, m, f),
		compileKey(l, v, a, e, m, []File{{Name: "main.c", Content: []byte("int main(){ }")}}),
		compileKey(l, v, a, e, m, []File{{Name: "main.c", Content: []byte("int main(){}")}, {Name: "x.h"}}),
		// Moving bytes between a name and a content must change the key.
		compileKey(l, v, a, e, m, []File{{Name: "main.ci", Content: []byte("nt main(){}")}}),
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

// Every limit of a stage is observable by the compiler, so each field of
// Limits, a new one too, must change the key.
func TestCompileKeyCoversEveryLimit(t *testing.T) {
	var base Limits
	k := compileKey("c", "1", nil, nil, base, nil)
	typ := reflect.TypeOf(base)
	for i := range typ.NumField() {
		changed := base
		field := reflect.ValueOf(&changed).Elem().Field(i)
		switch field.Kind() {
		case reflect.Int64:
			field.SetInt(1)
		case reflect.Uint64:
			field.SetUint(1)
		default:
			t.Fatalf("Limits.%s has kind %v: teach this test and compileKey", typ.Field(i).Name, field.Kind())
		}
		if compileKey("c", "1", nil, nil, changed, nil) == k {
			t.Errorf("Limits.%s does not change the compile key (is it in Limits.Field?)", typ.Field(i).Name)
		}
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
