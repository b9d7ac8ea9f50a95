package apikeys

import (
	"sync/atomic"
)

// Store holds the current key set and replaces it on Reload, so that keys
// change (SIGHUP) without a restart and without disturbing requests in
// flight: each request looks its key up once, in whichever set was
// current.
type Store struct {
	load func() (*Set, error)
	set  atomic.Pointer[Set]
}

// NewStore loads the keys once with load, which Reload calls again.
func NewStore(load func() (*Set, error)) (*Store, error) {
	s := &Store{load: load}
	if err := s.Reload(); err != nil {
		return nil, err
	}
	return s, nil
}

// Reload loads the keys again. On failure the keys in use stay.
func (s *Store) Reload() error {
	set, err := s.load()
	if err != nil {
		return err
	}
	s.set.Store(set)
	return nil
}

// Lookup finds the key of secret in the current set.
func (s *Store) Lookup(secret string) (*Key, bool) { return s.set.Load().Lookup(secret) }

// Current is the set in use.
func (s *Store) Current() *Set { return s.set.Load() }

// Load is what a server loads: the keys of the environment's
// CODERACER_API_KEYS (env) and of the keys file at path (empty: none).
func Load(env, path string) (*Set, error) {
	keys, err := ParseEnv(env)
	if err != nil {
		return nil, err
	}
	if path != "" {
		more, err := ReadFile(path)
		if err != nil {
			return nil, err
		}
		keys = append(keys, more...)
	}
	return NewSet(keys)
}
