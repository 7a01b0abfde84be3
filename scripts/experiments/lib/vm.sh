# Sourced by the experiment scripts: boots their own 7.2 test host and stops it on exit.
#
#   experiment_vm NAME      (after root, duration and out are set)
#   recorder_start NAME < SCRIPT  /  recorder_wait NAME POLL   (the guest-side recorder, below)
#   seed_vm_start NAME ARGS   (the two seed-vm scripts: their options, the host, the setup; below)
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

# The seed experiment's setup at 1/30 scale, shared by seed-vm-longrun.sh and seed-vm-cost.sh (after
# experiment_vm): THP as --thp said (empty: the guest kernel's default, recorded in OUT/thp.txt), the
# cgroups /workload_a and /workload_b, in each one 341 MiB damon-workload process first touched on node
# 0 (a 34 MiB hot window moving to the next tenth every 60 s, b started 23 s after a), then
# seed-vm.damon.yaml (or --config FILE) applied through `damon-config plan --script`.
seed_vm_setup() {
  local here="$root/scripts/experiments"
  [ -z "$thp" ] || vm "echo $thp > /sys/kernel/mm/transparent_hugepage/enabled"
  vm 'cat /sys/kernel/mm/transparent_hugepage/enabled' > "$out/thp.txt"
  vm 'mkdir -p /sys/fs/cgroup/workload_a /sys/fs/cgroup/workload_b; echo 0 > /proc/sys/kernel/numa_balancing'
  vm "sh -c 'echo \$\$ > /sys/fs/cgroup/workload_a/cgroup.procs; exec damon-workload 0 341 34 60' > /tmp/wa.log 2>&1 &"
  sleep 23
  vm "sh -c 'echo \$\$ > /sys/fs/cgroup/workload_b/cgroup.procs; exec damon-workload 0 341 34 60' > /tmp/wb.log 2>&1 &"
  for _ in $(seq 120); do
    [ "$(vm 'cat /tmp/wa.log /tmp/wb.log' | grep -c ready)" = 2 ] && break
    sleep 1
  done
  cp "${config:-$here/seed-vm.damon.yaml}" "$out/config.damon.yaml"
  node "$root/dist/cli.js" plan "$out/config.damon.yaml" --script --kernel 7.2 > "$out/apply.sh"
  vm 'cat > /tmp/apply.sh && sh /tmp/apply.sh' < "$out/apply.sh" > "$out/apply.log" 2>&1
}

# the options both seed scripts take: --duration SEC, --out DIR, --thp always|madvise|never, --config FILE
seed_vm_args() {
  local name="$1"; shift
  while [ $# -gt 0 ]; do
    case "$1" in
      --duration) duration="$2"; shift 2 ;;
      --out) out="$2"; shift 2 ;;
      --thp) thp="$2"; shift 2 ;;
      --config) config="$(cd "$(dirname "$2")" && pwd)/$(basename "$2")"; shift 2 ;;
      *) echo "$name.sh: unknown argument '$1'" >&2; exit 2 ;;
    esac
  done
  case "$thp" in ""|always|madvise|never) ;; *) echo "$name.sh: --thp wants always, madvise or never" >&2; exit 2 ;; esac
}

# The guest-side recorder (a sh script taking DURATION, read from stdin) runs in the background inside
# the guest: one ssh to start it, not one per sample. recorder_wait copies its output to OUT/raw.log
# every POLL seconds while it runs, and once more when it has finished (on the guest's clock).
recorder_start() {
  local name="$1"
  vm 'cat > /tmp/record.sh; rm -f /tmp/record.done'
  recorder_started=$(date +%s)
  vm "(sh /tmp/record.sh $duration > /tmp/record.log 2>&1; touch /tmp/record.done) < /dev/null > /dev/null 2>&1 &"
  echo "$name: recording $duration s into $out (guest /tmp/record.log)" >&2
}
recorder_wait() {
  local name="$1" poll="$2"
  until vm 'test -e /tmp/record.done'; do
    if [ $(( $(date +%s) - recorder_started )) -gt $(( duration + 600 )) ]; then
      echo "$name: the recorder did not finish within $duration + 600 s" >&2
      exit 1
    fi
    sleep "$poll"
    vm 'cat /tmp/record.log' > "$out/raw.log" || true
  done
  vm 'cat /tmp/record.log' > "$out/raw.log"
}

# The start of both seed-vm scripts: read their options, boot the host, set the experiment up.
seed_vm_start() {
  local name="$1"; shift
  seed_vm_args "$name" "$@"
  experiment_vm "$name"
  seed_vm_setup
}
