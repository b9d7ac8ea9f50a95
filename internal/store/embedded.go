package store

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// startEmbedded runs a nats-server in this process with JetStream on
// file storage. It opens no socket: the store reaches it in-process.
func startEmbedded(cfg Config) (*server.Server, error) {
	dir, err := filepath.Abs(cfg.DataDir)
	if err != nil {
		return nil, fmt.Errorf("store: data dir %q: %w", cfg.DataDir, err)
	}
	// Made here so that a bad directory is a clear error at once: the
	// server, without a logger, would only fail to become ready.
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("store: data dir: %w", err)
	}
	opts := &server.Options{
		ServerName:         "coderacer",
		DontListen:         true,
		JetStream:          true,
		StoreDir:           dir,
		MaxPayload:         embeddedMaxPayload,
		SyncAlways:         cfg.SyncAlways,
		NoSigs:             true,
		NoLog:              true,
		JetStreamMaxMemory: 64 << 20,
	}
	srv, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("store: embedded NATS: %w", err)
	}
	srv.Start()
	if !srv.ReadyForConnections(10 * time.Second) {
		srv.Shutdown()
		srv.WaitForShutdown()
		return nil, fmt.Errorf("store: embedded NATS not ready within 10s (data dir %s)", dir)
	}
	if !srv.JetStreamEnabled() {
		srv.Shutdown()
		srv.WaitForShutdown()
		return nil, fmt.Errorf("store: embedded NATS started without JetStream (data dir %s)", dir)
	}
	return srv, nil
}
