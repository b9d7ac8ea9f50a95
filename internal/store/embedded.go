package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// ErrDataDirInUse is Open's refusal of a data directory another process
// (or another Store) holds: two embedded servers on one directory would
// each lose the other's submissions.
var ErrDataDirInUse = errors.New("store: data directory in use")

// lockFile is the file in the data directory a Store holds locked.
const lockFile = "coderacer.lock"

// lockDataDir takes the data directory's lock, or says who holds it.
func lockDataDir(dir string) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(dir, lockFile), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("store: data dir lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		holder, _ := os.ReadFile(f.Name())
		f.Close()
		return nil, fmt.Errorf("%w: %s is held by process %s; give each server a CODERACER_DATA_DIR of its own",
			ErrDataDirInUse, dir, strings.TrimSpace(string(holder)))
	}
	f.Truncate(0)
	f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	return f, nil
}

// startEmbedded runs a nats-server in this process with JetStream on
// file storage, holding the directory's lock (closing lock releases
// it). The store reaches it in-process; it opens a socket only when
// told to listen for clients (Config.Listen) or routes (ClusterListen).
func startEmbedded(cfg Config) (srv *server.Server, lock *os.File, err error) {
	dir, err := filepath.Abs(cfg.DataDir)
	if err != nil {
		return nil, nil, fmt.Errorf("store: data dir %q: %w", cfg.DataDir, err)
	}
	// Made here so that a bad directory is a clear error at once: the
	// server, without a logger, would only fail to become ready.
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, nil, fmt.Errorf("store: data dir: %w", err)
	}
	if lock, err = lockDataDir(dir); err != nil {
		return nil, nil, err
	}
	srv, err = runEmbedded(cfg, dir)
	if err != nil {
		lock.Close()
		return nil, nil, err
	}
	return srv, lock, nil
}

func runEmbedded(cfg Config, dir string) (*server.Server, error) {
	opts := &server.Options{
		DontListen:         true,
		JetStream:          true,
		StoreDir:           dir,
		MaxPayload:         embeddedMaxPayload,
		SyncAlways:         cfg.SyncAlways,
		NoSigs:             true,
		NoLog:              true,
		JetStreamMaxMemory: 64 << 20,
	}
	if err := nodeOptions(opts, cfg, dir); err != nil {
		return nil, err
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
