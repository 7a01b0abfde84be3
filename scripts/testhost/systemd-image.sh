# Sourced by build.sh for `build.sh 7.2 --systemd`: the image variant whose init is Debian's
# systemd (bookworm's systemd 252), for the tests of `deploy --persist` across reboots.
#
#   .cache/testhost/7.2/initrd-systemd.img   a tiny busybox initramfs: loads virtio_blk and
#                                           virtio_net, mounts /dev/vda and switch_roots into it
#   .cache/testhost/7.2/root-systemd.img     a raw ext4 root filesystem (mke2fs -d) holding
#                                           systemd, busybox (the shell tools), dropbear
#   .cache/testhost/7.2/known_hosts-systemd  its pinned host key (alias damon-testhost-7.2-systemd)
#
# start.sh --systemd boots it from a private copy of the disk (so /etc survives a reboot of that
# VM) and without -no-reboot, so `systemctl reboot` in the guest is a reboot. Everything comes from
# Debian packages: the package set is apt's dependency closure of systemd, dropbear-bin and
# busybox-static resolved against an empty dpkg status (no maintainer scripts run: the tree is
# unpacked and the few things the scripts would do are done here). Units nothing here needs
# (gettys, logind, ldconfig, binfmt ...) are masked to keep the boot short under TCG.

