package main

import (
	"flag"
	"fmt"
	"net/url"
	"strings"
)

// originsValue is CODERACER_ALLOWED_ORIGINS: comma-separated browser
// origins (scheme://host[:port]) or "*"; "none" or empty for none.
func originsValue(p *[]string) flag.Value {
	return value[[]string]{p: p, parse: parseOrigins, format: noneList}
}

func parseOrigins(s string) ([]string, error) {
	var origins []string
	if s = strings.TrimSpace(s); s != "" && s != "none" {
		for o := range strings.SplitSeq(s, ",") {
			o = strings.TrimSuffix(strings.TrimSpace(o), "/")
			if err := checkOrigin(o); err != nil {
				return nil, err
			}
			origins = append(origins, o)
		}
	}
	return origins, nil
}

// checkOrigin accepts "*" or what a browser sends as Origin.
func checkOrigin(o string) error {
	if o == "*" {
		return nil
	}
	u, err := url.Parse(o)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		u.Path != "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return fmt.Errorf("origin %q: want scheme://host[:port] (e.g. https://judge.example.org) or *", o)
	}
	return nil
}
