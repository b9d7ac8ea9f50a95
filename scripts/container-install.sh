#!/usr/bin/env bash
# Installs the language runtimes into the container image; the Dockerfile
# runs it as root in the final stage with the lists its build stage wrote
# with `coderacer packages` (the runtime files' packages, as
# scripts/setup.sh installs them).
#
#   container-install.sh PACKAGES NPM_PACKAGES   files of Debian and npm packages, one a line
set -euo pipefail

if [[ $# -ne 2 ]]; then
	echo "usage: container-install.sh PACKAGES NPM_PACKAGES" >&2
	exit 2
fi
export DEBIAN_FRONTEND=noninteractive

# iproute2 brings up each sandbox's own loopback; nftables filters the
# runs that ask for network.
packages=(iproute2 nftables)
mapfile -t -O "${#packages[@]}" packages <"$1"
mapfile -t npm_packages <"$2"
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
