#!/usr/bin/env bash
# Builds a disposable DAMON test host: a Debian cloud kernel plus an initramfs (busybox, dropbear)
# that QEMU boots with scripts/testhost/start.sh.
#
#   scripts/testhost/build.sh [7.2|6.12] [--damo] [--systemd]      (default 7.2)
#
# --damo (7.2 only) also builds the optional image variant initrd-damo.img: the same initramfs with
# a second cpio layer appended (the kernel unpacks concatenated archives in order) holding
# python3 (bookworm's python3.11, minimal set) and damo 3.4.1 (Debian sid's `damo` package), the
# reference the kernel-agreement tests run INSIDE the guest (damo's feature probe writes to the
# DAMON sysfs of the machine it runs on: never run it on the development machine). The base image
# stays small so the other VM tests boot as fast as before; start.sh --damo boots the variant.
#
# --systemd (7.2 only) also builds the variant whose init is Debian's systemd, on a persistent ext4
# disk (scripts/testhost/systemd-image.sh); start.sh --systemd boots it.
#
# Everything comes from Debian packages fetched with `apt-get download` and a PRIVATE sources
# list (the machine's own apt state is untouched). The mirror URI is read from the machine's apt
# sources. Downloads and images are cached under .cache/testhost/ (gitignored): a rerun whose
# inputs did not change does nothing and needs no network.
#
# Output: .cache/testhost/<ver>/{vmlinuz,initrd.img,known_hosts,kernel-release} and the shared
# client key .cache/testhost/id_ed25519 (root's only way in; password login is refused).
set -euo pipefail

ver=7.2; damo=0; systemd=0
for a in "$@"; do
  case "$a" in
    --damo) damo=1 ;;
    --systemd) systemd=1 ;;
    *) ver="$a" ;;
  esac
done
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cache="${TESTHOST_CACHE:-$root/.cache/testhost}"
out="$cache/$ver"
mkdir -p "$cache" "$out"

log() { printf 'testhost build %s: %s\n' "$ver" "$*" >&2; }
die() { log "error: $*"; exit 1; }

case "$ver" in
  7.2) suites=(sid); kpattern='^linux-binary-7\.2\.[0-9]+\+deb[0-9]+-cloud-amd64$' ;;
  6.12) suites=(bookworm bookworm-security); kpattern='^linux-image-6\.12\.[0-9]+\+deb[0-9]+-cloud-amd64-unsigned$' ;;
  *) die "unknown kernel '$ver' (use 7.2 or 6.12)" ;;
esac

for tool in apt-get dpkg-deb cpio gzip xz ssh-keygen gcc; do
  command -v "$tool" >/dev/null || die "missing tool '$tool' (run scripts/ci/deploy.sh)"
done

# ---- private apt configuration ----------------------------------------------------------------
# The mirror: the first deb822 URIs line (or sources.list deb line) of the machine's own setup
# that serves the main archive (not the security archive).
mirror_uri() {
  local f u
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -r "$f" ] || continue
    u="$(awk '/^URIs:/ { for (i = 2; i <= NF; i++) if ($i !~ /security/) { print $i; exit } }' "$f")"
    [ -n "$u" ] && { printf '%s\n' "$u"; return; }
  done
  if [ -r /etc/apt/sources.list ]; then
    u="$(awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { if ($i !~ /security/) { print $i; exit } else break } }' /etc/apt/sources.list)"
    [ -n "$u" ] && { printf '%s\n' "$u"; return; }
  fi
  return 1
}
security_uri() {
  local f u
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -r "$f" ] || continue
    u="$(awk '/^URIs:/ { for (i = 2; i <= NF; i++) if ($i ~ /security/) { print $i; exit } }' "$f")"
    [ -n "$u" ] && { printf '%s\n' "$u"; return; }
  done
  # the security archive conventionally sits next to the main one
  printf '%s-security\n' "$(mirror_uri)"
}
uri="$(mirror_uri)" || die "cannot find a Debian mirror in /etc/apt/sources.list.d/*.sources or /etc/apt/sources.list"
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
[ -r "$keyring" ] || die "missing $keyring (apt-get install debian-archive-keyring)"

aptdir="$cache/apt-$ver"
mkdir -p "$aptdir/lists/partial" "$aptdir/cache/archives/partial"
: >"$aptdir/sources.list"
for s in "${suites[@]}"; do
  u="$uri"
  case "$s" in *-security) u="$(security_uri)" ;; esac
  printf 'deb [signed-by=%s] %s %s main\n' "$keyring" "$u" "$s" >>"$aptdir/sources.list"
done
# Userland for the guest always comes from bookworm: it matches this machine's libc, so the
# build can run the guest's dropbearkey too.
uaptdir="$cache/apt-userland"
mkdir -p "$uaptdir/lists/partial" "$uaptdir/cache/archives/partial"
printf 'deb [signed-by=%s] %s bookworm main\n' "$keyring" "$uri" >"$uaptdir/sources.list"

