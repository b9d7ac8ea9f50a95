package main

import (
	"flag"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// value is a setting's flag.Value: where the setting lives and how it is
// read from a string (an environment variable or a flag) and shown
// (`coderacer config`, -h). Every kind of setting is one parse function
// and one format function.
type value[T any] struct {
	p      *T
	parse  func(string) (T, error)
	format func(T) string
	// isBool lets a bool flag stand alone (-disable-networking).
	isBool bool
	// secret makes `coderacer config` print "(redacted)" for a value set.
	secret bool
}

func (v value[T]) String() string {
	if v.p == nil { // the flag package's zero value, for -h
		return ""
	}
	return v.format(*v.p)
}

func (v value[T]) Set(s string) error {
	x, err := v.parse(s)
	if err != nil {
		return err
	}
	*v.p = x
	return nil
}

func (v value[T]) IsBoolFlag() bool { return v.isBool }

// shown is what `coderacer config` prints: the value, or "(redacted)" for
// a secret that is set.
func (v value[T]) shown() string {
	s := v.String()
	if v.secret && s != "" {
		return "(redacted)"
	}
	return s
}

func intValue(p *int) flag.Value {
	return value[int]{p: p, parse: strconv.Atoi, format: strconv.Itoa}
}

func int64Value(p *int64) flag.Value {
	return value[int64]{p: p, parse: parseInt64, format: formatInt64}
}

// boolValue is 1 or 0 (any strconv.ParseBool spelling is read).
func boolValue(p *bool) flag.Value {
	return value[bool]{p: p, parse: strconv.ParseBool, format: formatBool, isBool: true}
}

func stringValue(p *string) flag.Value {
	return value[string]{p: p, parse: parseString, format: formatString}
}

// secretValue is a string setting that `coderacer config` does not show.
func secretValue(p *string) flag.Value {
	return value[string]{p: p, parse: parseString, format: formatString, secret: true}
}

func durationValue(p *time.Duration) flag.Value {
	return value[time.Duration]{p: p, parse: time.ParseDuration, format: time.Duration.String}
}

// bytesValue accepts a byte count with an optional KiB, MiB or GiB suffix.
func bytesValue(p *int64) flag.Value {
	return value[int64]{p: p, parse: parseBytes, format: formatInt64}
}

func floatValue(p *float64) flag.Value {
	return value[float64]{p: p, parse: parseFloat, format: formatFloat}
}

func parseInt64(s string) (int64, error)   { return strconv.ParseInt(s, 10, 64) }
func formatInt64(n int64) string           { return strconv.FormatInt(n, 10) }
func parseString(s string) (string, error) { return s, nil }
func formatString(s string) string         { return s }
func formatFloat(f float64) string         { return strconv.FormatFloat(f, 'g', -1, 64) }

func formatBool(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// parseFloat reads a finite number of sane size.
func parseFloat(s string) (float64, error) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f > 1e9 {
		return 0, fmt.Errorf("not a number")
	}
	return f, nil
}

func parseBytes(s string) (int64, error) {
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}} {
		if num, ok := strings.CutSuffix(s, u.suffix); ok {
			s, mult = strings.TrimSpace(num), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("not a byte count (e.g. 1048576 or 1MiB): %q", s)
	}
	if n < 0 || n > (1<<62)/mult {
		return 0, fmt.Errorf("byte count %q out of range", s)
	}
	return n * mult, nil
}

// listValue is a comma-separated list of items, "none" being the empty
// one, each read by parse.
func listValue[T fmt.Stringer](p *[]T, parse func(string) (T, error)) value[[]T] {
	return value[[]T]{p: p, parse: func(s string) ([]T, error) { return parseList(s, parse) }, format: joinList[T]}
}

func parseList[T any](s string, parse func(string) (T, error)) ([]T, error) {
	var list []T
	for _, f := range listFields(s) {
		x, err := parse(f)
		if err != nil {
			return nil, err
		}
		list = append(list, x)
	}
	return list, nil
}

func joinList[T fmt.Stringer](list []T) string {
	s := make([]string, len(list))
	for i, x := range list {
		s[i] = x.String()
	}
	return strings.Join(s, ",")
}

// listFields splits a comma-separated list, "none" being the empty one.
func listFields(s string) []string {
	if strings.TrimSpace(s) == "none" {
		return nil
	}
	var fields []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			fields = append(fields, f)
		}
	}
	return fields
}

// noneList shows a list of strings, "none" when empty.
func noneList(list []string) string {
	if len(list) == 0 {
		return "none"
	}
	return strings.Join(list, ",")
}
