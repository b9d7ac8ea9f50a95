#!/usr/bin/env bash
# Installs what Code Racer needs to build, run and test on Debian 12:
# Go itself when missing, the language toolchains the runtimes use and the
# Go module dependencies.
#
#   scripts/setup.sh              the core runtimes (those marked "core" in runtimes/)
#   scripts/setup.sh --libraries  the core runtimes and their libraries (numpy, Boost, ...)
#   scripts/setup.sh --all        every runtime of runtimes/ and every library (what `make test` needs)
#
# Idempotent: packages already installed are left alone, and apt-get update
# runs only when something is missing. Must run as root.
set -euo pipefail

all=()
libraries=()
for arg in "$@"; do
	case "${arg}" in
	--all) all=(--all) ;;
	--libraries) libraries=(--libraries) ;;
	-h | --help)
		sed -n '2,10p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
		exit 0
		;;
	*)
		echo "setup.sh: unknown argument '${arg}' (usage: scripts/setup.sh [--all] [--libraries])" >&2
		exit 2
		;;
	esac
done
export DEBIAN_FRONTEND=noninteractive

cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [[ -x /usr/local/go/bin/go ]]; then
	export PATH="/usr/local/go/bin:${PATH}"
fi

die() {
	echo "setup.sh: $*" >&2
	exit 1
}

[[ "$(id -u)" -eq 0 ]] || die "must run as root (it installs Debian packages)"
command -v dpkg-query >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1 ||
	die "this script needs Debian (dpkg-query and apt-get not found)"

# Go >= 1.26 is required (go.mod says so; Debian 12's golang-go is older:
# that one is only a runtime for user programs, not the toolchain). When it
# is missing or older, the toolchain go.mod names is installed in
# /usr/local/go from the Go module proxy, where the go command itself finds
# toolchains (golang.org/toolchain), and checked against its pinned SHA-256:
# the checksum database may be out of reach where the proxy is not.
go_release="$(sed -n 's/^go \([0-9][0-9.]*\)$/\1/p' go.mod)"
go_zip_sha256=30c2b1bf7dcc88d3eb0a1364e47ddd9128edb3110a30e8a0ef61cd5856b31de7 # go1.26.8 linux-amd64

# go_usable tells whether the go on PATH is 1.26 or later.
go_usable() {
	command -v go >/dev/null 2>&1 || return 1
	goversion="$(go env GOVERSION 2>/dev/null || true)"
	[[ "${goversion}" =~ ^go([0-9]+)\.([0-9]+) ]] || return 1
	((BASH_REMATCH[1] > 1 || (BASH_REMATCH[1] == 1 && BASH_REMATCH[2] >= 26)))
}

