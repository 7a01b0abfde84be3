#!/usr/bin/env bash
# CI install steps for the deploy area: the packages the kernel test host needs, then the
# VM images themselves (cached under .cache/testhost, so reruns are fast). Idempotent.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
need=()
command -v qemu-system-x86_64 >/dev/null || need+=(qemu-system-x86)
command -v ssh >/dev/null || need+=(openssh-client)
command -v ssh-keygen >/dev/null || need+=(openssh-client)
command -v cpio >/dev/null || need+=(cpio)
command -v xz >/dev/null || need+=(xz-utils)
command -v zstd >/dev/null || need+=(zstd)
command -v gcc >/dev/null || need+=(gcc)
[ -e /usr/lib/x86_64-linux-gnu/libc.a ] || need+=(libc6-dev)
command -v gpgv >/dev/null || need+=(gpgv)
# mke2fs -d: the systemd test host's ext4 root disk (build.sh --systemd)
command -v mke2fs >/dev/null || [ -x /sbin/mke2fs ] || need+=(e2fsprogs)
[ -e /usr/share/keyrings/debian-archive-keyring.gpg ] || need+=(debian-archive-keyring)
. "$root/scripts/ci/lib/apt.sh"
apt_install "${need[@]}"
bash "$root/scripts/testhost/build.sh" 7.2 --systemd
# the damo 3.4.1 variant the kernel corpus test boots (built here, not inside the test's boot timeout)
bash "$root/scripts/testhost/build.sh" 7.2 --damo
bash "$root/scripts/testhost/build.sh" 6.12
