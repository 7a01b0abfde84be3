# Sourced by the experiment scripts: boots their own 7.2 test host and stops it on exit.
#
#   experiment_vm NAME      (after root, duration and out are set)
#
# Checks --duration, makes OUT (default .testhost/experiments/NAME-<time>), builds the image and the
# CLI bundle, boots the host into OUT/vm and defines vm() (ssh to it). The trap stops the host.
experiment_vm() {
  local name="$1"
  case "$duration" in ''|*[!0-9]*) echo "$name.sh: --duration wants seconds" >&2; exit 2 ;; esac
  out="${out:-$root/.testhost/experiments/$name-$(date +%Y%m%d-%H%M%S)}"
  mkdir -p "$out"
  bash "$root/scripts/testhost/build.sh" 7.2 >/dev/null
  node "$root/scripts/build.mjs" --quiet
  dir="$out/vm"; alias=damon-testhost-7.2
  bash "$root/scripts/testhost/start.sh" 7.2 --dir "$dir" --alias "$alias" >/dev/null
  trap 'bash "$root/scripts/testhost/stop.sh" --dir "$dir" >/dev/null 2>&1 || true' EXIT
}
vm() { ssh -F "$dir/ssh_config" -T -- "$alias" "$@"; }
