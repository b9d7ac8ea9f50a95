package languages

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/coderacer/coderacer/internal/langs"
	"github.com/coderacer/coderacer/test/testserver"
)

// librariesDir holds the programs of TestLibraries, under testdata (it is
// no language's directory).
const librariesDir = "libraries"

// libraryCase is one program of testdata/libraries, run as the runtime's
// default entrypoint; it proves a library of its runtime file works.
type libraryCase struct {
	file     string
	language string
	// library is the runtime file's library it proves; "" for a case of
	// no one library: GMP (a package of the c and c++ runtimes themselves,
	// linked by their compile commands), everything imported at once.
	library string
	// want is the exact stdout; match, when set, a pattern it must match
	// instead (for what varies with the version).
	want  string
	match string
}

var libraryCases = []libraryCase{
	{file: "uses_numpy.py", language: "python3", library: "numpy",
		want: "solve 2.000000 3.000000\ntrace 261\ndet 8.0\nproduct 400.0\nthreads 1\n"},
	{file: "uses_scipy.py", language: "python3", library: "scipy",
		want: "gauss 1.7724538509 1.7724538509\nsqrt2 1.4142135624\nsparse 0.090909 0.636364\n"},
	{file: "uses_pandas.py", language: "python3", library: "pandas",
		want: "Lyon 10\nParis 22\nmean 8.0\npivot 6\n"},
	{file: "uses_sympy.py", language: "python3", library: "sympy",
		want: "diff x**2*cos(x) + 2*x*sin(x)\nintegrate sqrt(pi)\nsolve [2, 3]\nfactorint {641: 1, 6700417: 1}\n"},
	// The PNG is written into the work directory and read back: the API
	// returns no files, so its signature and size are printed.
	{file: "uses_matplotlib.py", language: "python3", library: "matplotlib",
		match: `^backend agg\nsignature True\nwidth height \[200\. 150\.\]\nsize [1-9][0-9]{3,}\n$`},
	{file: "uses_networkx.py", language: "python3", library: "networkx",
		want: "path ['a', 'c', 'b', 'd']\nlength 8\nmst 8\n"},
	{file: "uses_sortedcontainers.py", language: "python3", library: "sortedcontainers",
		want: "list [1, 1, 2, 3, 4, 5]\nbisect 4 2\nkeys ['apple', 'fig', 'pear']\npeek ('pear', 3)\n"},
	{file: "all_at_once.py", language: "python3", want: "imported 7\n"},
	{file: "uses_boost.cpp", language: "c++", library: "boost",
		want: "30! = 265252859812191058636308480000000\nparts 3 RACER\ngcd 21\nboost 1.74\n"},
	{file: "uses_gmp.c", language: "c",
		want: "100! = 93326215443944152681699238856266700490715968264381621468592963895217599993229915608941463976156518286253697920827223758251185210916864000000000000000000000000\n" +
			"digits 159\n2^127-1 prime 1\ngmp 6\n"},
	{file: "uses_gmpxx.cpp", language: "c++",
		want: "fib(200) = 280571172992510140037611932413038677189525\nH(10) = 7381/2520\n"},
	{file: "not_linked.c", language: "c", want: "libc 1 libgmp 0\n"},
	{file: "not_linked.cpp", language: "c++", want: "libstdc++ 1 libgmp 0\n"},
}

// libraryWallTime is the wall time the programs and their compilation get:
// the machines that run the suite are shared, and a busy one stretches the
// second of CPU that sympy's import takes, or the 4 s that g++ spends on
// Boost.Multiprecision, past the default wall times (3 s, 10 s).
// libraryCPUTime is their CPU time: importing every Python library at
// once (all_at_once.py) takes 2.2 to 2.8 s of CPU alone on the 2-core
// development machine, and took 3.03 s beside the suite's other parallel
// tests, past the default 3 s. The memory limit stays the server's
// default, which all_at_once.py is there to check.
const (
	libraryWallTime = 30 * time.Second
	libraryCPUTime  = 10 * time.Second
)

