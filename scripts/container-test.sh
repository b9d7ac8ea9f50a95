#!/usr/bin/env bash
# Proves the Docker deployment with Podman: builds the real Dockerfile, runs
# the image with exactly the privileges README.md ("Docker") names, sends
# the README's example, a C compile and run, an MLE and a TLE through it,
# shows that each privilege is needed (the server does not serve without
# it), then does the same example through compose.yaml with podman-compose.
#
#   scripts/container-test.sh              core languages (what `make test` runs)
#   LANGUAGES=all scripts/container-test.sh
#   scripts/container-test.sh --cleanup    removes what a run with this
#                                          CODERACER_TEST_ID left (if killed)
#
# No image registry is needed: debian:bookworm is imported from
# scripts/bookworm-rootfs.sh's tarball and golang:1.26-bookworm is that plus
# this machine's /usr/local/go, both made once and kept. The image build
# reaches deb.debian.org and the Go module proxy through the host's network
# (--network=host: podman's default bridge, 10.88.0.0/16, may collide with
# addresses other tests here use). At run time the container's network has
# no default route and no NAT: the API is published on 127.0.0.1 only and
# nothing inside can reach out. Podman's settings come from a
# containers.conf of this run (runc, cgroupfs, file events logger, ulimits
# this shell can grant): the host's stay as they are. Every container it
# starts carries the label coderacer-test=$ID and is removed at the end,
# failed or not; the image it built is kept as the next build's cache,
# localhost/coderacer-test:cache (replacing the previous one). Must run as
# root.
#
# Environment: CODERACER_TEST_ID (default ct<pid>) names the image, the
# containers, the network and the compose project; CODERACER_TEST_PORT
# (default 18xxx from the pid) and the next port are published.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
id="${CODERACER_TEST_ID:-ct$$}"
[[ "${id}" =~ ^[a-z0-9][a-z0-9-]{0,30}$ ]] || { echo "container-test: bad CODERACER_TEST_ID '${id}'" >&2; exit 2; }
port="${CODERACER_TEST_PORT:-$((18000 + $$ % 1000 * 2))}"
image="localhost/coderacer-test:${id}"
cache_image="localhost/coderacer-test:cache"
languages="${LANGUAGES:-core}"
# The privileges README.md names, as `docker run` options.
privileges=(
	--cap-drop ALL --cap-add SYS_ADMIN --cap-add SETUID --cap-add SETGID --cap-add SETFCAP
	--security-opt systempaths=unconfined --security-opt apparmor=unconfined
	--cgroupns private
)

say() { printf '%(%H:%M:%S)T container-test: %s\n' -1 "$*" >&2; }
die() {
	say "FAIL: $*"
	exit 1
}
elapsed() { echo "$((SECONDS - $1)) s"; }

