#!/usr/bin/env bash
# Installs the language runtimes into the container image; the Dockerfile
# runs it as root in the final stage, with coderacer already on PATH, so
# the lists come from the runtime files (`coderacer packages`), as for
# scripts/setup.sh.
#
#   container-install.sh core   the core runtimes (python3, node, go, php, java, ruby, c, c++, bash)
#   container-install.sh all    every runtime, with the npm packages some of them name
set -euo pipefail

case "${1:-}" in
core) all=() ;;
all) all=(--all) ;;
*)
	echo "container-install.sh: LANGUAGES must be 'core' or 'all', not '${1:-}'" >&2
	exit 2
	;;
esac
export DEBIAN_FRONTEND=noninteractive

# iproute2 brings up each sandbox's own loopback; nftables filters the
# runs that ask for network.
packages=(iproute2 nftables)
mapfile -t -O "${#packages[@]}" packages < <(coderacer packages "${all[@]}")
mapfile -t npm_packages < <(coderacer packages --npm "${all[@]}")
if ((${#npm_packages[@]} > 0)); then
	packages+=(npm)
fi

apt-get update
apt-get install -y --no-install-recommends "${packages[@]}"

# Where Debian has no package, a runtime names pinned npm packages; they go
# under /usr/lib/coderacer/npm, inside /usr so that the sandbox sees them.
if ((${#npm_packages[@]} > 0)); then
	prefix=/usr/lib/coderacer/npm
	mkdir -p "${prefix}"
	npm install --prefix "${prefix}" --no-save --no-audit --no-fund --no-package-lock --ignore-scripts "${npm_packages[@]}"
	chmod -R a+rX "${prefix}"
	rm -rf /root/.npm
fi

apt-get clean
rm -rf /var/lib/apt/lists/*
