package engine

// The engine's defaults: the one place they are written. The server's
// configuration (cmd/coderacer) starts from them, as it starts from
// DefaultRunPolicy and DefaultCompilePolicy for the limits.
const (
	// DefaultMaxFiles is how many files a job may have (DESIGN.md).
	DefaultMaxFiles = 100
	// DefaultQueueSize is how many jobs may wait for a box.
	DefaultQueueSize = 64
	// DefaultCacheBytes is the memory of the compile cache.
	DefaultCacheBytes = 256 << 20
)
