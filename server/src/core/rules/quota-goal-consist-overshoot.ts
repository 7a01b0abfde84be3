import type { Fix } from '../diagnostic';
import { kernelHas } from '../kernel-version';
import { featureSince } from '../sysfs/features';
import type { Rule } from './types';
import { config } from './examples';
import { schemes } from './walk';

export const rule: Rule = {
  id: 'quota-goal-consist-overshoot',
  severity: 'warning',
  title: 'consist tuner without a size or time quota overshoots',
  explanation: `With quota goals and the default \`consist\` tuner, the effective quota starts near zero, grows by up to its distance from the goal every reset interval while under target and shrinks only proportionally once over it. With no size quota (\`sz_bytes\`) or time quota (\`time_ms\`) bounding it, it ramps far past what is needed: on a real 7.2 kernel a node_memcg_used_bp goal of 1000 bp landed at 1437–1636 bp (44–64 % over target).
A size quota does **not** prevent the overshoot: it caps each window, but the tuner's own state (\`esz_bp\` in mm/damon/core.c) keeps escalating while the cap holds. Once the goal is reached that state has to decay from far above the cap before the quota drops, so the scheme keeps acting at the full size quota: measured on 7.2, the quota stayed at its 32 MiB cap for 60 s after the goal was reached.
With no bound it also winds up between a tiering pair's goals: when a cgroup's promotion goal (promote up to X % used) lies above its demotion goal's stop point (demote down to Y < X %) and its share sits between them, both consist tuners see a score under their goal and both quotas grow. On 7.2 in the test VM, with a 0.7 % overlap and no size quota, the demotion quota rose from 65 to 302 MiB per window by minutes 15–20 and its "memcg OR not young" filters pushed the other cgroup down to 47 % of its goal (scripts/experiments/results/seed-vm-overlap-7.2.txt). A size quota caps each window, so the wind-up can no longer move more than \`sz_bytes\` per window.
Fix: use the \`temporal\` tuner (7.1+) with a size quota: it drops the quota to zero within one reset interval of reaching the goal (measured within 2.3 % of target). Before 7.1, keep \`sz_bytes\` small: the overshoot is roughly \`sz_bytes\` times the windows the decay takes.`,
  check(ctx) {
    const hasTemporal = kernelHas(ctx.kernel, featureSince('goal_tuner'));
    for (const ref of schemes(ctx)) {
      const q = ref.scheme.quota;
      if (q.goals.length === 0 || q.goalTuner === 'temporal') continue;
      const qp = [...ref.path, 'quotas'];
      const fixes: Fix[] = [];
      const tuner = ctx.node([...qp, 'goal_tuner']);
      // a size or time quota bounds the overshoot but does not stop it (see the explanation): the advice below says what does
      if (q.bytes > 0 || q.ms > 0) continue;
      const sz = ctx.node([...qp, 'sz_bytes']);
      if (sz && sz.kind === 'scalar')
        fixes.push({
          title: 'Set a 200 MiB size quota',
          edits: [{ range: sz.range, newText: ctx.format === 'json' ? '"200 MiB"' : '200 MiB' }],
          preferred: true,
        });
      // the size quota alone bounds the overshoot; the temporal tuner (7.1+) is what stops at the goal
      if (hasTemporal && tuner && tuner.kind === 'scalar')
        fixes.push({ title: 'Switch to the temporal tuner', edits: [{ range: tuner.range, newText: ctx.format === 'json' ? '"temporal"' : 'temporal' }] });
      ctx.report({
        path: sz ? [...qp, 'sz_bytes'] : [...qp, 'goals'],
        onKey: !sz,
        message: hasTemporal
          ? 'quota goals with the consist tuner and no size or time quota: the effective quota keeps growing while under target and overshoots (measured on 7.2: 44–64 % over a memcg goal); use goal_tuner: temporal with a size quota (a size quota alone still overshoots)'
          : `quota goals with the consist tuner and no size or time quota: the effective quota keeps growing while under target and overshoots (measured on 7.2: 44–64 % over a memcg goal); set a small sz_bytes to bound it (${ctx.kernelText} has no temporal tuner)`,
        fixes,
      });
    }
  },
  examples: {
    pass: [
      config({
        schemes: [
          '{action: migrate_hot, target_nid: 0, quotas: {time_ms: 0, sz_bytes: 200 MiB, reset_interval_ms: 1 s,  weights: {sz_permil: 0, nr_accesses_permil: 0, age_permil: 0}, goals: [{metric: node_mem_used_bp, nid: 0, target_value: 50%, current_value: 0}]}}',
        ],
      }),
    ],
    fail: [
      config({
        schemes: [
          '{action: migrate_hot, target_nid: 0, quotas: {time_ms: 0, sz_bytes: 0, reset_interval_ms: 1 s, weights: {sz_permil: 0, nr_accesses_permil: 0, age_permil: 0}, goals: [{metric: node_mem_used_bp, nid: 0, target_value: 50%, current_value: 0}]}}',
        ],
      }),
    ],
    reports: [[{ at: '0', nth: 2, message: 'quota goals with the consist tuner and no size or time quota' }]],
  },
};
