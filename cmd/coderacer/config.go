package main

import (
	"errors"
	"flag"
	"fmt"

	"runtime"
	"strings"
	"time"

	"github.com/coderacer/coderacer/internal/api"
	"github.com/coderacer/coderacer/internal/engine"
	"github.com/coderacer/coderacer/internal/sandbox"
)

// serveConfig is everything `coderacer serve` can be told. Each setting is
// an environment variable and a flag; the flag wins.
type serveConfig struct {
	Port         int
	Parallelism  int
	QueueSize    int
	MaxBodyBytes int64
	MaxFiles     int
	// API bounds (internal/api Options).
	MaxArgBytes         int64
	MaxArgsBytes        int64
	MaxStdinBytes       int64
	MaxConnections      int
	BodyMemoryBytes     int64
	ResponseMemoryBytes int64
	WriteTimeout        time.Duration
	TmpfsBytes          int64
	LogLevel            string
	LogFormat           string
	DrainDelay          time.Duration
	AllowedOrigins      []string
	Access              accessSettings
	NoNetwork           bool
	Network             networkSettings
	CacheBytes          int64
	PprofAddr           string
	MetricsAddr         string
	BoxUIDBase          int
	Run                 engine.LimitPolicy
	Compile             engine.LimitPolicy
	WebSocket           api.WSOptions
	Judge               api.JudgeOptions
	Submissions         submissionSettings
	NATS                natsSettings
	Role                string
	Judge0              judge0Settings
	Pool                poolSettings
}

// setting is one row of the configuration table (README "Configuration").
type setting struct {
	env, flag, usage string
	value            flag.Value
}

