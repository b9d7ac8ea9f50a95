#!/usr/bin/env bash
# Boots the cgroup v2 test VM (test/vm) with its serial console on this
# terminal, for a look by hand: log in as root (no password). FILES (e.g. a
# coderacer binary, a unit file) are shared at /mnt/crvm in the guest.
# Power off with `poweroff`; Ctrl-A X kills qemu. Changes to the disk are
# dropped (snapshot).
#
#   scripts/vm-shell.sh [FILE...]
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
image="$("${here}/vm-image.sh")"
share="$(mktemp -d /tmp/crvm-shell.XXXXXX)"
trap 'rm -rf "${share}"' EXIT
for f in "$@"; do
	cp -- "${f}" "${share}/"
done
qemu-system-x86_64 -accel tcg -m 2048 -smp 2 -nographic -no-reboot -nic none \
	-kernel "${image}/vmlinuz" -initrd "${image}/initrd.img" \
	-append "root=/dev/vda rw console=ttyS0 panic=-1 systemd.unified_cgroup_hierarchy=1 cgroup_no_v1=all" \
	-drive "file=${image}/disk.img,format=raw,if=virtio,snapshot=on" \
	-virtfs "local,path=${share},mount_tag=crvm,security_model=none,id=crvm"
