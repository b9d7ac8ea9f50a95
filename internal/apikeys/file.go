package apikeys

import (
	"bufio"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// A keys file has one key a line; blank lines and lines starting with #
// are ignored:
//
//	name sha256:<64 hex digits> [setting=value ...]
//
// The settings are the key's own limits (see Key): jobs=N, rate=R,
// burst=N, cpu=R, cpu-burst=S (default: a minute's worth of cpu) and
// languages=a,b,c. `coderacer key new
// <name>` prints a fresh secret and its line.

// maxFileBytes bounds what is read of a keys file (a million keys).
const maxFileBytes = 256 << 20

// ReadFile reads a keys file.
func ReadFile(path string) ([]Key, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("API keys file: %w", err)
	}
	defer f.Close()
	keys, err := ParseFile(io.LimitReader(f, maxFileBytes))
	if err != nil {
		return nil, fmt.Errorf("API keys file %s: %w", path, err)
	}
	return keys, nil
}

// ParseFile parses the contents of a keys file.
func ParseFile(r io.Reader) ([]Key, error) {
	var keys []Key
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 4096), 64<<10)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, err := parseLine(line)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		keys = append(keys, k)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return keys, nil
}

func parseLine(line string) (Key, error) {
	fields := strings.Fields(line)
	if len(fields) < 2 {
		return Key{}, fmt.Errorf("want `name sha256:<hash> [setting=value ...]`")
	}
	k := Key{Name: fields[0]}
	if err := checkName(k.Name); err != nil {
		return Key{}, err
	}
	hexHash, ok := strings.CutPrefix(fields[1], "sha256:")
	b, err := hex.DecodeString(hexHash)
	if !ok || err != nil || len(b) != len(k.Hash) {
		return Key{}, fmt.Errorf("key %q: the second field must be sha256: and 64 hex digits (the hash of the secret, never the secret)", k.Name)
	}
	copy(k.Hash[:], b)
	for _, f := range fields[2:] {
		if err := k.set(f); err != nil {
			return Key{}, fmt.Errorf("key %q: %w", k.Name, err)
		}
	}
	if k.CPURate > 0 && k.CPUBurst == 0 {
		// A minute's worth: a key may spend its quota in one long job.
		k.CPUBurst = k.CPURate * 60
	}
	return k, nil
}

// set applies one setting=value field.
func (k *Key) set(field string) error {
	name, value, ok := strings.Cut(field, "=")
	if !ok {
		return fmt.Errorf("setting %q must be name=value", field)
	}
	var err error
	switch name {
	case "jobs":
		k.MaxJobs, err = positiveInt(value)
	case "burst":
		k.Burst, err = positiveInt(value)
	case "rate":
		k.Rate, err = positiveFloat(value)
	case "cpu":
		k.CPURate, err = positiveFloat(value)
	case "cpu-burst":
		k.CPUBurst, err = positiveFloat(value)
	case "languages":
		for l := range strings.SplitSeq(value, ",") {
			if l = strings.TrimSpace(l); l != "" {
				k.Languages = append(k.Languages, l)
			}
		}
		if len(k.Languages) == 0 {
			err = fmt.Errorf("empty list")
		}
	default:
		return fmt.Errorf("unknown setting %q (jobs, rate, burst, cpu, cpu-burst, languages)", name)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

func positiveInt(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 || n > 1<<30 {
		return 0, fmt.Errorf("%q is not a positive integer", s)
	}
	return n, nil
}

func positiveFloat(s string) (float64, error) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || !(f > 0) || f > 1e9 {
		return 0, fmt.Errorf("%q is not a positive number", s)
	}
	return f, nil
}