install_go() {
	[[ "$(uname -m)" == x86_64 ]] || die "Go >= 1.26 is required and only its linux-amd64 toolchain is pinned here; install it in /usr/local/go"
	[[ "${go_release}" == 1.26.8 ]] || die "go.mod asks for Go ${go_release}: update go_zip_sha256 in ${BASH_SOURCE[0]}"
	local tools=()
	command -v curl >/dev/null 2>&1 || tools+=(curl)
	command -v unzip >/dev/null 2>&1 || tools+=(unzip)
	[[ -e /etc/ssl/certs/ca-certificates.crt ]] || tools+=(ca-certificates)
	if ((${#tools[@]} > 0)); then
		apt-get update
		apt-get install -y --no-install-recommends "${tools[@]}"
	fi
	local proxy="${GOPROXY:-https://proxy.golang.org}"
	proxy="${proxy%%[,|]*}"
	[[ "${proxy}" == https://* ]] || proxy=https://proxy.golang.org
	local module="golang.org/toolchain@v0.0.1-go${go_release}.linux-amd64"
	local tmp
	tmp="$(mktemp -d)"
	echo "setup.sh: installing Go ${go_release} in /usr/local/go from ${proxy}"
	curl -fsSL -o "${tmp}/go.zip" "${proxy}/golang.org/toolchain/@v/v0.0.1-go${go_release}.linux-amd64.zip" ||
		die "cannot download Go ${go_release} from ${proxy}"
	echo "${go_zip_sha256}  ${tmp}/go.zip" | sha256sum -c --quiet - ||
		die "the downloaded Go ${go_release} does not match its pinned SHA-256"
	unzip -q "${tmp}/go.zip" -d "${tmp}"
	chmod -R a+rX "${tmp}/${module}"
	chmod a+x "${tmp}/${module}"/bin/* "${tmp}/${module}"/pkg/tool/linux_amd64/*
	rm -rf /usr/local/go
	mv "${tmp}/${module}" /usr/local/go
	rm -rf "${tmp}"
	export PATH="/usr/local/go/bin:${PATH}"
}

# An earlier run's install, when /usr/local/go/bin is not on PATH yet.
[[ -x /usr/local/go/bin/go ]] && export PATH="/usr/local/go/bin:${PATH}"
go_usable || install_go
go_usable || die "Go >= 1.26 is required, found '${goversion:-none}' at $(command -v go || echo 'no go on PATH')"

go mod download

# The language toolchains are declared by the runtime files (runtimes/*.json);
# the binary prints their Debian packages. iproute2 brings up each sandbox's
# own loopback; procps is used by the tests.
packages=(iproute2 procps coreutils findutils)
# nftables routes and filters the runs that ask for network. The whole test
# suite (--all) also boots a pure cgroup v2 VM (qemu, debootstrap, e2fsprogs)
# and builds and runs the container image (podman with runc, podman-compose;
# CNI's port mapping needs iptables, which podman only suggests; the test
# talks to the container with curl).
packages+=(nftables)
if ((${#all[@]} > 0)); then
	packages+=(qemu-system-x86 qemu-utils debootstrap e2fsprogs podman runc podman-compose containernetworking-plugins slirp4netns uidmap iptables curl)
	# test/e2e renders the API documentation page (/docs) in headless Chromium.
	packages+=(chromium)
fi
# The runtimes' libraries come with --all and --libraries.
runtime_packages="$(go run ./cmd/coderacer packages "${all[@]}" "${libraries[@]}")" ||
	die "cannot list the runtimes' packages (go run ./cmd/coderacer packages ${all[*]} ${libraries[*]})"
mapfile -t -O "${#packages[@]}" packages <<<"${runtime_packages}"
npm_packages="$(go run ./cmd/coderacer packages --npm "${all[@]}")" ||
	die "cannot list the runtimes' npm packages"
# npm installs the runtimes' npm packages, and the test suite drives the
# real piston-client and the playground (playwright-core) from Node
# (test/piston and test/playground run npm ci themselves).
if { [[ -n "${npm_packages}" ]] || [[ ${#all[@]} -gt 0 ]]; } && ! command -v npm >/dev/null 2>&1; then
	packages+=(npm)
fi

missing=()
for pkg in "${packages[@]}"; do
	status="$(dpkg-query -W -f='${Status}' "${pkg}" 2>/dev/null || true)"
	if [[ "${status}" != "install ok installed" ]]; then
		missing+=("${pkg}")
	fi
done

if ((${#missing[@]} > 0)); then
	echo "setup.sh: installing ${missing[*]}"
	apt-get update
	apt-get install -y --no-install-recommends "${missing[@]}"
else
	echo "setup.sh: all system packages are installed"
fi

# Where Debian has no package, a runtime names npm packages (pinned); they go
# under NPM_PREFIX, inside /usr so that the sandbox sees them read-only.
NPM_PREFIX=/usr/lib/coderacer/npm
if [[ -n "${npm_packages}" ]]; then
	mapfile -t npm_wanted <<<"${npm_packages}"
	npm_missing=()
	for spec in "${npm_wanted[@]}"; do
		name="${spec%@*}"
		version="${spec##*@}"
		manifest="${NPM_PREFIX}/node_modules/${name}/package.json"
		if [[ ! -f "${manifest}" ]] || ! grep -q "\"version\": *\"${version}\"" "${manifest}"; then
			npm_missing+=("${spec}")
		fi
	done
	if ((${#npm_missing[@]} > 0)); then
		echo "setup.sh: installing from npm into ${NPM_PREFIX}: ${npm_wanted[*]}"
		mkdir -p "${NPM_PREFIX}"
		# The whole set, so that npm keeps every one of them.
		npm install --prefix "${NPM_PREFIX}" --no-save --no-audit --no-fund --no-package-lock --ignore-scripts "${npm_wanted[@]}"
		chmod -R a+rX "${NPM_PREFIX}"
	else
		echo "setup.sh: all npm packages are installed"
	fi
fi

scope=core
[[ ${#libraries[@]} -eq 0 ]] || scope="core+libraries"
[[ ${#all[@]} -eq 0 ]] || scope=all
echo "setup.sh: done (${goversion}, ${scope} runtimes)"
