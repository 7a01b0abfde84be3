#!/usr/bin/env bash
# What migration costs the kdamond on the test host (issue 15 item 1): the seed-vm-longrun setup
# (seed-vm.damon.yaml, two 341 MiB damon-workload processes) recorded every second inside the guest:
# each kdamond's CPU time (utime + stime of /proc/PID/stat, USER_HZ ticks) and each scheme's
# sz_applied, plus an in-kernel histogram of the damon_aggregated trace event per kdamond (how many
# aggregations each kdamond completed, nominal 10 per second with aggr_us 100 ms, and its region counts).
#
#   scripts/experiments/seed-vm-cost.sh [--duration SEC] [--out DIR] [--thp always|madvise|never]
#
# Writes OUT/raw.log and OUT/aggr.log (not committed) and prints the fit of kdamond CPU time on migrated
# bytes, the aggregation rates and region counts (scripts/experiments/cost-summarize.mjs). Summary of the
# recorded run: scripts/experiments/results/seed-vm-cost-7.2.txt. Run it under `nice -n 10` on a shared machine.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
duration=900; out=""; thp=""; config=""
. "$here/lib/vm.sh"
seed_vm_start seed-vm-cost "$@"

recorder_start seed-vm-cost <<'REC'
#!/bin/sh
a=/sys/kernel/mm/damon/admin/kdamonds
tr=/sys/kernel/tracing
[ -d $tr/events ] || mount -t tracefs nodev $tr 2>/dev/null || true
p0=$(cat $a/0/pid); p1=$(cat $a/1/pid)
echo "pids $p0 $p1"
h=$tr/events/damon/damon_aggregated
# an in-kernel histogram (no trace buffer traffic): one event per region per aggregation, keyed by
# kdamond pid and the target's nr_regions, so sum(hitcount / nr_regions) = aggregations
[ -d $h ] && echo 'hist:keys=common_pid,nr_regions:size=8192' > $h/trigger 2>/dev/null || echo "no hist trigger"
end=$(( $(cut -d. -f1 /proc/uptime) + $1 ))
while [ "$(cut -d. -f1 /proc/uptime)" -lt "$end" ]; do
  for k in 0 1; do echo update_schemes_stats > $a/$k/state; done
  line="t $(cut -d' ' -f1 /proc/uptime)"
  for p in $p0 $p1; do line="$line cpu $(cut -d' ' -f14,15 /proc/$p/stat)"; done
  line="$line stat $(head -1 /proc/stat | cut -d' ' -f3-)"
  for c in a b; do
    line="$line $c $(grep '^anon ' /sys/fs/cgroup/workload_$c/memory.numa_stat | cut -d' ' -f2-)"
  done
  for k in 0 1; do for s in 0 1; do
    d=$a/$k/contexts/0/schemes/$s
    line="$line s$k$s $(cat $d/stats/nr_tried) $(cat $d/stats/sz_tried) $(cat $d/stats/sz_applied)"
  done; done
  echo "$line"
  sleep 1
done
cat $h/hist > /tmp/aggr.log 2>&1 || true
REC
recorder_wait seed-vm-cost 30
vm 'cat /tmp/aggr.log' > "$out/aggr.log"
node "$here/cost-summarize.mjs" "$out/raw.log" "$out/aggr.log" | tee "$out/summary.txt"
