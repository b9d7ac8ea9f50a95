#!/bin/bash
# crvm-container-init CGROUP DIR: the container's side of crvm-shell's
# container mode, run as PID 1 of a new PID namespace. It moves itself
# into CGROUP (alone there, as a container's init is), enters a new cgroup
# namespace rooted there, mounts that namespace's cgroup2 on
# /sys/fs/cgroup in place of the host's (which the kernel will not mount
# twice on one point), records what it sees in DIR/ns-view and becomes the
# server.
set -eu
cgroup="$1"
dir="$2"
echo 0 >"${cgroup}/cgroup.procs"
# shellcheck disable=SC2016 # expanded by the inner bash
exec unshare --cgroup -- /bin/bash -c '
	set -eu
	umount /sys/fs/cgroup
	mount -t cgroup2 cgroup2 /sys/fs/cgroup
	cat /proc/self/cgroup >"$1/ns-view"
	exec /usr/local/bin/coderacer serve
' bash "${dir}"
