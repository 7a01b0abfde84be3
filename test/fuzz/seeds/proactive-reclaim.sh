#!/bin/sh
# Proactive reclaim of one process: page out memory not accessed for 30 s or more, at most
# 1 GiB per second, aiming at 0.5% memory pressure (PSI); stop when free memory is plentiful.
pid=$(pidof memcached)
damo start "$pid" \
    --damos_action pageout --damos_access_rate 0% 0% --damos_age 30s max \
    --damos_quotas 10ms 1GiB 1s 0 0 1000 \
    --damos_quota_goal some_mem_psi_us 5ms \
    --damos_wmarks free_mem_rate 5s 50% 40% 5%
