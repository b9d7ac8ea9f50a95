// Command coderacer is the Code Racer execution engine: one binary that
// serves the HTTP API and runs programs in its own sandboxes.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"sync/atomic"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/coderacer/coderacer/internal/api"
	"github.com/coderacer/coderacer/internal/engine"
	"github.com/coderacer/coderacer/internal/langs"
	"github.com/coderacer/coderacer/internal/metrics"
	"github.com/coderacer/coderacer/internal/sandbox"
	"github.com/coderacer/coderacer/runtimes"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

const usage = `usage: coderacer <command> [flags]

commands:
  serve      start the HTTP API (coderacer serve -h lists every setting)
  config     print the configuration serve would run with, VAR=value a line
             (the same flags and environment as serve)
  key new <name>
             make an API key: prints the key (give it to its user) and
             the line of CODERACER_API_KEYS_FILE that accepts it
  runtimes   list the languages that work on this machine
  packages   print the Debian packages of the core runtimes, one a line
             (--all: of every runtime and its libraries; --libraries: of
             the core runtimes and their libraries; --npm: npm packages)
  version    print the version

client commands (of a running server: --server URL, default
$CODERACER_URL or http://localhost:8000; --key, default $CODERACER_API_KEY):
  run FILE...
             run files: the output here, the program's exit code ours;
             interactive with a terminal (coderacer run -h)
  judge --tests DIR FILE...
             judge files on DIR's NAME.in / NAME.out tests: a verdict
             table (coderacer judge -h)
  runtimes --server URL
             list the languages of a running server
`

func main() {
	// Every sandbox is this binary re-executed as a container's init;
	// in that case Init serves the container and never returns.
	if err := sandbox.Init(); err != nil {
		fmt.Fprintln(os.Stderr, "container init:", err)
		os.Exit(1)
	}
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "run":
		os.Exit(runCommand(os.Args[2:]))
	case "judge":
		os.Exit(judgeCommand(os.Args[2:]))
	case "serve":
		err = serve(os.Args[2:])
	case "config":
		err = printConfig(os.Args[2:], os.Stdout)
	case "key":
		err = keyCommand(os.Args[2:], os.Stdout)
	case "runtimes":
		err = runtimesCommand(os.Args[2:]) // cli_runtimes.go: --server, else listRuntimes
	case "packages":
		err = listPackages(os.Args[2:], os.Stdout)
	case "version":
		fmt.Println("coderacer", version)
	case "help", "-h", "--help":
		fmt.Print(usage)
	default:
		fmt.Fprintf(os.Stderr, "unknown command %q\n\n%s", os.Args[1], usage)
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "coderacer:", err)
		os.Exit(1)
	}
}

func newLogger(level, format string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("log level %q: %w", level, err)
	}
	opts := &slog.HandlerOptions{Level: l}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(os.Stderr, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(os.Stderr, opts)), nil
	}
	return nil, fmt.Errorf("log format %q: want text or json", format)
}

