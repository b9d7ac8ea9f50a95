#!/usr/bin/env bash
# Prints the path of a Debian 12 (bookworm) minbase root file system as a
# tarball, building it with debootstrap the first time. The container image
# test (its base image) and the cgroup v2 VM test (its disk) start from it;
# no image registry is needed.
#
#   scripts/bookworm-rootfs.sh    builds if missing, prints the tarball's path
#
# Cached under CODERACER_CACHE (default /var/cache/coderacer). Must run as root.
set -euo pipefail

cache="${CODERACER_CACHE:-/var/cache/coderacer}"
tarball="${cache}/bookworm-minbase.tar"
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"

if [[ -s "${tarball}" ]]; then
	echo "${tarball}"
	exit 0
fi
[[ "$(id -u)" -eq 0 ]] || { echo "bookworm-rootfs.sh: must run as root" >&2; exit 1; }
command -v debootstrap >/dev/null || { echo "bookworm-rootfs.sh: debootstrap is missing (scripts/setup.sh --all installs it)" >&2; exit 1; }

mkdir -p "${cache}"
# flock: the VM and container tests may ask at the same time.
exec 9>"${cache}/.bookworm-minbase.lock"
flock 9
if [[ ! -s "${tarball}" ]]; then
	work="$(mktemp -d "${cache}/rootfs.XXXXXX")"
	trap 'rm -rf "${work}"' EXIT
	echo "bookworm-rootfs.sh: debootstrap --variant=minbase bookworm (a few minutes, once)" >&2
	debootstrap --variant=minbase bookworm "${work}/root" "${mirror}" >"${work}/log" 2>&1 ||
		{ tail -20 "${work}/log" >&2; exit 1; }
	rm -rf "${work}/root/var/cache/apt/archives/"*.deb
	tar -C "${work}/root" --numeric-owner -cf "${work}/rootfs.tar" .
	mv "${work}/rootfs.tar" "${tarball}"
fi
echo "${tarball}"
