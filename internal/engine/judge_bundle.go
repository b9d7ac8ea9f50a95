package engine

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
)

// A compiler that leaves several files (javac's classes, tsc's tree) has
// them cached as one bundle: each file's name, mode and content, length
// first. Only the engine writes bundles, from what a compile stage left,
// so reading one checks only that it is whole.

// bundleKey is the cache key of a bundle: apart from every artifact's key,
// though runtimes with an artifact never make bundles.
func bundleKey(k cacheKey) cacheKey {
	return sha256.Sum256(append(k[:], "bundle"...))
}

func encodeBundle(files []BoxFile) []byte {
	var b []byte
	for _, f := range files {
		b = binary.AppendUvarint(b, uint64(len(f.Name)))
		b = append(b, f.Name...)
		exec := byte(0)
		if f.Executable {
			exec = 1
		}
		b = append(b, exec)
		b = binary.AppendUvarint(b, uint64(len(f.Content)))
		b = append(b, f.Content...)
	}
	return b
}

var errBundle = errors.New("a cached bundle is damaged")

// decodeBundle reads a bundle; the files' contents share its memory.
func decodeBundle(b []byte) ([]BoxFile, error) {
	var files []BoxFile
	next := func() ([]byte, bool) {
		n, k := binary.Uvarint(b)
		if k <= 0 || n > uint64(len(b)-k) {
			return nil, false
		}
		v := b[k : k+int(n)]
		b = b[k+int(n):]
		return v, true
	}
	for len(b) > 0 {
		name, ok := next()
		if !ok || len(b) == 0 {
			return nil, errBundle
		}
		exec := b[0] == 1
		b = b[1:]
		content, ok := next()
		if !ok {
			return nil, errBundle
		}
		files = append(files, BoxFile{Name: string(name), Content: content, Executable: exec})
	}
	return files, nil
}
