#!/usr/bin/env bash
# Installs what Code Racer needs to build, run and test on Debian 12:
# the language toolchains the runtimes use and the Go module dependencies.
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

# Go >= 1.26 is required (go.mod says so, and Debian 12's golang-go is older:
# that one is only a runtime for user programs, not the toolchain).
command -v go >/dev/null 2>&1 ||
	die "Go >= 1.26 is required but 'go' is not on PATH (expected /usr/local/go/bin/go)"
goversion="$(go env GOVERSION 2>/dev/null || true)"
if [[ ! "${goversion}" =~ ^go([0-9]+)\.([0-9]+) ]]; then
	die "cannot determine the Go version (go env GOVERSION said '${goversion}')"
fi
gomajor="${BASH_REMATCH[1]}"
gominor="${BASH_REMATCH[2]}"
if ((gomajor < 1 || (gomajor == 1 && gominor < 26))); then
	die "Go >= 1.26 is required, found ${goversion} at $(command -v go)"
fi

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
