#!/bin/bash
# crvm-shell DIR [container]: the shell that starts the server in the VM
# test's shell scenarios, as a person's shell would: it stays beside the
# server, starts it when DIR/go-1 appears, records its exit status in
# DIR/server-1.exit, starts it again from the same shell when DIR/go-2
# appears (a restart), and waits for DIR/release, so that the harness can
# check that the shell's own cgroup was left alone while the server ran and
# after it stopped.
#
# With "container", it plays a container runtime on cgroup v2 instead: it
# moves itself into <its cgroup>/runtime, enables the controllers for
# <its cgroup>/container and starts the server there as PID 1 of new PID
# and mount namespaces with a private cgroup namespace rooted at that
# cgroup and cgroup2 mounted on /sys/fs/cgroup (crvm-container-init), as
# Docker and Podman do; a restart starts it there again.
set -u
dir="$1"
mode="${2:-}"
if [[ "${mode}" == container ]]; then
	scope="/sys/fs/cgroup$(sed -n 's/^0:://p' /proc/self/cgroup)"
	mkdir "${scope}/runtime" "${scope}/container" || exit 1
	echo $$ >"${scope}/runtime/cgroup.procs" || exit 1
	sed 's/\([a-z_]\+\)/+\1/g' "${scope}/cgroup.controllers" >"${scope}/cgroup.subtree_control" || exit 1
	server=(unshare --pid --fork --mount --mount-proc -- /usr/local/sbin/crvm-container-init "${scope}/container" "${dir}")
else
	server=(/usr/local/bin/coderacer serve)
fi
echo $$ >"${dir}/shell.pid"
for n in 1 2; do
	until [[ -e "${dir}/go-${n}" ]]; do
		[[ -e "${dir}/release" ]] && exit 0
		sleep 0.05
	done
	"${server[@]}" >"${dir}/server-${n}.log" 2>&1 &
	wait $!
	echo $? >"${dir}/server-${n}.exit"
done
until [[ -e "${dir}/release" ]]; do sleep 0.05; done
