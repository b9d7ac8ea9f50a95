# Code Racer. `make test` is what CI runs (.ci/run).

PATH := /usr/local/go/bin:$(PATH)
export PATH
SHELL := /bin/bash

GO ?= go
BIN := bin/coderacer
TEST_TIMEOUT ?= 20m
# make fuzz runs each target for a fixed number of executions, about 10 s
# here: a -fuzztime given as a duration can fail a clean run with "context
# deadline exceeded" when a starved worker misses the deadline
# (go.dev/issue/75804). FUZZTIME=30m (or 5000000x) overrides every target.
FUZZTIME ?=
BENCHTIME ?= 40x
# The linter, pinned: `go run` fetches it from the module proxy, so nothing
# is installed by hand.
STATICCHECK ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2
# e.g. BENCHARGS='-bench.window=3s' (flags of test/bench, after the package)
BENCHARGS ?=

.PHONY: all setup setup-all build run test unit lint vet fmt-check test-go fuzz bench bench-scale languages-table clean

all: build

# The core runtimes (python3, node, go, php, java, ruby, c, c++, bash).
setup:
	./scripts/setup.sh

# Every runtime of runtimes/: the tests of test/languages need them all.
setup-all:
	./scripts/setup.sh --all

build:
	@mkdir -p bin
	$(GO) build -o $(BIN) ./cmd/coderacer
	$(GO) build -o $(dir $(BIN))coderacer-init ./cmd/coderacer-init

run: setup build
	./$(BIN) serve

# Prerequisites run in this order (no -j): setup (the toolchains, the test
# tools and the Go modules; the linter is fetched by go run), lint (fast),
# vet, formatting, tests, fuzz.
test: setup-all lint vet fmt-check test-go fuzz

# staticcheck's default checks (a staticcheck.conf would narrow them; none is needed).
lint:
	$(GO) run $(STATICCHECK) ./...

# The tests that need neither root nor the language toolchains: the unit
# tests of cmd/ and internal/ (fakes in place of the sandbox), without
# internal/sandbox, whose tests create namespaces and cgroups. Seconds,
# as any user (CONTRIBUTING.md). Not part of `make test`, which runs them
# anyway with everything else.
unit:
	$(GO) test -count=1 $$($(GO) list ./cmd/... ./internal/... | grep -v '/internal/sandbox$$')

vet:
	$(GO) vet ./...

fmt-check:
	@unformatted="$$(gofmt -l .)"; \
	if [ -n "$$unformatted" ]; then \
		echo "gofmt: these files need formatting (run gofmt -w):"; \
		echo "$$unformatted"; \
		exit 1; \
	fi

# test/languages (every language through the real server) runs after the
# other packages, not beside them: its compilers would steal the CPU from
# the timing-sensitive end-to-end tests. So do test/vm (the cgroup v2 VM,
# whose software-emulated CPUs take a whole core), test/container (the
# image built and run with podman), test/submissions (hundreds of jobs,
# servers killed and restarted) and test/cluster (five nodes, some killed).
test-go:
	$(GO) test -count=1 -timeout=$(TEST_TIMEOUT) $$($(GO) list ./... | grep -v -E '/test/(languages|vm|container|submissions|cluster)$$')
	$(GO) test -count=1 -timeout=$(TEST_TIMEOUT) ./test/submissions/
	$(GO) test -count=1 -timeout=$(TEST_TIMEOUT) ./test/cluster/
	$(GO) test -count=1 -timeout=$(TEST_TIMEOUT) ./test/languages/
	$(GO) test -count=1 -timeout=$(TEST_TIMEOUT) ./test/vm/
	$(GO) test -count=1 -timeout=$(TEST_TIMEOUT) ./test/container/

fuzz:
	$(GO) test -run='^$$' -fuzz=FuzzValidateFiles -fuzztime=$(or $(FUZZTIME),400000x) ./internal/engine/
	$(GO) test -run='^$$' -fuzz=FuzzExecuteRequest -fuzztime=$(or $(FUZZTIME),75000x) ./internal/api/
	$(GO) test -run='^$$' -fuzz=FuzzV2ExecuteRequest -fuzztime=$(or $(FUZZTIME),70000x) ./internal/api/
	$(GO) test -run='^$$' -fuzz=FuzzStringEncoder -fuzztime=$(or $(FUZZTIME),36000x) ./internal/api/
	$(GO) test -run='^$$' -fuzz=FuzzCompare -fuzztime=$(or $(FUZZTIME),400000x) ./internal/judge/
	$(GO) test -run='^$$' -fuzz=FuzzJudgeRequest -fuzztime=$(or $(FUZZTIME),100000x) ./internal/api/
	$(GO) test -run='^$$' -fuzz=FuzzUnzip -fuzztime=$(or $(FUZZTIME),240000x) ./internal/judge0/

bench:
	$(GO) test -run='^$$' -bench=. -benchtime=$(BENCHTIME) -timeout=$(TEST_TIMEOUT) ./test/bench/ $(BENCHARGS)

# The scale curve alone (test/bench's BenchmarkScaleCurve, about 2.5
# minutes), then its PNG and Markdown table (scripts/plotscale).
SCALE_JSON ?= bin/scale-curve.json
bench-scale:
	@mkdir -p bin
	$(GO) test -run='^$$' -bench='^BenchmarkScaleCurve$$' -benchtime=1x -timeout=$(TEST_TIMEOUT) ./test/bench/ -bench.scaleout=$(abspath $(SCALE_JSON)) $(BENCHARGS)
	$(GO) run ./scripts/plotscale -in $(SCALE_JSON) -out docs/scale-curve.png -table

# Runs every language's hello world 5 times through the API and rewrites the
# languages table of README.md (between <!-- languages:start/end -->).
languages-table:
	$(GO) test -count=1 -timeout=$(TEST_TIMEOUT) -run='^TestLanguageTable$$' ./test/languages/ -args -readme

clean:
	rm -rf bin
