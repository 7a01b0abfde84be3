#!/usr/bin/env bash
# Long-run seed experiment on the real kernel (issue 15 item 1): the seed RFC's per-memcg tiering test
# scaled to the QEMU test host (2 NUMA nodes x 1 GiB, Linux 7.2), run for DURATION seconds.
#
#   scripts/experiments/seed-vm-longrun.sh [--duration SEC] [--out DIR] [--thp always|madvise|never] [--config FILE]
#
# Boots its own test host (scripts/testhost/start.sh), starts two damon-workload processes in
# /workload_a and /workload_b (341 MiB each, first touched on node 0, a 34 MiB hot window moving to
# the next tenth every 60 s, b 23 s after a: the seed scenario at 1/30 scale), applies
# seed-vm.damon.yaml through `damon-config plan --script`, and records every 5 s inside the guest:
# each cgroup's anon bytes per node (memory.numa_stat) and each scheme's effective quota and stats.
# --thp sets the guest's /sys/kernel/mm/transparent_hugepage/enabled before the workloads start (default:
# the guest kernel's own setting; the recorded 7.2 run used it and got large folios).
# Writes OUT/raw.log (raw, not committed) and prints a summary (scripts/experiments/summarize.mjs).
# Run it under `nice -n 10` on a shared machine.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
duration=3600; out=""; thp=""; config=""
. "$here/lib/vm.sh"
seed_vm_start seed-vm-longrun "$@"

recorder_start seed-vm-longrun <<'REC'
#!/bin/sh
a=/sys/kernel/mm/damon/admin/kdamonds
end=$(( $(cut -d. -f1 /proc/uptime) + $1 ))
while [ "$(cut -d. -f1 /proc/uptime)" -lt "$end" ]; do
  for k in 0 1; do
    echo update_schemes_stats > $a/$k/state; echo update_schemes_effective_quotas > $a/$k/state
  done
  line="t $(cut -d' ' -f1 /proc/uptime)"
  for c in a b; do
    line="$line $c $(grep '^anon ' /sys/fs/cgroup/workload_$c/memory.numa_stat | cut -d' ' -f2-)"
  done
  for k in 0 1; do for s in 0 1; do
    d=$a/$k/contexts/0/schemes/$s
    line="$line s$k$s $(cat $d/quotas/effective_bytes) $(cat $d/stats/nr_tried) $(cat $d/stats/sz_tried) $(cat $d/stats/sz_applied) $(cat $d/stats/sz_ops_filter_passed) $(cat $d/stats/qt_exceeds)"
  done; done
  echo "$line"
  sleep 5
done
REC
recorder_wait seed-vm-longrun 60
node "$here/summarize.mjs" "$out/raw.log" | tee "$out/summary.txt"
