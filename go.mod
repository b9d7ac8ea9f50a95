module github.com/coderacer/coderacer

go 1.26.8

require (
	github.com/Masterminds/semver/v3 v3.5.0
	github.com/coder/websocket v1.8.15
	github.com/criyle/go-sandbox v0.13.6
	github.com/elastic/go-seccomp-bpf v1.6.0
	golang.org/x/sys v0.46.0
)

require golang.org/x/net v0.56.0
