package api

// The Judge0 CE dialect (README "Coming from Judge0"; the contract is
// docs/judge0.md of the shared documents): Judge0's routes under a
// prefix, its submissions queued in the same store as v1's (kind
// "judge0"), its language ids, statuses and attribute names. The pure
// mappings live in internal/judge0.

import (
	"net/http"
	"strings"
	"sync"

	"github.com/coderacer/coderacer/internal/judge0"
	"github.com/coderacer/coderacer/internal/langs"
	"github.com/coderacer/coderacer/runtimes"
)

// DefaultJudge0Prefix is where the Judge0 routes live by default.
const DefaultJudge0Prefix = "/judge0"

// dialectJudge0 labels the Judge0 dialect's jobs in the metrics.
const dialectJudge0 = "judge0-submission"

// Judge0Options configure the Judge0 dialect.
type Judge0Options struct {
	// Prefix is the path the routes live under: "" means
	// DefaultJudge0Prefix; "/" puts them at the root (/submissions,
	// /languages ...), beside /api/.
	Prefix string
	// Config holds the defaults and maximums of a submission's limits;
	// a zero Config means judge0.DefaultConfig().
	Config judge0.Config
	// AuthUsers are the X-Auth-User tokens that may list and delete
	// submissions; none: both are 403, as in Judge0.
	AuthUsers []string
	// AllowNetwork lets a submission ask for enable_network (the engine
	// must have network on).
	AllowNetwork bool
	// Zip bounds additional_files; zero fields take
	// judge0.DefaultZipLimits.
	Zip judge0.ZipLimits
	// Workers is what GET /workers reports as the runners available.
	Workers int
	// Catalog is the runtime catalog the language ids come from; nil:
	// the runtimes built into the binary.
	Catalog *langs.Catalog
}

func (o Judge0Options) withDefaults() Judge0Options {
	if o.Prefix == "" {
		o.Prefix = DefaultJudge0Prefix
	}
	if o.Config == (judge0.Config{}) {
		o.Config = judge0.DefaultConfig()
	}
	def := judge0.DefaultZipLimits()
	if o.Zip.MaxFiles <= 0 {
		o.Zip.MaxFiles = def.MaxFiles
	}
	if o.Zip.MaxBytes <= 0 {
		o.Zip.MaxBytes = def.MaxBytes
	}
	if o.Zip.MaxNameBytes <= 0 {
		o.Zip.MaxNameBytes = def.MaxNameBytes
	}
	return o
}

// judge0Routes registers the dialect's routes and its submission kind.
func (s *server) judge0Routes(mux *http.ServeMux) {
	p := strings.TrimSuffix(s.opts.Judge0.Prefix, "/")
	for _, r := range []struct {
		pattern string
		h       http.HandlerFunc
	}{
		{"POST %s/submissions", s.needStore(s.handleJudge0Submit)},
		{"GET %s/submissions", s.needStore(s.handleJudge0List)},
		{"POST %s/submissions/batch", s.needStore(s.handleJudge0SubmitBatch)},
		{"GET %s/submissions/batch", s.needStore(s.handleJudge0GetBatch)},
		{"GET %s/submissions/{token}", s.needStore(s.handleJudge0Get)},
		{"DELETE %s/submissions/{token}", s.needStore(s.handleJudge0Delete)},
		{"GET %s/languages", s.handleJudge0Languages},
		{"GET %s/languages/all", s.handleJudge0AllLanguages},
		{"GET %s/languages/{id}", s.handleJudge0Language},
		{"GET %s/statuses", s.handleJudge0Statuses},
		{"GET %s/about", s.handleJudge0About},
		{"GET %s/version", s.handleJudge0Version},
		{"GET %s/license", s.handleJudge0License},
		{"GET %s/config_info", s.handleJudge0ConfigInfo},
		{"GET %s/system_info", s.handleJudge0SystemInfo},
		{"GET %s/workers", s.handleJudge0Workers},
		{"POST %s/authenticate", s.handleJudge0Authenticate},
		{"POST %s/authorize", s.handleJudge0Authorize},
	} {
		mux.HandleFunc(strings.Replace(r.pattern, "%s", p, 1), r.h)
	}
}

// judge0Catalog is the catalog of the installed runtimes by Judge0 id.
// The runtime definitions are read once; the versions each time, from
// the executor (they are what it runs).
func (s *server) judge0Catalog() *judge0.Catalog {
	cat := s.judge0Langs()
	versions := map[string]string{}
	for _, rt := range s.exec.Runtimes() {
		versions[rt.Language] = rt.Version
	}
	if cat == nil {
		return judge0.NewCatalog(&langs.Catalog{}, nil)
	}
	return judge0.NewCatalog(cat, versions)
}

// judge0Langs loads the built-in runtime definitions once, unless
// Options gave a catalog.
func (s *server) judge0Langs() *langs.Catalog {
	if s.opts.Judge0.Catalog != nil {
		return s.opts.Judge0.Catalog
	}
	s.judge0Once.Do(func() {
		c, err := langs.Load(runtimes.Files)
		if err != nil {
			s.log.Error("judge0: loading the runtime definitions", "err", err)
			return
		}
		s.judge0Loaded = c
	})
	return s.judge0Loaded
}

// judge0State is the server's memory of the dialect.
type judge0State struct {
	judge0Once   sync.Once
	judge0Loaded *langs.Catalog
}

// writeJudge0Errors answers Judge0's 422: each field's messages.
func writeJudge0Errors(w http.ResponseWriter, errs judge0.ValidationErrors) {
	writeJSON(w, http.StatusUnprocessableEntity, errs)
}