systemd_roots=(systemd dropbear-bin busybox-static base-files)
systemd_image() {
  [ "$ver" = 7.2 ] || die "--systemd needs the 7.2 image"
  command -v mke2fs >/dev/null || die "missing tool 'mke2fs' (apt-get install e2fsprogs; scripts/ci/deploy.sh does)"
  local sstamp
  sstamp="$(printf '%s %s %s' "$(cat "$out/stamp")" "$(cat "$here/systemd-image.sh")" "${systemd_roots[*]}" | sha256sum | cut -c1-16)"
  if [ -s "$out/root-systemd.img" ] && [ -s "$out/initrd-systemd.img" ] && [ -s "$out/known_hosts-systemd" ] \
     && [ "$(cat "$out/systemd-stamp" 2>/dev/null)" = "$sstamp" ]; then
    log "systemd image up to date"
    return
  fi
  apt_update "$uaptdir"
  local debs="$cache/debs" sw; sw="$(mktemp -d "$cache/systemd.XXXXXX")"
  # the dependency closure, from an empty dpkg status (recommends left out)
  : >"$sw/status"
  mapfile -t o < <(aptopts "$uaptdir")
  mapfile -t pkgs < <(apt-get "${o[@]}" -o "Dir::State::status=$sw/status" -o APT::Install-Recommends=false -s install "${systemd_roots[@]}" 2>/dev/null \
    | awk '$1 == "Inst" { print $2 }')
  [ ${#pkgs[@]} -gt 5 ] || die "could not resolve the packages of ${systemd_roots[*]}"
  local sdebs="$cache/debs-systemd"
  apt_fetch "$uaptdir" "$sdebs" "${pkgs[@]}"
  local x="$sw/x" r="$sw/root" i="$sw/initrd" p f d
  mkdir -p "$x" "$r" "$i"
  for p in "${pkgs[@]}"; do
    f="$(ls "$sdebs/${p}"_*.deb | sort -V | tail -1)"
    dpkg-deb -x "$f" "$x"
  done
  # merged /usr, as a Debian install has it
  cp -a "$x/." "$r/"
  mkdir -p "$r/usr/bin" "$r/usr/sbin" "$r/usr/lib" "$r/usr/lib64"
  for d in bin sbin lib lib64; do
    if [ -d "$r/$d" ] && [ ! -h "$r/$d" ]; then cp -a "$r/$d/." "$r/usr/$d/"; rm -rf "${r:?}/$d"; fi
    ln -sfn "usr/$d" "$r/$d"
  done
  # busybox provides the shell and every tool the packages above do not (coreutils, grep, awk, ip ...)
  "$r/usr/bin/busybox" --list-full | while read -r app; do
    case "$app" in bin/*|sbin/*) app="usr/$app" ;; esac
    [ -e "$r/$app" ] || [ -h "$r/$app" ] || ln -s /usr/bin/busybox "$r/$app"
  done
  mkdir -p "$r"/{proc,sys,dev,run,tmp,root/.ssh,var/log,var/tmp,etc/dropbear,etc/systemd/system/multi-user.target.wants,etc/systemd/system/sysinit.target.wants}
  chmod 1777 "$r/tmp" "$r/var/tmp"
  cat >"$r/etc/passwd" <<'PW'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
PW
  cat >"$r/etc/group" <<'GR'
root:x:0:
adm:x:4:
tty:x:5:
disk:x:6:
utmp:x:43:
kmem:x:15:
systemd-journal:x:101:
input:x:102:
kvm:x:103:
render:x:104:
sgx:x:105:
nogroup:x:65534:
GR
  printf 'root:*:19000:0:99999:7:::\nnobody:*:19000:0:99999:7:::\n' >"$r/etc/shadow"
  chmod 600 "$r/etc/shadow"
  printf '/bin/sh\n' >"$r/etc/shells"
  printf 'damon-testhost\n' >"$r/etc/hostname"
  # a machine id: not a first boot (systemd-firstboot would ask questions on the console)
  printf '%s\n' "$(printf 'damon-config-testhost-systemd' | md5sum | cut -c1-32)" >"$r/etc/machine-id"
  : >"$r/etc/fstab"
  ln -sfn /proc/self/mounts "$r/etc/mtab"
  # units: network, DAMON-friendly settings, dropbear; masks for what a test host does not need
  local u="$r/etc/systemd/system"
  ln -sfn /usr/lib/systemd/system/multi-user.target "$u/default.target"
  for m in getty.target getty@.service serial-getty@.service console-getty.service systemd-logind.service \
           ldconfig.service systemd-binfmt.service proc-sys-fs-binfmt_misc.automount proc-sys-fs-binfmt_misc.mount \
           systemd-firstboot.service systemd-hwdb-update.service systemd-remount-fs.service \
           systemd-networkd.service systemd-networkd-wait-online.service systemd-resolved.service \
           systemd-timesyncd.service systemd-journal-catalog-update.service systemd-update-utmp.service \
           systemd-update-utmp-runlevel.service systemd-pstore.service systemd-repart.service \
           systemd-tmpfiles-clean.timer apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer \
           sys-kernel-debug.mount sys-kernel-tracing.mount dev-hugepages.mount dev-mqueue.mount \
           sys-fs-fuse-connections.mount sys-kernel-config.mount systemd-boot-system-token.service \
           systemd-pcrphase.service systemd-pcrphase-sysinit.service systemd-pcrphase-initrd.service \
           systemd-random-seed.service systemd-sysext.service systemd-homed.service systemd-userdbd.service \
           systemd-userdbd.socket systemd-ask-password-console.path systemd-ask-password-wall.path; do
    ln -sfn /dev/null "$u/$m"
  done
  cat >"$u/testhost-setup.service" <<'UNIT'
[Unit]
Description=Test host: settings every DAMON test expects (no AutoNUMA, DAMON_STAT off, +memory)
DefaultDependencies=no
After=sys-fs-cgroup.mount
Before=sysinit.target

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/bin/sh -c 'echo 0 > /proc/sys/kernel/numa_balancing; [ -w /sys/module/damon_stat/parameters/enabled ] && echo N > /sys/module/damon_stat/parameters/enabled; echo +memory > /sys/fs/cgroup/cgroup.subtree_control; true'

[Install]
WantedBy=sysinit.target
UNIT
  ln -sfn ../testhost-setup.service "$u/sysinit.target.wants/testhost-setup.service"
  cat >"$u/testhost-net.service" <<'UNIT'
[Unit]
Description=Test host: QEMU user network on eth0
Before=network.target
Wants=network.target

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/bin/sh -c 'ip link set lo up; ip addr add 10.0.2.15/24 dev eth0; ip link set eth0 up; ip route add default via 10.0.2.2'

[Install]
WantedBy=multi-user.target
UNIT
  ln -sfn ../testhost-net.service "$u/multi-user.target.wants/testhost-net.service"
  cat >"$u/dropbear.service" <<'UNIT'
[Unit]
Description=Test host: dropbear ssh server
After=testhost-net.service

[Service]
ExecStart=/usr/sbin/dropbear -F -s -g -p 22 -r /etc/dropbear/dropbear_ed25519_host_key
Restart=always

[Install]
WantedBy=multi-user.target
UNIT
  ln -sfn ../dropbear.service "$u/multi-user.target.wants/dropbear.service"
  # host key (pinned under its own alias) and the shared client key
  runx() { "$r/usr/lib64/ld-linux-x86-64.so.2" --library-path "$r/usr/lib/x86_64-linux-gnu" "$@"; }
  runx "$r/usr/bin/dropbearkey" -t ed25519 -f "$r/etc/dropbear/dropbear_ed25519_host_key" >/dev/null 2>&1 || die "dropbearkey failed"
  local hostpub
  hostpub="$(runx "$r/usr/bin/dropbearkey" -y -f "$r/etc/dropbear/dropbear_ed25519_host_key" | grep '^ssh-ed25519 ' | awk '{print $1, $2}')"
  [ -n "$hostpub" ] || die "could not read the generated host key"
  cp "$cache/id_ed25519.pub" "$r/root/.ssh/authorized_keys"
  chmod 700 "$r/root" "$r/root/.ssh"; chmod 600 "$r/root/.ssh/authorized_keys"
  cp "$cache/workload" "$r/usr/bin/damon-workload"
  # the root filesystem: a raw ext4 image, sized to its content plus room for the tests
  local mb; mb=$(( $(du -sm "$r" | cut -f1) + 256 ))
  rm -f "$out/root-systemd.img.tmp"
  mke2fs -q -t ext4 -L damon-root -E root_owner=0:0 -d "$r" "$out/root-systemd.img.tmp" "${mb}M" || die "mke2fs -d failed"
  # the initramfs: busybox, the virtio block and network drivers, and an init that switch_roots
  local kx="$sw/kernel" krel; krel="$(cat "$out/kernel-release")"
  mkdir -p "$kx" "$i"/{bin,proc,sys,dev,newroot,modules}
  for f in "$debs"/*"$krel"*.deb; do dpkg-deb -x "$f" "$kx"; done
  cp "$r/usr/bin/busybox" "$i/bin/busybox"
  for p in sh mount umount insmod switch_root sleep cat echo poweroff mkdir; do ln -s busybox "$i/bin/$p"; done
  for m in virtio_blk failover net_failover virtio_net; do
    f="$(find "$kx" -name "$m.ko*" | head -1)"
    [ -n "$f" ] || continue
    case "$f" in
      *.xz) xz -dc "$f" >"$i/modules/$m.ko" ;;
      *.zst) zstd -qdc "$f" >"$i/modules/$m.ko" ;;
      *.gz) gzip -dc "$f" >"$i/modules/$m.ko" ;;
      *) cp "$f" "$i/modules/$m.ko" ;;
    esac
    printf '%s\n' "$m" >>"$i/modules/load-order"
  done
  cat >"$i/init" <<'INIT'
#!/bin/sh
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
if [ -f /modules/load-order ]; then
  while read -r m; do insmod "/modules/$m.ko" || echo "initrd: insmod $m failed"; done < /modules/load-order
fi
n=0
while [ ! -b /dev/vda ] && [ "$n" -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
if ! mount -t ext4 -o rw /dev/vda /newroot; then echo "initrd: cannot mount /dev/vda"; sleep 2; poweroff -f; fi
umount /proc /sys
mount --move /dev /newroot/dev 2>/dev/null || umount /dev
exec switch_root /newroot /lib/systemd/systemd
INIT
  chmod 755 "$i/init"
  (cd "$i" && find . -print0 | cpio --null -o -H newc --quiet --owner 0:0) | gzip -6 >"$out/initrd-systemd.img.tmp"
  mv "$out/root-systemd.img.tmp" "$out/root-systemd.img"
  mv "$out/initrd-systemd.img.tmp" "$out/initrd-systemd.img"
  printf 'damon-testhost-%s-systemd %s\n' "$ver" "$hostpub" >"$out/known_hosts-systemd"
  dpkg-deb -f "$(ls "$sdebs"/systemd_*.deb | sort -V | tail -1)" Version >"$out/systemd-version"
  rm -rf "$sw"
  printf '%s\n' "$sstamp" >"$out/systemd-stamp"
  log "systemd $(cat "$out/systemd-version") image: ${#pkgs[@]} packages, root $(du -h --apparent-size "$out/root-systemd.img" | cut -f1) (ext4, $(du -h "$out/root-systemd.img" | cut -f1) used), initrd $(du -h "$out/initrd-systemd.img" | cut -f1)"
}