// startEngine builds the sandbox pool and the engine on top of it.
func startEngine(ctx context.Context, cfg serveConfig, log *slog.Logger) (*engine.Local, *sandbox.Sandbox, error) {
	if os.Geteuid() != 0 {
		return nil, nil, errors.New("must run as root: the sandbox creates namespaces and cgroups")
	}
	catalog, err := langs.Load(runtimes.Files)
	if err != nil {
		return nil, nil, err
	}
	var paths []string
	for _, rt := range catalog.All() {
		paths = append(paths, rt.Paths...)
	}
	network, err := cfg.sandboxNetwork()
	if err != nil {
		return nil, nil, err
	}
	sb, err := sandbox.New(sandbox.Config{
		Size:          cfg.Parallelism,
		ReadOnlyPaths: paths,
		TmpfsBytes:    cfg.TmpfsBytes,
		FirstUID:      cfg.BoxUIDBase,
		Network:       network,
		Warm:          cfg.Pool.Warm,
		IdleTimeout:   cfg.Pool.IdleTimeout,
		InitPath:      cfg.initPath(),
		Logger:        log,
	})
	if errors.Is(err, sandbox.ErrUIDsInUse) {
		return nil, nil, fmt.Errorf("%w; give this server a free range with CODERACER_BOX_UID_BASE (--box-uid-base)", err)
	}
	if err != nil {
		return nil, nil, err
	}
	eng, err := engine.NewLocal(ctx, engine.Config{
		Pool:    engine.NewSandboxPool(sb),
		Catalog: catalog,
		Run:     cfg.Run,
		Compile: cfg.Compile,
		// The admission gate in front (access.go) holds the queue; a job
		// it lets in may still find its predecessor's box being wiped,
		// and must wait for it here rather than be refused.
		QueueSize: cfg.QueueSize + cfg.Parallelism,
		MaxFiles:  cfg.MaxFiles,
		Cache:     engine.NewCompileCache(cfg.CacheBytes),
		// A restart probes only the runtimes that changed (README
		// "Operations").
		VersionCache: versionCachePath(cfg),
		Logger:       log,
	})
	if err != nil {
		sb.Close()
		return nil, nil, err
	}
	go func() {
		// The start-up's garbage (the embedded NATS's set-up, the API's
		// documents, the version probes' outputs) is given back to the
		// system once the probes are over, rather than over the runtime's
		// minutes of background scavenging: it would sit in an idle
		// server's RSS meanwhile.
		eng.Runtimes()
		debug.FreeOSMemory()
	}()
	return eng, sb, nil
}

// versionCachePath is the file of the runtimes' versions: in the data
// directory, or none without one.
func versionCachePath(cfg serveConfig) string {
	if cfg.Submissions.DataDir == "" {
		return ""
	}
	return filepath.Join(cfg.Submissions.DataDir, "runtime-versions.json")
}

