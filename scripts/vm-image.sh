#!/usr/bin/env bash
# Builds (once) the disk of the cgroup v2 test VM (test/vm) and prints the
# directory that holds it: disk.img (raw ext4, the root file system),
# vmlinuz and initrd.img (booted with qemu's -kernel/-initrd).
#
#   scripts/vm-image.sh           builds if missing, prints the directory
#
# The image is Debian 12 minbase (scripts/bookworm-rootfs.sh) plus a kernel,
# systemd, logind (login sessions), gcc and python3 for the test programs and
# iproute2 for the sandbox, and Podman with runc, the CNI plugins and
# iptables (a published port) for the podman scenario. At boot, crvm-run.service mounts the host's 9p
# share "crvm", runs the guest program it finds there and powers off.
# Cached under CODERACER_CACHE/vm/<hash of this script without its comments>:
# changing the recipe rebuilds it. First build about 2 minutes (apt-get from
# deb.debian.org).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${CODERACER_CACHE:-/var/cache/coderacer}"
# The key ignores comment lines: only a change of the recipe rebuilds.
key="$(grep -v '^[[:space:]]*#' "${BASH_SOURCE[0]}" | sha256sum | cut -c1-16)"
out="${cache}/vm/${key}"
packages=(linux-image-amd64 initramfs-tools systemd systemd-sysv udev dbus
	libpam-systemd kmod iproute2 procps util-linux gcc libc6-dev python3
	podman runc containernetworking-plugins iptables uidmap)

if [[ -s "${out}/disk.img" ]]; then
	echo "${out}"
	exit 0
fi
[[ "$(id -u)" -eq 0 ]] || { echo "vm-image.sh: must run as root" >&2; exit 1; }
command -v mkfs.ext4 >/dev/null || { echo "vm-image.sh: mkfs.ext4 is missing (apt-get install e2fsprogs)" >&2; exit 1; }
tarball="$("${here}/bookworm-rootfs.sh")"

mkdir -p "${cache}/vm"
exec 9>"${cache}/vm/.lock"
flock 9
if [[ -s "${out}/disk.img" ]]; then
	echo "${out}"
	exit 0
fi
work="$(mktemp -d "${cache}/vm/build.XXXXXX")"
# Everything mounted for the chroot lives in a mount namespace of its own
# (unshare below), so nothing is mounted here when this removes the tree.
trap 'rm -rf "${work}"' EXIT
root="${work}/root"
mkdir "${root}"
echo "vm-image.sh: building the VM disk in ${work} (about 2 minutes, once)" >&2
tar -C "${root}" --numeric-owner -xf "${tarball}"
cp /etc/resolv.conf "${root}/etc/resolv.conf"
# No service starts inside the chroot.
printf '#!/bin/sh\nexit 101\n' >"${root}/usr/sbin/policy-rc.d"
chmod 0755 "${root}/usr/sbin/policy-rc.d"

# shellcheck disable=SC2016 # expanded by the inner bash
unshare --mount --propagation private -- bash -euo pipefail -c '
	root="$1"; shift
	mount -t proc proc "${root}/proc"
	mount -t tmpfs -o mode=0755 dev "${root}/dev"
	for n in null:1:3 zero:1:5 full:1:7 random:1:8 urandom:1:9 tty:5:0; do
		IFS=: read -r name major minor <<<"${n}"
		mknod -m 0666 "${root}/dev/${name}" c "${major}" "${minor}"
	done
	mkdir "${root}/dev/pts" "${root}/dev/shm"
	export DEBIAN_FRONTEND=noninteractive LC_ALL=C
	chroot "${root}" apt-get update -q
	chroot "${root}" apt-get install -y -q --no-install-recommends "$@"
	chroot "${root}" apt-get clean
' bash "${root}" "${packages[@]}" >"${work}/apt.log" 2>&1 ||
	{ tail -30 "${work}/apt.log" >&2; exit 1; }

rm -f "${root}/usr/sbin/policy-rc.d"
: >"${root}/etc/resolv.conf"
echo crvm >"${root}/etc/hostname"
printf '/dev/vda / ext4 rw,errors=remount-ro 0 1\n' >"${root}/etc/fstab"
# Root may log in on the serial console without a password (a look by
# hand: scripts/vm-shell.sh).
sed -i 's|^root:[^:]*:|root::|' "${root}/etc/shadow"
cat >"${root}/usr/local/sbin/crvm-run" <<'RUN'
#!/bin/bash
# Runs the test the host left on the 9p share "crvm" and powers off.
set -u
share=/mnt/crvm
mkdir -p "${share}"
modprobe 9pnet_virtio
if mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 crvm "${share}"; then
	if [[ -x "${share}/run.sh" ]]; then
		bash "${share}/run.sh" "${share}" >"${share}/run.log" 2>&1
		echo "crvm-run: run.sh exited $?"
	else
		echo "crvm-run: no run.sh on the share: staying up for a person"
		exit 0
	fi
	sync
	umount "${share}"
else
	echo "crvm-run: no 9p share crvm"
fi
systemctl poweroff --no-block
RUN
chmod 0755 "${root}/usr/local/sbin/crvm-run"
cat >"${root}/etc/systemd/system/crvm-run.service" <<'UNIT'
[Unit]
Description=Code Racer VM test (runs the share's run.sh, then powers off)
After=systemd-logind.service dbus.service systemd-user-sessions.service
Wants=systemd-logind.service dbus.service

[Service]
Type=simple
ExecStart=/usr/local/sbin/crvm-run
StandardOutput=journal+console
StandardError=journal+console

[Install]
WantedBy=multi-user.target
UNIT
ln -s /etc/systemd/system/crvm-run.service "${root}/etc/systemd/system/multi-user.target.wants/crvm-run.service"

# Podman as a distribution ships it, with runc (crun is Podman's default
# elsewhere; runc is Docker's, and what the brief of the test asks for),
# systemd managing the containers' cgroups (the default on cgroup v2) and
# no journald needed for its events.
mkdir -p "${root}/etc/containers"
cat >"${root}/etc/containers/containers.conf" <<'CONF'
[engine]
runtime = "runc"
cgroup_manager = "systemd"
events_logger = "file"
[network]
network_backend = "cni"
CONF

mkdir -p "${work}/out"
cp "${root}"/boot/vmlinuz-* "${work}/out/vmlinuz"
cp "${root}"/boot/initrd.img-* "${work}/out/initrd.img"
chmod 0644 "${work}/out/vmlinuz" "${work}/out/initrd.img"
mkfs.ext4 -q -F -L crvm -d "${root}" "${work}/out/disk.img" 3G >>"${work}/apt.log" 2>&1 ||
	{ tail -30 "${work}/apt.log" >&2; exit 1; }
rm -rf "${out}"
mv "${work}/out" "${out}"
# Disks of older recipes are of no more use (once no run can still be
# starting from one).
find "${cache}/vm" -mindepth 1 -maxdepth 1 -type d -regex '.*/[0-9a-f]\{16\}' -mmin +60 ! -name "${key}" -exec rm -rf {} +
echo "${out}"
