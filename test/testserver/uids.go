package testserver

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
)

// Every server on a host needs box uids of its own (the server refuses a
// range another one holds), and the suites run in parallel under
// `go test ./...`, each in its own process. So each server takes a slot,
// a lock file shared by every test process on the machine, held until the
// server exits: slot k is the range starting at uidSlotBase + k*uidSlotSize.
// The default range of a production server (30000) is never used.
const (
	uidSlotBase  = 40000
	uidSlotSize  = 1000 // more than any suite's parallelism
	uidSlotCount = 64
)

// reserveUIDSlot locks the first free slot and returns the lock and the
// slot's first uid.
func reserveUIDSlot() (*os.File, int, error) {
	dir := filepath.Join(os.TempDir(), "coderacer-testserver-uids")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, 0, err
	}
	for k := range uidSlotCount {
		f, err := os.OpenFile(filepath.Join(dir, strconv.Itoa(k)), os.O_RDWR|os.O_CREATE|syscall.O_CLOEXEC, 0o644)
		if err != nil {
			return nil, 0, err
		}
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return f, uidSlotBase + k*uidSlotSize, nil
		}
		f.Close()
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, 0, fmt.Errorf("uid slot lock: %w", err)
		}
	}
	return nil, 0, fmt.Errorf("all %d uid slots under %s are taken", uidSlotCount, dir)
}
