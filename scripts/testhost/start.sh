#!/usr/bin/env bash
# Boots a test host built by build.sh in QEMU (TCG) and waits until ssh answers.
#
#   scripts/testhost/start.sh [7.2|6.12] [--port PORT] [--dir DIR] [--alias NAME] [--damo|--systemd]
#
# --damo boots the image variant with python3 and damo 3.4.1 (build.sh 7.2 --damo).
# --systemd boots the variant whose init is systemd (build.sh 7.2 --systemd) from DIR/root.img, a
# private copy of its ext4 disk (made when missing, so a restart of the same DIR keeps /etc), and
# without -no-reboot: `systemctl reboot` in the guest reboots it with the same disk.
# Two NUMA nodes of 1 GiB each, ssh forwarded from 127.0.0.1:PORT (a free port by default).
# Writes DIR/ssh_config (default .testhost/<ver>/) with a Host alias (default
# damon-testhost-<ver>) that pins the host key (StrictHostKeyChecking yes) and uses the
# build's client key, so `ssh -F DIR/ssh_config damon-testhost-7.2` works and ~/.ssh is never
# touched. Prints the ssh_config path on stdout.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cache="${TESTHOST_CACHE:-$root/.cache/testhost}"
ver=7.2; port=""; dir=""; alias=""; initrd=initrd.img; hint=""; systemd=0
while [ $# -gt 0 ]; do
  case "$1" in
    --port) port="$2"; shift 2 ;;
    --dir) dir="$2"; shift 2 ;;
    --alias) alias="$2"; shift 2 ;;
    --damo) initrd=initrd-damo.img; hint=" --damo"; shift ;;
    --systemd) initrd=initrd-systemd.img; hint=" --systemd"; systemd=1; shift ;;
    7.2|6.12) ver="$1"; shift ;;
    *) echo "start.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
img="$cache/$ver"
dir="${dir:-$root/.testhost/$ver}"
alias="${alias:-damon-testhost-$ver}"
keyalias="damon-testhost-$ver"; known="$img/known_hosts"
[ "$systemd" = 1 ] && { keyalias="damon-testhost-$ver-systemd"; known="$img/known_hosts-systemd"; }
[ -s "$img/vmlinuz" ] && [ -s "$img/$initrd" ] || { echo "start.sh: no image $img/$initrd; run scripts/testhost/build.sh $ver$hint" >&2; exit 1; }
[ "$systemd" = 0 ] || [ -s "$img/root-systemd.img" ] || { echo "start.sh: no image $img/root-systemd.img; run scripts/testhost/build.sh $ver --systemd" >&2; exit 1; }
mkdir -p "$dir"
if [ -s "$dir/qemu.pid" ] && kill -0 "$(cat "$dir/qemu.pid")" 2>/dev/null; then
  echo "start.sh: a test host is already running from $dir (pid $(cat "$dir/qemu.pid")); run stop.sh first" >&2
  exit 1
fi
if [ -z "$port" ]; then
  port="$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
fi
chmod 600 "$cache/id_ed25519"
cat >"$dir/ssh_config" <<CFG
Host $alias
  HostName 127.0.0.1
  Port $port
  User root
  IdentityFile $cache/id_ed25519
  IdentitiesOnly yes
  UserKnownHostsFile $known
  GlobalKnownHostsFile /dev/null
  HostKeyAlias $keyalias
  StrictHostKeyChecking yes
  UpdateHostKeys no
  PasswordAuthentication no
  KbdInteractiveAuthentication no
  BatchMode yes
  ConnectTimeout 10
  ServerAliveInterval 5
  ServerAliveCountMax 6
  LogLevel ERROR
CFG
printf '%s\n' "$port" >"$dir/port"
rm -f "$dir/console.log"
disk=(-no-reboot)
if [ "$systemd" = 1 ]; then
  [ -s "$dir/root.img" ] || cp --sparse=always "$img/root-systemd.img" "$dir/root.img"
  disk=(-drive "file=$dir/root.img,format=raw,if=virtio,cache=unsafe")
fi
started=$(date +%s.%N)
qemu-system-x86_64 \
  -accel tcg -cpu max -smp 2 -m 2G \
  -object memory-backend-ram,size=1G,id=m0 -object memory-backend-ram,size=1G,id=m1 \
  -numa node,nodeid=0,cpus=0-1,memdev=m0 -numa node,nodeid=1,memdev=m1 \
  -kernel "$img/vmlinuz" -initrd "$img/$initrd" \
  -append "console=ttyS0 loglevel=4 panic=-1 damon_stat.enabled=N" \
  -netdev "user,id=n0,hostfwd=tcp:127.0.0.1:$port-:22" -device virtio-net-pci,netdev=n0 \
  -display none -monitor none -serial "file:$dir/console.log" \
  "${disk[@]}" -daemonize -pidfile "$dir/qemu.pid"
# QEMU user networking accepts early connections and then resets them: poll with a short timeout.
deadline=$(( $(date +%s) + ${TESTHOST_BOOT_TIMEOUT:-180} ))
until ssh -F "$dir/ssh_config" -o ConnectTimeout=3 "$alias" true 2>/dev/null; do
  if ! kill -0 "$(cat "$dir/qemu.pid" 2>/dev/null)" 2>/dev/null; then
    echo "start.sh: qemu exited during boot; console:" >&2; tail -30 "$dir/console.log" >&2; exit 1
  fi
  if [ "$(date +%s)" -ge "$deadline" ]; then
    echo "start.sh: no ssh after ${TESTHOST_BOOT_TIMEOUT:-180}s; console:" >&2; tail -30 "$dir/console.log" >&2
    "$here/stop.sh" --dir "$dir" >/dev/null 2>&1 || true
    exit 1
  fi
  sleep 0.5
done
echo "start.sh: $alias up on 127.0.0.1:$port in $(echo "$(date +%s.%N) - $started" | bc 2>/dev/null || echo '?')s" >&2
printf '%s\n' "$dir/ssh_config"
