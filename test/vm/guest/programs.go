package main

import (
	"fmt"
	"sync"
	"time"
)

func (g *guest) hello() (string, error) {
	want := "hello from python3\n"
	r, err := execute(program("python3", "main.py", `print("hello from python3")`, &limits{WallTimeMs: 20000, CPUTimeMs: 20000}))
	if err != nil {
		return "", err
	}
	if r.Status != "OK" || r.Stdout != want {
		return r.String(), fmt.Errorf("want OK and %q", want)
	}
	return r.String(), nil
}

func cProgram() (string, error) {
	const src = "#include <stdio.h>\nint main(void) {\n\tlong s = 0;\n\tfor (int i = 1; i <= 100; i++)\n\t\ts += i;\n\tprintf(\"sum %ld\\n\", s);\n\treturn 0;\n}\n"
	want := "sum 5050\n"
	r, err := execute(program("c", "main.c", src, &limits{WallTimeMs: 20000, CPUTimeMs: 20000}))
	if err != nil {
		return "", err
	}
	if r.Status != "OK" || r.Stdout != want {
		return r.String(), fmt.Errorf("want OK and %q", want)
	}
	return r.String(), nil
}

// mle writes 512 MiB under a limit of 64 MiB.
func mle() (string, error) {
	src := "x = b'x' * (512 << 20)\nprint(len(x))\n"
	r, err := execute(program("python3", "main.py", src, &limits{WallTimeMs: 30000, CPUTimeMs: 30000, MemoryBytes: 64 << 20}))
	if err != nil {
		return "", err
	}
	if r.Status != "MLE" {
		return r.String(), fmt.Errorf("want MLE")
	}
	return r.String(), nil
}

// forkBomb forks without end under a limit of 32 processes.
func forkBomb() (string, error) {
	src := "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass\n"
	r, err := execute(program("python3", "main.py", src, &limits{WallTimeMs: 5000, CPUTimeMs: 5000, Processes: 32}))
	if err != nil {
		return "", err
	}
	if r.Status == "OK" || r.Status == "IE" {
		return r.String(), fmt.Errorf("want a verdict other than OK and IE")
	}
	return r.String(), nil
}

// cpuLimit spins under a CPU limit of 1s: TLE, with the CPU time near it.
func cpuLimit() (string, error) {
	const limit = time.Second
	r, err := execute(program("bash", "main.sh", "while :; do :; done\n", &limits{WallTimeMs: 15000, CPUTimeMs: limit.Milliseconds()}))
	if err != nil {
		return "", err
	}
	cpu, perr := time.ParseDuration(r.CPUTime)
	if r.Status != "TLE" || perr != nil || cpu < limit*9/10 || cpu > limit*2 {
		return r.String(), fmt.Errorf("want TLE with a CPU time between %v and %v", limit*9/10, limit*2)
	}
	return r.String(), nil
}

// concurrent runs four programs at once; all must be OK.
func concurrent() (string, error) {
	const n = 4
	var wg sync.WaitGroup
	results := make([]string, n)
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			want := fmt.Sprintf("run %d\n", i)
			r, err := execute(program("bash", "main.sh", fmt.Sprintf("echo run %d\n", i), &limits{WallTimeMs: 20000, CPUTimeMs: 20000}))
			if err == nil && (r.Status != "OK" || r.Stdout != want) {
				err = fmt.Errorf("run %d: want OK and %q, got %s", i, want, r)
			}
			if r != nil {
				results[i] = r.Status
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return fmt.Sprint(results), err
		}
	}
	return fmt.Sprint(results), nil
}