check_prerequisites() {
	[[ "$(id -u)" -eq 0 ]] || die "must run as root"
	local tool missing=()
	for tool in podman runc podman-compose curl; do
		command -v "${tool}" >/dev/null || missing+=("${tool}")
	done
	((${#missing[@]} == 0)) || die "missing ${missing[*]}: run scripts/setup.sh --all (it installs podman, runc, podman-compose, containernetworking-plugins, slirp4netns, uidmap)"
	[[ "$(podman info -f '{{.Host.NetworkBackend}}' 2>/dev/null)" == cni ]] ||
		die "podman's network backend is not CNI (the test writes a CNI network): apt-get install containernetworking-plugins"
	[[ -x /usr/local/go/bin/go ]] || die "/usr/local/go/bin/go is missing (the build stage's Go toolchain comes from it)"
}

# Podman's configuration for this run only (CONTAINERS_CONF). crun fails on
# hybrid cgroup hosts, runc works; no systemd here to manage cgroups or to
# keep a journal. Podman's default ulimits (1048576 files and processes)
# exceed what runc may set without CAP_SYS_RESOURCE: the container gets this
# shell's hard limits, processes at most pid_max (conmon's own limit, as
# measured here).
write_containers_conf() {
	local nofile nproc pid_max
	nofile="$(ulimit -Hn)"
	nproc="$(ulimit -Hu)"
	pid_max="$(cat /proc/sys/kernel/pid_max)"
	[[ "${nofile}" == unlimited ]] && nofile=1048576
	[[ "${nproc}" == unlimited || "${nproc}" -gt "${pid_max}" ]] && nproc="${pid_max}"
	cat >"${work}/containers.conf" <<-EOF
		[containers]
		default_ulimits = ["nofile=${nofile}:${nofile}", "nproc=${nproc}:${nproc}"]
		[engine]
		runtime = "runc"
		cgroup_manager = "cgroupfs"
		events_logger = "file"
	EOF
	export CONTAINERS_CONF="${work}/containers.conf"
}

# debian:bookworm and golang:1.26-bookworm, the Dockerfile's FROM lines,
# made here because no registry is reachable. Built once, then kept.
base_images() {
	local start=${SECONDS} tarball ctr
	mkdir -p "${CODERACER_CACHE:-/var/cache/coderacer}"
	exec 8>"${CODERACER_CACHE:-/var/cache/coderacer}/.container-base.lock"
	flock 8
	if ! podman image exists docker.io/library/debian:bookworm; then
		tarball="$("${repo}/scripts/bookworm-rootfs.sh")"
		podman import --change 'CMD ["bash"]' "${tarball}" docker.io/library/debian:bookworm >/dev/null
	fi
	if ! podman image exists docker.io/library/golang:1.26-bookworm; then
		mkdir -p "${work}/ssl/certs"
		cp /etc/ssl/certs/ca-certificates.crt "${work}/ssl/certs/"
		ctr="$(podman create --network none docker.io/library/debian:bookworm true)"
		podman cp /usr/local/go "${ctr}:/usr/local/go"
		podman cp "${work}/ssl" "${ctr}:/etc/"
		podman commit -q \
			--change 'ENV PATH=/go/bin:/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
			--change 'ENV GOPATH=/go' --change 'ENV GOTOOLCHAIN=local' --change 'WORKDIR /go' \
			--change 'CMD ["bash"]' "${ctr}" docker.io/library/golang:1.26-bookworm >/dev/null
		podman rm "${ctr}" >/dev/null
	fi
	flock -u 8
	say "base images ready ($(elapsed "${start}"))"
}

build_image() {
	local start=${SECONDS}
	# --format docker keeps the HEALTHCHECK (OCI images have no such field).
	podman build --network=host --format docker \
		--build-arg "LANGUAGES=${languages}" -t "${image}" "${repo}" >"${work}/build.log" 2>&1 ||
		{ tail -30 "${work}/build.log" >&2; die "podman build failed (log above)"; }
	say "image ${image} built, LANGUAGES=${languages} ($(elapsed "${start}"))"
	local version
	version="$(podman run --rm --network none --label "coderacer-test=${id}" "${image}" version 2>>"${work}/podman.log")" ||
		die "podman run ${image} version failed: $(tail -3 "${work}/podman.log")"
	say "ok: ${version}, no privileges needed but for serve"
}

# A bridge network with no default route in the container and no NAT: the
# host reaches the published port, the container reaches nothing outside.
create_network() {
	local subnet="10.213.$(($$ % 250)).0/24" gateway="10.213.$(($$ % 250)).1"
	network="coderacer-test-${id}"
	conflist="/etc/cni/net.d/${network}.conflist"
	cat >"${conflist}" <<-EOF
		{"cniVersion": "0.4.0", "name": "${network}", "plugins": [
		  {"type": "bridge", "bridge": "cr-${id:0:12}", "isGateway": true, "ipMasq": false, "hairpinMode": true,
		   "ipam": {"type": "host-local", "routes": [], "ranges": [[{"subnet": "${subnet}", "gateway": "${gateway}"}]]}},
		  {"type": "portmap", "capabilities": {"portMappings": true}},
		  {"type": "firewall"}]}
	EOF
}

# The last image built stays as ${cache_image}, the build cache of the next
# run (podman rmi drops an image's intermediate layers with it); the one it
# replaces is removed, and so are the build stages of earlier runs, so one
# build's worth of disk is kept, no more.
keep_as_cache() {
	local old new
	new="$(podman image inspect -f '{{.Id}}' "${image}" 2>/dev/null)" || return 0
	old="$(podman image inspect -f '{{.Id}}' "${cache_image}" 2>/dev/null)" || old=""
	podman tag "${image}" "${cache_image}"
	podman rmi "${image}" >/dev/null
	if [[ -n "${old}" && "${old}" != "${new}" ]]; then
		podman rmi "${old}" >/dev/null 2>&1 || true
	fi
	# The build stage's last image is left untagged by every build (a
	# layer of the compiled server each): all but the newest go, whose
	# layers are the next build's cache.
	podman images -q --no-trunc --sort created -f dangling=true -f label=org.coderacer.stage=build |
		tail -n +2 | xargs -r podman rmi >/dev/null 2>&1 || true
}

# remove_all: every container and the network of this ID; the image becomes
# the cache.
remove_all() {
	network="coderacer-test-${id}"
	podman ps -aq --filter "label=coderacer-test=${id}" | xargs -r podman rm -f -t 2 >/dev/null 2>&1
	keep_as_cache >/dev/null 2>&1
	podman network rm -f "${network}" >/dev/null 2>&1
	rm -f "/etc/cni/net.d/${network}.conflist"
}

cleanup() {
	local rc=$?
	set +e
	if [[ -f "${work}/compose.override.yaml" ]]; then
		podman-compose -p "${id}" -f "${repo}/compose.yaml" -f "${work}/compose.override.yaml" down >/dev/null 2>&1
	fi
	remove_all
	rm -rf "${work}"
	exit "${rc}"
}

# wait_serving NAME PORT: true once the container answers /api/v1/health,
# false as soon as it has stopped.
wait_serving() {
	local i
	for i in $(seq 120); do
		curl -sf --noproxy '*' "http://127.0.0.1:$2/api/v1/health" >/dev/null 2>&1 && return 0
		[[ "$(podman inspect -f '{{.State.Running}}' "$1" 2>/dev/null)" == true ]] || return 1
		sleep 0.5
	done
	return 1
}

# execute PORT JSON: the answer of /api/v1/execute.
execute() {
	curl -sS --noproxy '*' -m 60 "http://127.0.0.1:$1/api/v1/execute" -d "$2"
}

# expect WHAT ANSWER PATTERN...: every pattern (grep -E) is in the answer.
expect() {
	local what="$1" answer="$2" p
	shift 2
	for p in "$@"; do
		grep -qE -- "${p}" <<<"${answer}" || die "${what}: no ${p} in ${answer:0:600}"
	done
	say "ok: ${what}"
}

readme_example='{"language":"node","entrypoint":"main.js","files":[{"name":"main.js","content":"console.log(\"Code Racer\")"}]}'

examples() {
	local p=$1
	expect "README example (node)" "$(execute "${p}" "${readme_example}")" \
		'"stdout":"Code Racer\\n"' '"status":"OK"'
}

more_examples() {
	local p=$1
	expect "C compile and run" "$(execute "${p}" '{"language":"c","entrypoint":"main.c","files":[{"name":"main.c","content":"#include <stdio.h>\nint main(void) { printf(\"%d\\n\", 6 * 7); return 0; }"}]}')" \
		'"stdout":"42\\n"' '"status":"OK"' '"compile":\{'
	expect "MLE (512 MiB under a 64 MiB limit)" "$(execute "${p}" '{"language":"python3","entrypoint":"main.py","files":[{"name":"main.py","content":"x = bytearray(512 * 1024 * 1024)\nprint(len(x))"}],"limits":{"memoryBytes":67108864}}')" \
		'"status":"MLE"'
	expect "TLE (a loop under 500 ms of CPU)" "$(execute "${p}" '{"language":"python3","entrypoint":"main.py","files":[{"name":"main.py","content":"while True: pass"}],"limits":{"cpuTimeMs":500}}')" \
		'"status":"TLE"'
}

run_container() {
	local start=${SECONDS} routes
	podman run -d --name "${id}" --label "coderacer-test=${id}" --network "${network}" \
		-p "127.0.0.1:${port}:8000" "${privileges[@]}" "${image}" >/dev/null 2>>"${work}/podman.log"
	wait_serving "${id}" "${port}" ||
		die "the container does not serve: $(podman logs "${id}" 2>&1 | tail -5)"
	say "serving on 127.0.0.1:${port} ($(elapsed "${start}"))"
	examples "${port}"
	more_examples "${port}"
	routes="$(podman exec "${id}" ip -4 route)"
	grep -q default <<<"${routes}" && die "the container has a default route: ${routes}"
	say "ok: no route out of the container (${routes%% proto*})"
	podman healthcheck run "${id}" >/dev/null 2>&1 || die "the image's HEALTHCHECK fails"
	say "ok: HEALTHCHECK"
	stop_container "${start}"
}

# SIGTERM (docker stop): the server ends cleanly, exit code 0. Its cgroups
# go with the container's own: runc removes that subtree whole.
stop_container() {
	local start=$1 code
	podman stop -t 20 "${id}" >/dev/null 2>>"${work}/podman.log"
	code="$(podman inspect -f '{{.State.ExitCode}}' "${id}")"
	[[ "${code}" == 0 ]] || die "the server exited ${code} on SIGTERM: $(podman logs "${id}" 2>&1 | tail -3)"
	podman rm "${id}" >/dev/null 2>>"${work}/podman.log"
	say "ok: stopped by SIGTERM, exit code 0 ($(elapsed "${start}") in all)"
}

# Each privilege is needed: without it the server does not serve.
without_each() {
	local start=${SECONDS} i drop opts
	local -a names=(SYS_ADMIN SETUID SETGID SETFCAP systempaths=unconfined)
	for drop in "${names[@]}"; do
		opts=()
		for ((i = 0; i < ${#privileges[@]}; i++)); do
			if [[ "${privileges[i]}" == "${drop}" ]]; then
				unset 'opts[${#opts[@]}-1]'
				continue
			fi
			opts+=("${privileges[i]}")
		done
		podman run -d --name "${id}-without" --label "coderacer-test=${id}" --network "${network}" \
			-p "127.0.0.1:${port}:8000" "${opts[@]}" "${image}" >/dev/null 2>>"${work}/podman.log"
		if wait_serving "${id}-without" "${port}"; then
			die "the server serves without ${drop}: that privilege is not needed"
		fi
		say "ok: without ${drop}: $(podman logs "${id}-without" 2>&1 | grep -E '^coderacer:' | tail -1)"
		podman rm -f -t 2 "${id}-without" >/dev/null 2>>"${work}/podman.log"
	done
	say "each privilege needed ($(elapsed "${start}"))"
}

# compose.yaml as shipped, with the test's image and network and the port
# on 127.0.0.1 only.
run_compose() {
	local start=${SECONDS} p=$((port + 1)) ctr
	cat >"${work}/compose.override.yaml" <<-EOF
		services:
		  coderacer:
		    labels:
		      coderacer-test: "${id}"
		    networks: [test]
		networks:
		  test:
		    external: true
		    name: ${network}
	EOF
	CODERACER_IMAGE="${image}" CODERACER_PUBLISH="127.0.0.1:${p}" \
		podman-compose -p "${id}" -f "${repo}/compose.yaml" -f "${work}/compose.override.yaml" \
		up -d --no-build >"${work}/compose.log" 2>&1 ||
		{ cat "${work}/compose.log" >&2; die "podman-compose up failed"; }
	ctr="$(podman ps -aq --filter "label=coderacer-test=${id}" | head -1)"
	[[ -n "${ctr}" ]] || { cat "${work}/compose.log" >&2; die "podman-compose started no container"; }
	wait_serving "${ctr}" "${p}" ||
		die "compose: the container does not serve: $(podman logs "${ctr}" 2>&1 | tail -5)"
	say "compose: serving on 127.0.0.1:${p} ($(elapsed "${start}"))"
	examples "${p}"
	CODERACER_IMAGE="${image}" CODERACER_PUBLISH="127.0.0.1:${p}" \
		podman-compose -p "${id}" -f "${repo}/compose.yaml" -f "${work}/compose.override.yaml" \
		down >>"${work}/compose.log" 2>&1 || { cat "${work}/compose.log" >&2; die "podman-compose down failed"; }
	[[ -z "$(podman ps -aq --filter "label=coderacer-test=${id}")" ]] || die "podman-compose down left a container"
	say "compose: up, example, down ($(elapsed "${start}"))"
}

# Network on request inside the container: DISABLE_NETWORKING=0 with
# NET_ADMIN (the veth pairs and nftables live in the container's own network
# namespace). A run that asks for network gets an interface with a default
# route; one that does not, only its loopback. The test's network has no
# way out, so nothing leaves the machine.
network_runs() {
	local start=${SECONDS} p=$((port + 1)) route
	route='{"language":"python3","entrypoint":"main.py","files":[{"name":"main.py","content":"lines = open(\"/proc/net/route\").read().splitlines()[1:]\nprint(\"default route:\", any(l.split()[1] == \"00000000\" for l in lines))"}]'
	podman run -d --name "${id}-net" --label "coderacer-test=${id}" --network "${network}" \
		-p "127.0.0.1:${p}:8000" "${privileges[@]}" --cap-add NET_ADMIN -e DISABLE_NETWORKING=0 \
		"${image}" >/dev/null 2>>"${work}/podman.log"
	wait_serving "${id}-net" "${p}" ||
		die "the container with DISABLE_NETWORKING=0 does not serve: $(podman logs "${id}-net" 2>&1 | tail -5)"
	expect "network run: a default route" "$(execute "${p}" "${route},\"network\":true}")" \
		'"stdout":"default route: True\\n"' '"status":"OK"'
	expect "run without network: no route" "$(execute "${p}" "${route}}")" \
		'"stdout":"default route: False\\n"' '"status":"OK"'
	podman stop -t 20 "${id}-net" >/dev/null 2>>"${work}/podman.log"
	podman rm "${id}-net" >/dev/null 2>>"${work}/podman.log"
	say "network on request with NET_ADMIN ($(elapsed "${start}"))"
}

main() {
	local start=${SECONDS}
	check_prerequisites
	work="$(mktemp -d /tmp/coderacer-container-test.XXXXXX)"
	trap cleanup EXIT
	trap 'exit 130' INT TERM
	write_containers_conf
	if [[ "${1:-}" == --cleanup ]]; then
		exit 0
	fi
	[[ $# -eq 0 ]] || die "unknown argument '$1' (usage: scripts/container-test.sh [--cleanup])"
	base_images
	build_image
	create_network
	run_container
	network_runs
	without_each
	run_compose
	say "PASS ($(elapsed "${start}") in all)"
}

main "$@"
