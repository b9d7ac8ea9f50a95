package main

import (
	"flag"
	"fmt"
	"math"
	"net/netip"
	"strings"

	"github.com/coderacer/coderacer/internal/api"
	"github.com/coderacer/coderacer/internal/apikeys"
)

// accessSettings are who may use the server and how much (README "API
// keys and rate limits").
type accessSettings struct {
	APIKeys        string // CODERACER_API_KEYS, name:key pairs: a secret
	APIKeysFile    string
	OpenPaths      []string
	RateLimit      float64 // requests a second per client; 0: off
	RateBurst      int     // 0: the rate, rounded up
	TrustedProxies []netip.Prefix
	MaxJobs        int     // jobs of one client running at once; 0: no cap
	CPURate        float64 // CPU seconds a second per client; 0: no quota
	CPUBurst       float64 // 0: a minute's worth
}

func (c *serveConfig) accessSettings() []setting {
	a := &c.Access
	return []setting{
		{"CODERACER_API_KEYS", "api-keys", "API keys, comma-separated name:key pairs (keys of 16 characters or more); with keys or a keys file, every request outside the open paths needs one", secretValue(&a.APIKeys)},
		{"CODERACER_API_KEYS_FILE", "api-keys-file", "file of API keys, hashed, one `name sha256:<hash> [jobs=N rate=R burst=N cpu=R cpu-burst=S languages=a,b]` a line (coderacer key new <name> makes one); reloaded on SIGHUP", stringValue(&a.APIKeysFile)},
		{"CODERACER_OPEN_PATHS", "open-paths", "paths that need no key and take no rate limit token, comma-separated (a path opens its subtree); none: every path", pathsValue(&a.OpenPaths)},
		{"CODERACER_RATE_LIMIT", "rate-limit", "requests a second per client (API key, or address when keys are off); 0: no limit", floatValue(&a.RateLimit)},
		{"CODERACER_RATE_BURST", "rate-burst", "requests a client may send at once; 0: the rate, rounded up", intValue(&a.RateBurst)},
		{"CODERACER_TRUSTED_PROXIES", "trusted-proxies", "comma-separated CIDRs of reverse proxies whose X-Forwarded-For names the client; none: believe no one", prefixListValue(&a.TrustedProxies)},
		{"CODERACER_MAX_JOBS_PER_CLIENT", "max-jobs-per-client", "jobs of one client running at once (more wait their turn); 0: no cap but the parallelism", intValue(&a.MaxJobs)},
		{"CODERACER_CPU_RATE", "cpu-rate", "CPU seconds a second each client's jobs may use on average (0.5: half a core); over it, 429 until it has paid back; 0: no quota", floatValue(&a.CPURate)},
		{"CODERACER_CPU_BURST", "cpu-burst", "CPU seconds a client may use at once; 0: a minute's worth of CODERACER_CPU_RATE", floatValue(&a.CPUBurst)},
	}
}

func defaultAccessSettings() accessSettings {
	return accessSettings{OpenPaths: api.DefaultOpenPaths}
}

func (a *accessSettings) check() error {
	switch {
	case a.RateLimit < 0 || a.RateBurst < 0 || a.MaxJobs < 0 || a.CPURate < 0 || a.CPUBurst < 0:
		return fmt.Errorf("rate limit, rate burst, max jobs per client, CPU rate and CPU burst must not be negative")
	case a.RateBurst > 0 && a.RateLimit == 0:
		return fmt.Errorf("a rate burst without a rate limit does nothing: set CODERACER_RATE_LIMIT too")
	}
	if a.RateLimit > 0 && a.RateBurst == 0 {
		a.RateBurst = int(math.Ceil(a.RateLimit))
	}
	if a.CPURate > 0 && a.CPUBurst == 0 {
		a.CPUBurst = a.CPURate * 60
	}
	_, err := a.loadKeys()
	return err
}

// keysOn tells whether API keys are required.
func (a *accessSettings) keysOn() bool { return a.APIKeys != "" || a.APIKeysFile != "" }

// loadKeys reads the keys of the environment and of the file.
func (a *accessSettings) loadKeys() (*apikeys.Set, error) {
	return apikeys.Load(a.APIKeys, a.APIKeysFile)
}

// pathsValue is a comma-separated list of URL paths; "none" for none.
func pathsValue(p *[]string) flag.Value {
	return value[[]string]{p: p, parse: parsePaths, format: noneList}
}

func parsePaths(s string) ([]string, error) {
	paths := []string{} // non-nil: none open, not the default
	if s = strings.TrimSpace(s); s != "" && s != "none" {
		for p := range strings.SplitSeq(s, ",") {
			p = strings.TrimSpace(p)
			if !strings.HasPrefix(p, "/") || strings.ContainsAny(p, "?# \t") {
				return nil, fmt.Errorf("path %q: want an absolute URL path such as /api/v1/health", p)
			}
			paths = append(paths, p)
		}
	}
	return paths, nil
}
