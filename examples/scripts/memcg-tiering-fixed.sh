#!/bin/bash
# Per-cgroup memory tiering for two cgroups on a two-node machine, with the seed RFC's
# experiment's problems fixed:
#  - "reject none memcg X, reject none young" (both filters must match: memcg X AND young), so a
#    scheme moves only its own cgroup's pages;
#  - the temporal goal tuner with a size quota, which stays close to the goal (measured on 7.2);
#  - promotion and demotion goals of a cgroup overlap slightly (29.7% used vs 70.5% free).
set -euo pipefail

QUOTA=200MiB    # per reset interval; values from the shell are noted, not checked

sudo damo start \
    `# kdamond for node 1 (slow): promotion to node 0` \
    --numa_node 1 --monitoring_intervals_goal 4% 3 5ms 10s \
        `# promotion scheme for /workloads/a` \
        --damos_action migrate_hot 0 --damos_access_rate 5% max --damos_apply_interval 1s \
        --damos_filter reject none memcg /workloads/a reject none young \
        --damos_quota_interval 1s --damos_quota_space "$QUOTA" --damos_quota_goal_tuner temporal \
        --damos_quota_goal node_memcg_used_bp 29.7% 0 /workloads/a \
        `# promotion scheme for /workloads/b` \
        --damos_action migrate_hot 0 --damos_access_rate 5% max --damos_apply_interval 1s \
        --damos_filter reject none memcg /workloads/b reject none young \
        --damos_quota_interval 1s --damos_quota_space "$QUOTA" --damos_quota_goal_tuner temporal \
        --damos_quota_goal node_memcg_used_bp 69.7% 0 /workloads/b \
    `# kdamond for node 0 (fast): demotion to node 1` \
    --numa_node 0 --monitoring_intervals_goal 4% 3 5ms 10s \
        `# demotion scheme for /workloads/a` \
        --damos_action migrate_cold 1 --damos_access_rate 0% 0% --damos_apply_interval 1s \
        --damos_filter reject none memcg /workloads/a reject young \
        --damos_quota_interval 1s --damos_quota_space "$QUOTA" --damos_quota_goal_tuner temporal \
        --damos_quota_goal node_memcg_free_bp 70.5% 0 /workloads/a \
        `# demotion scheme for /workloads/b` \
        --damos_action migrate_cold 1 --damos_access_rate 0% 0% --damos_apply_interval 1s \
        --damos_filter reject none memcg /workloads/b reject young \
        --damos_quota_interval 1s --damos_quota_space "$QUOTA" --damos_quota_goal_tuner temporal \
        --damos_quota_goal node_memcg_free_bp 30.5% 0 /workloads/b \
    --damos_nr_quota_goals 1 1 1 1 --damos_nr_filters 1 1 1 1 \
    --nr_targets 1 1 --nr_schemes 2 2 --nr_ctxs 1 1