func (c *serveConfig) settings() []setting {
	s := []setting{
		{"PORT", "port", "TCP port of the HTTP API", intValue(&c.Port)},
		{"DISABLE_NETWORKING", "disable-networking", "1: programs get no network (only their own loopback); 0: a request may ask for outbound network (\"network\": true), see CODERACER_NETWORK_*", boolValue(&c.NoNetwork)},
		{"CODERACER_NETWORK_SUBNET", "network-subnet", "IPv4 pool of network runs' addresses, a /30 each (never reachable from a run)", prefixValue(&c.Network.Subnet)},
		{"CODERACER_NETWORK_DENY", "network-deny", "comma-separated IPv4 CIDRs network runs cannot reach (none: empty); link-local and the subnet are always denied", prefixListValue(&c.Network.Deny)},
		{"CODERACER_NETWORK_DNS", "network-dns", "comma-separated IPv4 nameservers for network runs' /etc/resolv.conf, reachable on port 53 even if denied (none: no DNS); default: the host's non-loopback ones", addrListValue(&c.Network.DNS, &c.Network.DNSSet)},
		{"CODERACER_PARALLELISM", "parallelism", "programs that run at once (sandboxes, started on demand)", intValue(&c.Parallelism)},
		{"CODERACER_QUEUE_SIZE", "queue-size", "jobs that may wait for a sandbox; more get 503", intValue(&c.QueueSize)},
		{"CODERACER_MAX_BODY_BYTES", "max-body-bytes", "largest request body", bytesValue(&c.MaxBodyBytes)},
		{"CODERACER_MAX_FILES", "max-files", "most files in one request", intValue(&c.MaxFiles)},
		{"CODERACER_MAX_ARG_BYTES", "max-arg-bytes", "longest program argument (at most 131071: Linux's MAX_ARG_STRLEN counts the NUL)", bytesValue(&c.MaxArgBytes)},
		{"CODERACER_MAX_ARGS_BYTES", "max-args-bytes", "all program arguments of a request together (at most 4MiB)", bytesValue(&c.MaxArgsBytes)},
		{"CODERACER_MAX_STDIN_BYTES", "max-stdin-bytes", "largest stdin of a request", bytesValue(&c.MaxStdinBytes)},
		{"CODERACER_MAX_CONNECTIONS", "max-connections", "connections open at once (WebSocket sessions included); more are answered 503 and closed", intValue(&c.MaxConnections)},
		{"CODERACER_BODY_MEMORY_BYTES", "body-memory-bytes", "request bodies held at once, from reading to the end of their jobs; more get 503", bytesValue(&c.BodyMemoryBytes)},
		{"CODERACER_RESPONSE_MEMORY_BYTES", "response-memory-bytes", "results held at once while their answers are written; more get 503 (answers under 64KiB always go)", bytesValue(&c.ResponseMemoryBytes)},
		{"CODERACER_ALLOWED_ORIGINS", "allowed-origins", "browser origins (scheme://host[:port], comma-separated, or *) whose pages may call the API; the server's own origin always may; none: no other", originsValue(&c.AllowedOrigins)},
		{"CODERACER_DRAIN_DELAY", "drain-delay", "on SIGTERM, how long /api/v1/ready answers 503 while the server still takes work, before it stops accepting (for load balancers)", durationValue(&c.DrainDelay)},
		{"CODERACER_WRITE_TIMEOUT", "write-timeout", "a client that leaves 32KiB of an answer unread this long is cut off", durationValue(&c.WriteTimeout)},
		{"CODERACER_TMPFS_BYTES", "tmpfs-bytes", "size of each of a sandbox's /w and /tmp", bytesValue(&c.TmpfsBytes)},
		{"CODERACER_LOG_LEVEL", "log-level", "debug, info, warn or error", stringValue(&c.LogLevel)},
		{"CODERACER_LOG_FORMAT", "log-format", "text (logfmt) or json (one JSON object a line)", stringValue(&c.LogFormat)},
		{"CODERACER_COMPILE_CACHE_BYTES", "compile-cache-bytes", "memory for cached compilation artifacts (0 disables the cache)", bytesValue(&c.CacheBytes)},
		{"CODERACER_PPROF_ADDR", "pprof-addr", "serve net/http/pprof on this address (e.g. 127.0.0.1:6060); empty: off", stringValue(&c.PprofAddr)},
		{"CODERACER_METRICS_ADDR", "metrics-addr", "serve Prometheus metrics (/metrics) on this address instead of the API port (e.g. 127.0.0.1:9090); empty: on the API port", stringValue(&c.MetricsAddr)},
		{"CODERACER_BOX_UID_BASE", "box-uid-base", "host uid and gid of the first sandbox (sandbox i runs as base+i); each server on a host needs a range of its own", intValue(&c.BoxUIDBase)},
	}
	s = append(s, c.accessSettings()...)
	s = append(s, c.wsSettings()...)
	s = append(s, c.judgeSettings()...)
	s = append(s, c.roleSettings()...)
	s = append(s, c.poolSettings()...)
	s = append(s, c.submissionSettings()...)
	s = append(s, c.natsSettings()...)
	s = append(s, c.judge0Settings()...)
	for _, stage := range []struct {
		name   string
		policy *engine.LimitPolicy
	}{{"run", &c.Run}, {"compile", &c.Compile}} {
		for _, kind := range []struct{ suffix, flagSuffix, what string }{{"", "", "default"}, {"_MAX", "-max", "largest a request may ask for"}} {
			lim := &stage.policy.Default
			if kind.suffix != "" {
				lim = &stage.policy.Max
			}
			for k := range engine.AllLimits() {
				s = append(s, setting{
					env:   "CODERACER_" + strings.ToUpper(stage.name) + "_" + strings.ToUpper(strings.ReplaceAll(k.Key(), "-", "_")) + kind.suffix,
					flag:  stage.name + "-" + k.Key() + kind.flagSuffix,
					usage: fmt.Sprintf("%s stage: %s, %s", stage.name, k.Doc(), kind.what),
					value: limitValue(k, lim.Field(k)),
				})
			}
		}
	}
	return s
}

// limitValue is the flag.Value of a limit, by its unit.
func limitValue(k engine.Limit, p *int64) flag.Value {
	switch k.Unit() {
	case engine.UnitDuration:
		return durationValue((*time.Duration)(p))
	case engine.UnitBytes:
		return bytesValue(p)
	}
	return int64Value(p)
}

