#!/usr/bin/env bash
# vaddr demotion on the real kernel (issue 15 item 2): one damon-workload process (341 MiB first
# touched on node 0, a 34 MiB hot window moving to the next tenth every 60 s) in /workload_a, and
# vaddr-demotion.damon.yaml (migrate_cold to node 1, 16 MiB/s) applied to its pid on the QEMU test host
# (2 nodes x 1 GiB, Linux 7.2), for DURATION seconds.
#
#   scripts/experiments/vaddr-demotion.sh [--duration SEC] [--out DIR]
#
# Boots its own test host (scripts/testhost/start.sh) and stops it on exit. Records inside the guest
# every 5 s the cgroup's anon bytes per node (memory.numa_stat) and the scheme's stats; saves the
# process's /proc/PID/maps (the mappings DAMON's three-region init sees) and, 30 s in, the regions the
# scheme tried (tried_regions). Writes OUT/raw.log, OUT/maps.txt and OUT/regions.txt (raw, not
# committed) and prints a summary (scripts/experiments/vaddr-summarize.mjs). Run under `nice -n 10`.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
duration=300; out=""
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) duration="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    *) echo "vaddr-demotion.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
. "$here/lib/vm.sh"
experiment_vm vaddr-demotion

vm 'mkdir -p /sys/fs/cgroup/workload_a; echo 0 > /proc/sys/kernel/numa_balancing'
vm "sh -c 'echo \$\$ > /sys/fs/cgroup/workload_a/cgroup.procs; exec damon-workload 0 341 34 60' > /tmp/wa.log 2>&1 &"
for _ in $(seq 120); do
  vm 'cat /tmp/wa.log' | grep -q ready && break
  sleep 1
done
pid="$(vm 'cat /sys/fs/cgroup/workload_a/cgroup.procs' | head -1)"
vm "cat /proc/$pid/maps" > "$out/maps.txt"
sed "s/pid: 201$/pid: $pid/" "$here/vaddr-demotion.damon.yaml" > "$out/config.damon.yaml"
node "$root/dist/cli.js" plan "$out/config.damon.yaml" --script --kernel 7.2 > "$out/apply.sh"
vm 'cat > /tmp/apply.sh && sh /tmp/apply.sh' < "$out/apply.sh" > "$out/apply.log" 2>&1

recorder_start vaddr-demotion <<'REC'
#!/bin/sh
a=/sys/kernel/mm/damon/admin/kdamonds
d=$a/0/contexts/0/schemes/0
end=$(( $(cut -d. -f1 /proc/uptime) + $1 ))
while [ "$(cut -d. -f1 /proc/uptime)" -lt "$end" ]; do
  echo update_schemes_stats > $a/0/state
  echo "t $(cut -d' ' -f1 /proc/uptime) a $(grep '^anon ' /sys/fs/cgroup/workload_a/memory.numa_stat | cut -d' ' -f2-) s00 $(cat $d/quotas/effective_bytes) $(cat $d/stats/nr_tried) $(cat $d/stats/sz_tried) $(cat $d/stats/sz_applied) $(cat $d/stats/sz_ops_filter_passed) $(cat $d/stats/qt_exceeds)"
  sleep 5
done
REC
echo "vaddr-demotion: pid $pid" >&2
sleep 30
vm "a=/sys/kernel/mm/damon/admin/kdamonds/0; echo update_schemes_tried_regions > \$a/state; \
  for r in \$a/contexts/0/schemes/0/tried_regions/[0-9]*; do echo \$(cat \$r/start \$r/end \$r/nr_accesses \$r/age); done" > "$out/regions.txt" || true
recorder_wait vaddr-demotion 30
node "$here/vaddr-summarize.mjs" "$out/raw.log" | tee "$out/summary.txt"