aptopts() {
  local d="$1"
  printf '%s\n' -o "Dir::Etc::sourcelist=$d/sources.list" -o Dir::Etc::sourceparts=- \
    -o "Dir::State::Lists=$d/lists" -o "Dir::Cache=$d/cache" -o Debug::NoLocking=1 \
    -o APT::Sandbox::User=root -o Acquire::Retries=3
}
apt_update() {
  local d="$1"
  mapfile -t o < <(aptopts "$d")
  # lists younger than a day are reused
  if [ -n "$(find "$d/lists" -maxdepth 1 -name '*_Packages*' -mmin -1440 2>/dev/null | head -1)" ]; then return; fi
  log "apt-get update (${d##*/})"
  apt-get "${o[@]}" -qq update >&2
}
apt_fetch() {   # apt_fetch DIR DEST PKG...
  local d="$1" dest="$2"; shift 2
  mapfile -t o < <(aptopts "$d")
  mkdir -p "$dest"
  local p missing=()
  for p in "$@"; do
    compgen -G "$dest/${p}_*.deb" >/dev/null || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return
  log "downloading ${missing[*]}"
  (cd "$dest" && apt-get "${o[@]}" -qq download "${missing[@]}" >&2)
}

# ---- optional damo layer (initrd-damo.img) -----------------------------------------------------
# python3.11 from bookworm (matches the guest's libc) with the libraries its stdlib modules load,
# and damo from sid. Docs, tests, tkinter/idle and the like are left out.
damo_debs=(damo)
python_debs=(python3.11-minimal libpython3.11-minimal libpython3.11-stdlib libexpat1 libssl3 libffi8 libbz2-1.0 liblzma5 media-types)
damo_layer() {
  [ "$ver" = 7.2 ] || die "--damo needs the 7.2 image (damo 3.4.1 comes from sid)"
  local dstamp
  dstamp="$(printf '%s %s %s' "$(cat "$out/stamp")" "${damo_debs[*]}" "${python_debs[*]}" | sha256sum | cut -c1-16)"
  if [ -s "$out/initrd-damo.img" ] && [ "$(cat "$out/damo-stamp" 2>/dev/null)" = "$dstamp" ]; then
    log "damo layer up to date ($(cat "$out/damo-version" 2>/dev/null))"
    return
  fi
  apt_update "$aptdir"
  apt_update "$uaptdir"
  local debs="$cache/debs"
  apt_fetch "$aptdir" "$debs" "${damo_debs[@]}"
  apt_fetch "$uaptdir" "$debs" "${python_debs[@]}"
  local dw; dw="$(mktemp -d "$cache/damo.XXXXXX")"
  local x="$dw/x" l="$dw/layer" p f
  mkdir -p "$x" "$l/usr/bin" "$l/usr/lib/x86_64-linux-gnu"
  for p in "${damo_debs[@]}" "${python_debs[@]}"; do
    f="$(ls "$debs/${p}"_*.deb | sort -V | tail -1)"
    dpkg-deb -x "$f" "$x"
  done
  dpkg-deb -f "$(ls "$debs"/damo_*.deb | sort -V | tail -1)" Version >"$out/damo-version"
  # the guest has merged /usr (lib -> usr/lib): gather shared libraries in usr/lib/x86_64-linux-gnu
  for f in "$x"/lib/x86_64-linux-gnu/*.so* "$x"/usr/lib/x86_64-linux-gnu/*.so*; do
    [ -e "$f" ] && cp -a "$f" "$l/usr/lib/x86_64-linux-gnu/"
  done
  cp -a "$x/usr/lib/python3.11" "$l/usr/lib/python3.11"
  mkdir -p "$l/usr/lib/python3"
  cp -a "$x/usr/lib/python3/dist-packages" "$l/usr/lib/python3/dist-packages"
  [ -d "$x/usr/lib/python3.11/lib-dynload" ] || die "python3.11 has no lib-dynload"
  [ -d "$x/etc" ] && cp -a "$x/etc" "$l/etc"
  (cd "$l/usr/lib/python3.11" && rm -rf test idlelib tkinter turtledemo ensurepip lib2to3 pydoc_data config-3.11-x86_64-linux-gnu)
  find "$l" -name '__pycache__' -prune -exec rm -rf {} +
  cp -a "$x/usr/bin/python3.11" "$l/usr/bin/python3.11"
  ln -s python3.11 "$l/usr/bin/python3"
  cp -a "$x/usr/bin/damo" "$l/usr/bin/damo"
  # byte-compile now (the same python3.11, run from the layer): under TCG, compiling damo's
  # modules at every start costs about 15 s
  LD_LIBRARY_PATH="$l/usr/lib/x86_64-linux-gnu" "$l/usr/bin/python3.11" -m compileall -q -j 0 -s "$l" \
    "$l/usr/lib/python3.11" "$l/usr/lib/python3/dist-packages" >/dev/null || die "compileall failed"
  (cd "$l" && find . -print0 | cpio --null -o -H newc --quiet --owner 0:0) | gzip -6 >"$out/damo.cpio.gz"
  cat "$out/initrd.img" "$out/damo.cpio.gz" >"$out/initrd-damo.img.tmp"
  mv "$out/initrd-damo.img.tmp" "$out/initrd-damo.img"
  rm -rf "$dw"
  printf '%s\n' "$dstamp" >"$out/damo-stamp"
  log "damo $(cat "$out/damo-version") layer: $(du -h "$out/damo.cpio.gz" | cut -f1) (initrd-damo.img $(du -h "$out/initrd-damo.img" | cut -f1))"
}

. "$here/systemd-image.sh"

# ---- stamp: skip everything when the inputs are unchanged -------------------------------------
stamp_input="$(cat "$here/build.sh" "$here/workload.c")"
stamp="$(printf '%s' "$stamp_input" | sha256sum | cut -c1-16)"
if [ -s "$out/vmlinuz" ] && [ -s "$out/initrd.img" ] && [ -s "$out/known_hosts" ] \
   && [ -s "$cache/id_ed25519" ] && [ -x "$cache/workload" ] \
   && [ "$(cat "$out/stamp" 2>/dev/null)" = "$stamp" ]; then
  log "up to date ($(cat "$out/kernel-release"))"
  [ "$damo" = 1 ] && damo_layer
  [ "$systemd" = 1 ] && systemd_image
  exit 0
fi

apt_update "$aptdir"
apt_update "$uaptdir"

mapfile -t ko < <(aptopts "$aptdir")
kpkg="$(apt-cache "${ko[@]}" search --names-only "$kpattern" 2>/dev/null | awk '{print $1}' | sort -V | tail -1)"
[ -n "$kpkg" ] || die "no package matching $kpattern in ${suites[*]}"
debs="$cache/debs"
case "$ver" in
  7.2)
    krel="${kpkg#linux-binary-}"
    apt_fetch "$aptdir" "$debs" "$kpkg" "linux-modules-$krel" ;;
  6.12)
    krel="${kpkg#linux-image-}"; krel="${krel%-unsigned}"
    apt_fetch "$aptdir" "$debs" "$kpkg" ;;
esac
userland=(busybox-static dropbear-bin libtomcrypt1 libtommath1 libgmp10 libcrypt1 zlib1g libc6)
apt_fetch "$uaptdir" "$debs" "${userland[@]}"
log "kernel $krel"

# ---- unpack ----------------------------------------------------------------------------------
work="$(mktemp -d "$cache/work.XXXXXX")"
trap 'rm -rf "$work"' EXIT
kx="$work/kernel"; rootfs="$work/rootfs"; ux="$work/userland"
mkdir -p "$kx" "$rootfs" "$ux"
for f in "$debs"/*"$krel"*.deb; do dpkg-deb -x "$f" "$kx"; done
for p in "${userland[@]}"; do
  f="$(ls "$debs/${p}"_*.deb | sort -V | tail -1)"
  dpkg-deb -x "$f" "$ux"
done

vmlinuz="$(find "$kx" -name 'vmlinuz*' -type f | head -1)"
[ -n "$vmlinuz" ] || die "no vmlinuz in the kernel package"
cp "$vmlinuz" "$out/vmlinuz"
printf '%s\n' "$krel" >"$out/kernel-release"

# ---- root filesystem --------------------------------------------------------------------------
mkdir -p "$rootfs"/{bin,sbin,usr/bin,usr/sbin,etc/dropbear,proc,sys,dev,tmp,run,root/.ssh,var/log,mnt}
cp "$ux/bin/busybox" "$rootfs/bin/busybox"
"$rootfs/bin/busybox" --list-full | while read -r app; do
  [ -e "$rootfs/$app" ] || ln -s /bin/busybox "$rootfs/$app"
done
cp "$ux/usr/sbin/dropbear" "$rootfs/usr/sbin/dropbear"
# shared libraries dropbear needs, with the loader (merged-/usr layout in the guest)
mkdir -p "$rootfs/usr/lib/x86_64-linux-gnu" "$rootfs/lib64"
for d in "$ux/lib/x86_64-linux-gnu" "$ux/usr/lib/x86_64-linux-gnu"; do
  [ -d "$d" ] && cp -a "$d"/*.so* "$rootfs/usr/lib/x86_64-linux-gnu/" 2>/dev/null || true
done
ln -s usr/lib "$rootfs/lib"
mkdir -p "$rootfs/usr/lib/modules"
ld="$(find "$ux" -name 'ld-linux-x86-64.so.2' | head -1)"
cp -L "$ld" "$rootfs/lib64/ld-linux-x86-64.so.2"

# virtio-net modules (decompressed: busybox insmod cannot read .ko.xz / .ko.zst); in load order
for m in failover net_failover virtio_net; do
  f="$(find "$kx" -name "$m.ko*" | head -1)"
  [ -n "$f" ] || continue                     # built in
  case "$f" in
    *.xz) xz -dc "$f" >"$rootfs/usr/lib/modules/$m.ko" ;;
    *.zst) zstd -qdc "$f" >"$rootfs/usr/lib/modules/$m.ko" ;;
    *.gz) gzip -dc "$f" >"$rootfs/usr/lib/modules/$m.ko" ;;
    *) cp "$f" "$rootfs/usr/lib/modules/$m.ko" ;;
  esac
  printf '%s\n' "$m" >>"$rootfs/usr/lib/modules/load-order"
done

cat >"$rootfs/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
EOF
cat >"$rootfs/etc/group" <<'EOF'
root:x:0:
EOF
printf 'root:*:19000:0:99999:7:::\n' >"$rootfs/etc/shadow"
chmod 600 "$rootfs/etc/shadow"
printf '/bin/sh\n' >"$rootfs/etc/shells"
printf 'damon-testhost\n' >"$rootfs/etc/hostname"

# host key: generated now, pinned in known_hosts under a HostKeyAlias (independent of the port)
runx() { "$rootfs/lib64/ld-linux-x86-64.so.2" --library-path "$rootfs/usr/lib/x86_64-linux-gnu" "$@"; }
runx "$ux/usr/bin/dropbearkey" -t ed25519 -f "$rootfs/etc/dropbear/dropbear_ed25519_host_key" >/dev/null 2>&1 \
  || die "dropbearkey failed"
hostpub="$(runx "$ux/usr/bin/dropbearkey" -y -f "$rootfs/etc/dropbear/dropbear_ed25519_host_key" | grep '^ssh-ed25519 ' | awk '{print $1, $2}')"
[ -n "$hostpub" ] || die "could not read the generated host key"
printf 'damon-testhost-%s %s\n' "$ver" "$hostpub" >"$out/known_hosts"

# client key (shared by both images)
[ -s "$cache/id_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C damon-config-testhost -f "$cache/id_ed25519"
cp "$cache/id_ed25519.pub" "$rootfs/root/.ssh/authorized_keys"
chmod 700 "$rootfs/root" "$rootfs/root/.ssh"; chmod 600 "$rootfs/root/.ssh/authorized_keys"

# the workload (static, copied into the guest by the tests; also shipped in the image)
gcc -O2 -static -o "$cache/workload" "$here/workload.c"
cp "$cache/workload" "$rootfs/usr/bin/damon-workload"

cat >"$rootfs/init" <<'EOF'
#!/bin/sh
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
mount -t cgroup2 cgroup2 /sys/fs/cgroup
echo +memory > /sys/fs/cgroup/cgroup.subtree_control
# every page move in the tests must be DAMON's
[ -e /proc/sys/kernel/numa_balancing ] && echo 0 > /proc/sys/kernel/numa_balancing
# damon_stat.enabled=N is on the command line; make sure anyway (it holds DAMON exclusively)
[ -w /sys/module/damon_stat/parameters/enabled ] && echo N > /sys/module/damon_stat/parameters/enabled
if [ -f /lib/modules/load-order ]; then
  while read -r m; do insmod "/lib/modules/$m.ko" || echo "init: insmod $m failed" > /dev/console; done < /lib/modules/load-order
fi
hostname -F /etc/hostname
ip link set lo up
ip addr add 10.0.2.15/24 dev eth0
ip link set eth0 up
ip route add default via 10.0.2.2
exec /bin/busybox init
EOF
chmod 755 "$rootfs/init"
cat >"$rootfs/etc/inittab" <<'EOF'
::sysinit:/bin/echo damon-testhost: userland up
::respawn:/usr/sbin/dropbear -F -s -g -p 22 -r /etc/dropbear/dropbear_ed25519_host_key
::ctrlaltdel:/bin/poweroff -f
EOF

(cd "$rootfs" && find . -print0 | cpio --null -o -H newc --quiet --owner 0:0) | gzip -6 >"$out/initrd.img.tmp"
mv "$out/initrd.img.tmp" "$out/initrd.img"
printf '%s\n' "$stamp" >"$out/stamp"
log "built $(du -h "$out/initrd.img" | cut -f1) initrd, $(du -h "$out/vmlinuz" | cut -f1) vmlinuz in $out"
[ "$damo" = 1 ] && damo_layer
[ "$systemd" = 1 ] && systemd_image
exit 0
