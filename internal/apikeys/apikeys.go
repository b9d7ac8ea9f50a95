// Package apikeys holds the API keys a server accepts: who each key is
// (its name) and what it may do (its own limits). Secrets are kept only as
// SHA-256 hashes: API keys are long random strings, so a fast hash is as
// good as a slow one and costs nothing per request.
package apikeys

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// MinSecretLength is the shortest secret accepted: a key short enough to
// guess is no key.
const MinSecretLength = 16

// Key is one API key: its name and, where set, limits of its own that
// replace the server's defaults for requests made with it.
type Key struct {
	Name string
	Hash [sha256.Size]byte
	// MaxJobs is how many of its jobs may run at once; 0: the default.
	MaxJobs int
	// Rate is requests a second, Burst how many may come at once; 0: the
	// default.
	Rate  float64
	Burst int
	// CPURate is CPU seconds a second its jobs may use on average,
	// CPUBurst how many seconds at once; 0: the default.
	CPURate  float64
	CPUBurst float64
	// Languages it may use (names or aliases); empty: all.
	Languages []string
}

// Hash is the form a secret is stored in.
func Hash(secret string) [sha256.Size]byte { return sha256.Sum256([]byte(secret)) }

// Set is an immutable set of keys, looked up by secret.
type Set struct {
	byHash map[[sha256.Size]byte]*Key
	names  []string
}

// NewSet checks keys (names unique and well formed, no secret twice) and
// indexes them.
func NewSet(keys []Key) (*Set, error) {
	s := &Set{byHash: make(map[[sha256.Size]byte]*Key, len(keys))}
	seen := make(map[string]bool, len(keys))
	for i := range keys {
		k := &keys[i]
		if err := checkName(k.Name); err != nil {
			return nil, err
		}
		if seen[k.Name] {
			return nil, fmt.Errorf("API key name %q appears twice", k.Name)
		}
		if _, dup := s.byHash[k.Hash]; dup {
			return nil, fmt.Errorf("API key %q has the same secret as another key", k.Name)
		}
		seen[k.Name] = true
		s.byHash[k.Hash] = k
		s.names = append(s.names, k.Name)
	}
	return s, nil
}

// Lookup finds the key of secret. The map is indexed by hash, so what an
// attacker could learn from its timing is about hashes, not secrets.
func (s *Set) Lookup(secret string) (*Key, bool) {
	if s == nil || secret == "" {
		return nil, false
	}
	k, ok := s.byHash[Hash(secret)]
	return k, ok
}

// Len is the number of keys.
func (s *Set) Len() int {
	if s == nil {
		return 0
	}
	return len(s.names)
}

// Names lists the keys' names in the order they were given.
func (s *Set) Names() []string {
	if s == nil {
		return nil
	}
	return append([]string(nil), s.names...)
}

func checkName(name string) error {
	if name == "" || len(name) > 64 {
		return fmt.Errorf("API key name %q must be 1 to 64 characters", name)
	}
	for _, c := range name {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("._-@", c)) {
			return fmt.Errorf("API key name %q may hold only letters, digits and . _ - @", name)
		}
	}
	return nil
}

func checkSecret(name, secret string) error {
	if len(secret) < MinSecretLength {
		return fmt.Errorf("API key %q is shorter than %d characters", name, MinSecretLength)
	}
	for _, c := range secret {
		if c <= ' ' || c == 0x7f || c > 0x7e {
			return fmt.Errorf("API key %q must be printable ASCII without spaces", name)
		}
	}
	return nil
}

// ParseEnv reads CODERACER_API_KEYS: comma-separated name:secret pairs.
func ParseEnv(s string) ([]Key, error) {
	var keys []Key
	for pair := range strings.SplitSeq(s, ",") {
		pair = strings.TrimSpace(pair)
		if pair == "" {
			continue
		}
		name, secret, ok := strings.Cut(pair, ":")
		if !ok {
			return nil, errors.New("API keys must be name:key pairs, comma-separated")
		}
		if err := checkSecret(name, secret); err != nil {
			return nil, err
		}
		keys = append(keys, Key{Name: name, Hash: Hash(secret)})
	}
	return keys, nil
}

// Generate makes a new random secret and the line of a keys file that
// accepts it.
func Generate(name string) (secret, line string, err error) {
	if err := checkName(name); err != nil {
		return "", "", err
	}
	b := make([]byte, 32)
	rand.Read(b) // never fails (crypto/rand)
	secret = "cr_" + base64.RawURLEncoding.EncodeToString(b)
	h := Hash(secret)
	return secret, name + " sha256:" + hex.EncodeToString(h[:]), nil
}
