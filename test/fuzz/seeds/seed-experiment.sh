#!/bin/bash
# The seed RFC's test script ("Test: Per-cgroup Memory Tiering"), as it ran.
# `damon-config check seed-experiment.sh --profile ../seed-vm.profile.yaml` reports what the
# experiment measured: "allow memcg X, allow young" admits every cgroup's young pages, and the
# consist tuner without a size quota overshoots. `damon-config import-damo` turns it into a config.
damo start \
    --numa_node 1 \
        --damos_action migrate_hot 0 --damos_access_rate 5% max \
            --damos_apply_interval 1s \
            --damos_filter allow memcg /workload_a \
            --damos_filter allow young \
            --damos_quota_interval 1s \
            --damos_quota_goal node_memcg_used_bp 9.7% 0 /workload_a \
        --damos_action migrate_hot 0 --damos_access_rate 5% max \
            --damos_apply_interval 1s \
            --damos_filter allow memcg /workload_b \
            --damos_filter allow young \
            --damos_quota_interval 1s \
            --damos_quota_goal node_memcg_used_bp 19.7% 0 /workload_b \
    --numa_node 0 \
        --damos_action migrate_cold 1 --damos_access_rate 0% 0% \
            --damos_apply_interval 1s \
            --damos_filter allow memcg /workload_a \
            --damos_filter reject young \
            --damos_quota_interval 1s \
            --damos_quota_goal node_memcg_free_bp 90.5% 0 /workload_a \
        --damos_action migrate_cold 1 --damos_access_rate 0% 0% \
            --damos_apply_interval 1s \
            --damos_filter allow memcg /workload_b \
            --damos_filter reject young \
            --damos_quota_interval 1s \
            --damos_quota_goal node_memcg_free_bp 80.5% 0 /workload_b \
            --damos_nr_quota_goals 1 1 1 1 --damos_nr_filters 2 2 2 2 \
    --nr_targets 1 1 --nr_schemes 2 2 --nr_ctxs 1 1