func serve(args []string) error {
	cfg, err := parseServeConfig(args, os.Getenv)
	if err != nil {
		if errors.Is(err, errHelp) {
			return nil
		}
		return err
	}
	log, err := newLogger(cfg.LogLevel, cfg.LogFormat)
	if err != nil {
		return err
	}
	leaveCoresToPrograms(cfg.Role)
	if err := quietSysmon(cfg.Role); err != nil {
		log.Debug("the runtime's monitor thread keeps its timer slack", "err", err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()

	subs, err := openSubmissions(ctx, cfg, log)
	if err != nil {
		return err
	}
	n, err := startNode(ctx, cfg, subs.conn(), log)
	if err != nil {
		subs.close()
		return err
	}
	// The queue's workers end before the sandboxes go.
	defer func() {
		subs.close()
		n.close()
	}()
	if cfg.Role == roleWorker {
		return serveWorker(ctx, cfg, n, subs.conn(), log)
	}
	// Jobs run under jobCtx, so that a shutdown that waited long enough
	// can cancel them; their sandboxes are then killed.
	jobCtx, cancelJobs := context.WithCancel(context.Background())
	defer cancelJobs()
	reg := metrics.New(n.stats)
	var draining atomic.Bool
	opts := apiOptions(cfg, log)
	opts.Metrics, opts.MetricsRoute = reg, cfg.MetricsAddr == ""
	opts.Draining = draining.Load
	opts.Cluster = n.cluster
	if err := setAccess(ctx, &opts, cfg.Access, log); err != nil {
		return err
	}
	subs.wire(&opts, reg)
	apiServer := api.NewServer(n.gate, opts)
	subs.start(jobCtx, apiServer)
	srv := newHTTPServer(cfg, apiServer.Handler(), jobCtx, log)
	startSideServers(cfg, reg, log)
	ln, err := net.Listen("tcp", srv.Addr)
	if err != nil {
		return err
	}
	ln = api.LimitListener(ln, cfg.MaxConnections, log)
	// Not the runtimes' count: it may wait for their probes, and the
	// engine logs it when they end ("runtimes detected").
	log.Info("serving", "addr", ln.Addr().String(), "parallelism", cfg.Parallelism, "queue", cfg.QueueSize, "role", cfg.Role)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	draining.Store(true)
	if cfg.DrainDelay > 0 {
		log.Info("draining: readiness is 503, still taking work", "for", cfg.DrainDelay)
		time.Sleep(cfg.DrainDelay)
	}
	subs.stop()
	stopServing(srv, n.wait, cancelJobs, log)
	return nil
}

// newHTTPServer is the API's server: its requests' contexts derive from
// jobCtx, which a shutdown cancels once its grace is over.
func newHTTPServer(cfg serveConfig, h http.Handler, jobCtx context.Context, log *slog.Logger) *http.Server {
	return &http.Server{
		Addr:              net.JoinHostPort("", strconv.Itoa(cfg.Port)),
		Handler:           h,
		BaseContext:       func(net.Listener) context.Context { return jobCtx },
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

// startSideServers starts the metrics and pprof servers that have an
// address of their own.
func startSideServers(cfg serveConfig, reg *metrics.Metrics, log *slog.Logger) {
	if cfg.MetricsAddr != "" {
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", reg.Handler())
		go serveSide(log, "metrics", cfg.MetricsAddr, mux)
	}
	if cfg.PprofAddr != "" {
		mux := http.NewServeMux()
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
		mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
		go serveSide(log, "pprof", cfg.PprofAddr, mux)
	}
}

// serveSide serves mux on an address of its own, apart from the API's
// port (metrics for the scraper only, profiles never public).
func serveSide(log *slog.Logger, name, addr string, mux *http.ServeMux) {
	log.Info("serving "+name, "addr", addr)
	side := &http.Server{Addr: addr, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	if err := side.ListenAndServe(); err != nil {
		log.Error(name+" server", "err", err)
	}
}

// stopServing lets running requests and jobs finish for up to 10 s, then
// cancels them.
func stopServing(srv *http.Server, waitJobs func(), cancelJobs context.CancelFunc, log *slog.Logger) {
	log.Info("shutting down: finishing running jobs")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		log.Warn("requests still running after 10s; cancelling them", "err", err)
		cancelJobs()
		_ = srv.Close()
	}
	// Shutdown does not wait for hijacked connections: WebSocket sessions
	// may still run jobs. They get what is left of the grace period.
	jobsDone := make(chan struct{})
	go func() {
		waitJobs()
		close(jobsDone)
	}()
	select {
	case <-jobsDone:
	case <-shutdownCtx.Done():
		log.Warn("jobs still running after 10s; cancelling them")
		cancelJobs()
		<-jobsDone
	}
	log.Info("stopped")
}

func apiOptions(cfg serveConfig, log *slog.Logger) api.Options {
	return api.Options{
		MaxBodyBytes:        cfg.MaxBodyBytes,
		MaxFiles:            cfg.MaxFiles,
		MaxArgBytes:         cfg.MaxArgBytes,
		MaxArgsBytes:        cfg.MaxArgsBytes,
		MaxStdinBytes:       cfg.MaxStdinBytes,
		BodyMemoryBytes:     cfg.BodyMemoryBytes,
		ResponseMemoryBytes: cfg.ResponseMemoryBytes,
		WriteTimeout:        cfg.WriteTimeout,
		Logger:              log,
		WebSocket:           cfg.WebSocket,
		Judge:               cfg.Judge,
		Submissions: api.SubmissionOptions{
			MaxWait:   cfg.Submissions.MaxWait,
			MaxBatch:  cfg.Submissions.MaxBatch,
			MaxQueued: cfg.Submissions.MaxQueued,
		},
		AllowedOrigins: cfg.AllowedOrigins,
		Judge0:         cfg.judge0Options(),
	}
}

func listRuntimes() error {
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	cfg := defaultServeConfig()
	cfg.Parallelism = 2
	// What works now, probed afresh: no version cache.
	cfg.Submissions.DataDir = ""
	eng, sb, err := startEngine(context.Background(), cfg, log)
	if err != nil {
		return err
	}
	defer sb.Close()
	w := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "LANGUAGE\tVERSION\tALIASES")
	for _, rt := range eng.Runtimes() {
		fmt.Fprintf(w, "%s\t%s\t%v\n", rt.Language, rt.Version, rt.Aliases)
	}
	return w.Flush()
}