// errHelp reports that -h was asked for and the usage printed.
var errHelp = errors.New("help requested")

// defaultPort is the API's TCP port, the seed's. Every other default
// belongs to the package the setting configures.
const defaultPort = 8000

// defaultServeConfig is the configuration without environment or flags:
// each package's exported defaults.
func defaultServeConfig() serveConfig {
	return serveConfig{
		Port:         defaultPort,
		Parallelism:  runtime.NumCPU(),
		QueueSize:    engine.DefaultQueueSize,
		MaxBodyBytes: api.DefaultMaxBodyBytes,
		MaxFiles:     engine.DefaultMaxFiles,

		MaxArgBytes:         api.DefaultMaxArgBytes,
		MaxArgsBytes:        api.DefaultMaxArgsBytes,
		MaxStdinBytes:       api.DefaultMaxStdinBytes,
		MaxConnections:      api.DefaultMaxConnections,
		BodyMemoryBytes:     api.DefaultBodyMemoryBytes,
		ResponseMemoryBytes: api.DefaultResponseMemoryBytes,
		WriteTimeout:        api.DefaultWriteTimeout,

		TmpfsBytes: sandbox.DefaultTmpfsBytes,
		LogLevel:   "info",
		LogFormat:  "text",
		NoNetwork:  true,
		Network: networkSettings{
			Subnet: sandbox.DefaultNetworkSubnet,
			Deny:   sandbox.DefaultNetworkDeny,
		},
		CacheBytes:  engine.DefaultCacheBytes,
		Run:         engine.DefaultRunPolicy(),
		Compile:     engine.DefaultCompilePolicy(),
		BoxUIDBase:  sandbox.DefaultFirstUID,
		WebSocket:   api.DefaultWSOptions(),
		Judge:       api.DefaultJudgeOptions(),
		Submissions: defaultSubmissionSettings(),
		NATS:        defaultNATSSettings(),
		Role:        roleAll,
		Judge0:      defaultJudge0Settings(),
		Access:      defaultAccessSettings(),
		Pool:        defaultPoolSettings(),
	}
}

// parseServeConfig reads the environment, then the flags.
func parseServeConfig(args []string, getenv func(string) string) (serveConfig, error) {
	c := defaultServeConfig()
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	for _, s := range c.settings() {
		if v := getenv(s.env); v != "" {
			if err := s.value.Set(v); err != nil {
				if sv, ok := s.value.(value[string]); ok && sv.secret {
					v = "(redacted)" // a refused secret may still be the real one, mistyped
				}
				return c, fmt.Errorf("%s=%q: %w", s.env, v, err)
			}
		}
		fs.Var(s.value, s.flag, s.usage+" (env "+s.env+")")
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return c, errHelp
		}
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	c.roleDefaults(func(env, flag string) bool { return getenv(env) != "" || flagSet(fs, flag) })
	return c, c.check()
}

