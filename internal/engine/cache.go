package engine

import (
	"container/list"
	"crypto/sha256"
	"encoding/binary"
	"sync"
)

// CompileCache keeps the artifacts of successful compilations in the
// server's memory, outside every sandbox, bounded by size and evicting the
// least recently used. Its key is a hash of everything the compile stage
// can observe that a request chooses (see compileKey). Only the engine writes to it, right after a compile stage ended
// and every process of the sandbox is dead, so no user can place or alter
// an artifact that another submission's key resolves to: the key of an
// artifact is the hash of the very inputs that produced it.
type CompileCache struct {
	mu       sync.Mutex
	maxBytes int64
	size     int64
	lru      *list.List // of *cacheEntry, most recent first
	entries  map[cacheKey]*list.Element
	hits     uint64
	misses   uint64
}

type cacheKey [sha256.Size]byte

type cacheEntry struct {
	key      cacheKey
	artifact []byte
}

// NewCompileCache returns a cache holding at most maxBytes of artifacts;
// zero or less disables caching.
func NewCompileCache(maxBytes int64) *CompileCache {
	return &CompileCache{maxBytes: maxBytes, lru: list.New(), entries: make(map[cacheKey]*list.Element)}
}

// compileKey hashes the inputs of a compile stage: everything a compiler
// can observe that differs between requests. A compiler may read anything
// its sandbox shows and bake it into the artifact (Rust's include_str!,
// Nim's staticRead, Template Haskell, D's import(), Crystal macros), so
// the key covers the runtime, its version, the command, the environment,
// every file's name and content, and every limit of the stage (they show
// in /proc/self/limits, and by trying; what the box derives from them,
// like the stack limit, follows). What stays
// out is the same for every request a server serves (the sandbox's
// layout, tmpfs size, the host) or no request's choice (the clock, the
// box a compile happened to get): a program that bakes the compile's time
// sees the first compile's.
//
// Every part is written with its length first, so no two different
// inputs hash alike by shifting bytes from one part to the next.
func compileKey(language, version string, args, env []string, limits Limits, files []File) cacheKey {
	h := sha256.New()
	putUint := func(n uint64) { h.Write(binary.BigEndian.AppendUint64(nil, n)) }
	put := func(b []byte) {
		putUint(uint64(len(b)))
		h.Write(b)
	}
	putList := func(l []string) {
		putUint(uint64(len(l)))
		for _, s := range l {
			put([]byte(s))
		}
	}
	put([]byte(language))
	put([]byte(version))
	putList(args)
	putList(env)
	for k := range AllLimits() {
		putUint(uint64(limits.Get(k)))
	}
	for _, f := range files {
		put([]byte(f.Name))
		put(f.Content)
	}
	var k cacheKey
	h.Sum(k[:0])
	return k
}

func (c *CompileCache) enabled() bool { return c != nil && c.maxBytes > 0 }

// maxArtifact is the largest artifact worth reading out of a sandbox: a
// quarter of the cache, so that one cannot evict everything else, and so
// that a request allowing a huge compile output cannot make the server
// hold it.
func (c *CompileCache) maxArtifact() int64 { return c.maxBytes / 4 }

// get returns the artifact cached under key.
func (c *CompileCache) get(key cacheKey) ([]byte, bool) {
	if !c.enabled() {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.entries[key]
	if !ok {
		c.misses++
		return nil, false
	}
	c.hits++
	c.lru.MoveToFront(el)
	return el.Value.(*cacheEntry).artifact, true
}

// put stores an artifact, evicting the least recently used ones to make
// room. An artifact larger than the whole cache is not kept.
func (c *CompileCache) put(key cacheKey, artifact []byte) {
	if !c.enabled() || int64(len(artifact)) > c.maxBytes {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.entries[key]; ok {
		return
	}
	c.entries[key] = c.lru.PushFront(&cacheEntry{key: key, artifact: artifact})
	c.size += int64(len(artifact))
	for c.size > c.maxBytes {
		old := c.lru.Back()
		e := old.Value.(*cacheEntry)
		c.lru.Remove(old)
		delete(c.entries, e.key)
		c.size -= int64(len(e.artifact))
	}
}

// Stats reports the number of hits and misses and the bytes held.
func (c *CompileCache) Stats() (hits, misses uint64, bytes int64) {
	if c == nil {
		return 0, 0, 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.hits, c.misses, c.size
}
