#!/usr/bin/env bash
# The container image's entrypoint: makes the container's own cgroups
# writable, then runs coderacer with the container's arguments.
#
#   container-entrypoint.sh serve [FLAGS]   (the image's default command)
#   container-entrypoint.sh version         (any other coderacer command, as is)
#
# Docker and Podman mount /sys/fs/cgroup read-only in a container that is
# not --privileged, but the sandbox creates a cgroup per run. What the
# container sees there is its own subtree (each v1 controller bound from the
# container's cgroup; on v2 with a private cgroup namespace, the namespace
# root), so remounting those mounts read-write lets the server manage its
# own subtree and nothing above it. Needs CAP_SYS_ADMIN, which the sandbox
# needs anyway; without it the remount fails and so does the server, which
# says why.
set -euo pipefail

# Mount points of cgroup file systems mounted read-only (field 6 of
# mountinfo holds the per-mount options, field 5 the mount point).
readonly_cgroup_mounts() {
	local line fields
	while IFS= read -r line; do
		read -r -a fields <<<"${line}"
		[[ "${line}" == *" - cgroup "* || "${line}" == *" - cgroup2 "* ]] || continue
		[[ ",${fields[5]}," == *",ro,"* ]] || continue
		printf '%s\n' "${fields[4]}"
	done </proc/self/mountinfo
}

# Only `serve` needs it: `docker run IMAGE version` (or packages) works
# without privileges.
if [[ "${1:-}" != serve ]]; then
	exec coderacer "$@"
fi
mapfile -t mounts < <(readonly_cgroup_mounts)
for m in "${mounts[@]}"; do
	# A bind remount changes only this mount's flag, not the file system's;
	# a plain remount is the fallback for kernels that want it.
	mount -o remount,bind,rw "${m}" 2>/dev/null || mount -o remount,rw "${m}" || {
		echo "container-entrypoint: cannot make ${m} writable: the container needs CAP_SYS_ADMIN (docker run --cap-add SYS_ADMIN)" >&2
		exit 1
	}
done
exec coderacer "$@"