func (c *serveConfig) check() error {
	switch {
	case c.Port < 0 || c.Port > 65535:
		return fmt.Errorf("port %d out of range", c.Port)
	case c.Parallelism < 1:
		return fmt.Errorf("parallelism must be at least 1")
	case c.BoxUIDBase < 1 || int64(c.BoxUIDBase)+int64(c.Parallelism) > 1<<32-1:
		return fmt.Errorf("box uid base %d: the range up to base+parallelism must lie within 1 to 4294967294", c.BoxUIDBase)
	case c.QueueSize < 0:
		return fmt.Errorf("queue size must not be negative")
	case c.CacheBytes < 0:
		return fmt.Errorf("compile cache size must not be negative")
	case c.DrainDelay < 0:
		return fmt.Errorf("drain delay must not be negative")
	case c.LogFormat != "text" && c.LogFormat != "json":
		return fmt.Errorf("log format %q: want text or json", c.LogFormat)
	case c.MaxBodyBytes < 1 || c.MaxFiles < 1 || c.TmpfsBytes < 1<<20:
		return fmt.Errorf("max body, max files and tmpfs size must be positive (tmpfs at least 1 MiB)")
	}
	if err := checkWS(c.WebSocket); err != nil {
		return err
	}
	if !c.NoNetwork {
		if err := c.Network.check(c.Parallelism); err != nil {
			return err
		}
	}
	if err := c.checkAPI(); err != nil {
		return err
	}
	if err := c.checkJudge(); err != nil {
		return err
	}
	if err := c.checkSubmissions(); err != nil {
		return err
	}
	if err := c.checkPool(); err != nil {
		return err
	}
	if err := c.checkRole(); err != nil {
		return err
	}
	if err := c.checkNATS(); err != nil {
		return err
	}
	if err := c.checkJudge0(); err != nil {
		return err
	}
	if err := c.Access.check(); err != nil {
		return err
	}
	for _, p := range []struct {
		name string
		p    engine.LimitPolicy
	}{{"run", c.Run}, {"compile", c.Compile}} {
		if err := p.p.Check(); err != nil {
			return fmt.Errorf("%s limits: %w", p.name, err)
		}
	}
	return nil
}

// ---- WebSocket sessions (docs/websocket.md "Bounds") ----

func (c *serveConfig) wsSettings() []setting {
	ws := &c.WebSocket
	return []setting{
		{"CODERACER_WS_MAX_SESSIONS", "ws-max-sessions", "WebSocket sessions open at once; more get 503", intValue(&ws.MaxSessions)},
		{"CODERACER_WS_OUTPUT_BUFFER_BYTES", "ws-output-buffer-bytes", "output a WebSocket session holds for a client that has not taken it; past it the session is closed (1008) and its job stopped", bytesValue(&ws.OutputBuffer)},
		{"CODERACER_WS_WRITE_TIMEOUT", "ws-write-timeout", "time a WebSocket client has to take each message", durationValue(&ws.WriteTimeout)},
		{"CODERACER_WS_DRAIN_TIMEOUT", "ws-drain-timeout", "time a WebSocket client has, once its job is over, to take what is left", durationValue(&ws.DrainTimeout)},
	}
}

func checkWS(o api.WSOptions) error {
	if o.MaxSessions < 1 || o.OutputBuffer < 1 || o.WriteTimeout <= 0 || o.DrainTimeout <= 0 {
		return fmt.Errorf("WebSocket bounds (sessions, output buffer, write and drain timeouts) must be positive")
	}
	return nil
}

// maxArgsTotal keeps the arguments well inside what execve takes for
// arguments, environment and their pointers together: a quarter of the
// stack limit, at most 6 MiB.
const maxArgsTotal = 4 << 20

func (c *serveConfig) checkAPI() error {
	switch {
	case c.MaxArgBytes < 1 || c.MaxArgBytes > api.DefaultMaxArgBytes:
		return fmt.Errorf("max arg bytes must be between 1 and %d: Linux passes no longer argument (MAX_ARG_STRLEN counts the NUL)", api.DefaultMaxArgBytes)
	case c.MaxArgsBytes < 1 || c.MaxArgsBytes > maxArgsTotal:
		return fmt.Errorf("max args bytes must be between 1 and %d", maxArgsTotal)
	case c.MaxStdinBytes < 1:
		return fmt.Errorf("max stdin bytes must be positive")
	case c.MaxConnections < 1:
		return fmt.Errorf("max connections must be positive")
	case c.BodyMemoryBytes < c.MaxBodyBytes:
		return fmt.Errorf("body memory (%d bytes) must hold at least one largest body (%d bytes)", c.BodyMemoryBytes, c.MaxBodyBytes)
	case c.ResponseMemoryBytes < 1:
		return fmt.Errorf("response memory must be positive")
	case c.WriteTimeout <= 0:
		return fmt.Errorf("write timeout must be positive")
	}
	return nil
}