// TestLibraries runs the programs of testdata/libraries through the server
// with the default memory limit (and the CPU and wall times above), each
// asserting what the library
// computed. Every library a runtime file declares must have a program
// here. Their packages come with scripts/setup.sh --all.
func TestLibraries(t *testing.T) {
	checkLibraryCases(t)
	for _, c := range libraryCases {
		t.Run(c.file, func(t *testing.T) {
			t.Parallel()
			rt, _ := catalog(t).Lookup(c.language)
			installed(t, rt)
			src, err := os.ReadFile(filepath.Join("testdata", librariesDir, c.file))
			if err != nil {
				t.Fatal(err)
			}
			req := testserver.Single(rt.Language, rt.Entrypoint, string(src))
			req.Limits = &testserver.Limits{WallTimeMs: libraryWallTime.Milliseconds(), CPUTimeMs: libraryCPUTime.Milliseconds()}
			req.CompileLimits = req.Limits
			r := testserver.MustExecute(t, srv, req)
			t.Logf("%s: cpu %s, wall %s, peak memory %.1f MiB%s", c.file, r.CPUTime, r.WallTime, float64(r.Memory)/(1<<20), compileTime(r))
			if err := c.check(r); err != nil {
				t.Fatalf("%v (scripts/setup.sh --all installs the libraries)\n%s", err, r)
			}
		})
	}
}

func compileTime(r *testserver.Response) string {
	if r.Compile == nil {
		return ""
	}
	return fmt.Sprintf(", compile cpu %s wall %s", r.Compile.CPUTime, r.Compile.WallTime)
}

// check requires a clean run (status OK, nothing on stderr, no warning of
// matplotlib's nor OpenBLAS's) that printed what the case wants.
func (c libraryCase) check(r *testserver.Response) error {
	if r.Status != "OK" || r.ExitCode != 0 || r.Stderr != "" {
		return fmt.Errorf("want status OK, exit code 0 and nothing on stderr")
	}
	if r.Compile != nil && r.Compile.Status != "OK" {
		return fmt.Errorf("compile status %s", r.Compile.Status)
	}
	if c.match != "" {
		if !regexp.MustCompile(c.match).MatchString(r.Stdout) {
			return fmt.Errorf("stdout %q does not match %q", r.Stdout, c.match)
		}
		return nil
	}
	if r.Stdout != c.want {
		return fmt.Errorf("stdout %q, want %q", r.Stdout, c.want)
	}
	return nil
}

// checkLibraryCases ties the cases to the runtime files: each case's
// runtime and library exist, every declared library has a case, and every
// file of testdata/libraries is some case's.
func checkLibraryCases(t *testing.T) {
	t.Helper()
	c := catalog(t)
	proven := map[string]bool{}
	var files []string
	for _, lc := range libraryCases {
		rt, ok := c.Lookup(lc.language)
		if !ok {
			t.Fatalf("%s: no runtime %s", lc.file, lc.language)
		}
		if lc.library != "" && !slices.ContainsFunc(rt.Libraries, func(l langs.Library) bool { return l.Name == lc.library }) {
			t.Fatalf("%s: runtime %s declares no library %q", lc.file, lc.language, lc.library)
		}
		if lc.match != "" {
			regexp.MustCompile(lc.match)
		}
		proven[lc.language+"/"+lc.library] = true
		files = append(files, lc.file)
	}
	for _, rt := range c.All() {
		for _, l := range rt.Libraries {
			if !proven[rt.Language+"/"+l.Name] {
				t.Errorf("runtime %s declares library %s, which no program of testdata/%s proves", rt.Language, l.Name, librariesDir)
			}
		}
	}
	entries, err := os.ReadDir(filepath.Join("testdata", librariesDir))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !slices.Contains(files, e.Name()) {
			t.Errorf("testdata/%s/%s is no case of TestLibraries", librariesDir, e.Name())
		}
	}
}
