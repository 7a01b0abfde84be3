#!/usr/bin/env bash
# Stops a test host started by start.sh: scripts/testhost/stop.sh [7.2|6.12] [--dir DIR]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
ver=7.2; dir=""
while [ $# -gt 0 ]; do
  case "$1" in
    --dir) dir="$2"; shift 2 ;;
    7.2|6.12) ver="$1"; shift ;;
    *) echo "stop.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
dir="${dir:-$root/.testhost/$ver}"
pidf="$dir/qemu.pid"
[ -s "$pidf" ] || { echo "stop.sh: nothing running from $dir" >&2; exit 0; }
pid="$(cat "$pidf")"
# only signal the process if it really is the qemu this directory started
if kill -0 "$pid" 2>/dev/null && grep -q "qemu-system" "/proc/$pid/cmdline" 2>/dev/null \
   && grep -qF "$dir/qemu.pid" "/proc/$pid/cmdline" 2>/dev/null; then
  kill "$pid"
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
fi
rm -f "$pidf"
echo "stop.sh: stopped $dir" >&2
