import { atomOf } from '../model/filters';
import type { Rule } from './types';
import { config } from './examples';
import { filtersOf, schemes } from './walk';

export const rule: Rule = {
  id: 'scheme-duplicate',
  severity: 'warning',
  title: 'Two schemes that act on exactly the same memory',
  explanation: `Two schemes of one context with the same action, the same access pattern and the same filter chain select exactly the same memory; they differ only in quotas or goals. That is almost always a copy-paste mistake — typically the second of a per-cgroup pair still filters on the first cgroup (as in the seed RFC's "demotion scheme for cgroup b", which filters on /workloads/a).`,
  check(ctx) {
    const seen = new Map<string, (typeof all)[number]>();
    const all = schemes(ctx);
    for (const b of all) {
      const fb = filtersOf(b);
      if (fb.length === 0) continue;
      const sig = JSON.stringify([b.contextPath, b.scheme.action, b.scheme.targetNid, b.scheme.accessPattern, fb.map((f) => [atomOf(f.filter).key, f.filter.matching, f.filter.allow])]);
      const a = seen.get(sig);
      if (!a) {
        seen.set(sig, b);
        continue;
      }
      ctx.report({
        path: [...b.path, 'filters'],
        onKey: true,
        message: `scheme ${b.index} has the same action, access pattern and filters as scheme ${a.index} (${fb.map((f) => atomOf(f.filter).label).join(', ')}): both act on the same memory — did you mean to filter on another cgroup?`,
        related: [{ range: ctx.rangeOf([...a.path, 'filters'], true), message: `scheme ${a.index}'s filters`, path: [...a.path, 'filters'] }],
      });
    }
  },
  examples: {
    pass: [config({ schemes: ['{action: pageout, filters: [{filter_type: memcg, matching: false, allow: false, memcg_path: /a}]}', '{action: pageout, filters: [{filter_type: memcg, matching: false, allow: false, memcg_path: /b}]}'] })],
    fail: [config({ schemes: ['{action: pageout, filters: [{filter_type: memcg, matching: false, allow: false, memcg_path: /a}]}', '{action: pageout, filters: [{filter_type: memcg, matching: false, allow: false, memcg_path: /a}]}'] })],
    reports: [
      [{ at: 'filters', nth: 1, message: 'scheme 1 has the same action, access pattern and filters as scheme 0' }],
    ],
  },
};
