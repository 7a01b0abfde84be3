/**
 * `damon-config status`'s text (host/status.ts renderStatus) on a fixed live status: bytes through
 * the one formatter (core/model/units.ts formatBytes) and goal values in the goal's unit
 * (core/model/format.ts formatMetricValue), as hover and inlay hints show them. The VM tests
 * (vm72*.test.ts) check the same lines against a real kernel.
 */
import { describe, expect, it } from 'vitest';
import { renderStatus, type HostStatus } from '../../server/src/host/status';

const MiB = 2 ** 20;

describe('status text', () => {
  it('formats node memory, scheme stats, goals and cgroup usage', () => {
    const s: HostStatus = {
      host: 'h',
      release: '7.2.0',
      holders: [],
      warnings: [],
      nodes: [
        { nid: 0, totalBytes: 1000 * MiB, freeBytes: 612.5 * MiB },
        { nid: 1, totalBytes: 2 ** 30, freeBytes: 0 },
      ],
      kdamonds: [
        {
          index: 0,
          state: 'on',
          pid: 42,
          ops: 'paddr',
          schemes: [
            {
              action: 'migrate_hot',
              stats: { nr_tried: 3, sz_tried: 3 * MiB, nr_applied: 1, sz_applied: 512 * 1024, qt_exceeds: 2 },
              effectiveBytes: 8 * MiB,
              goals: [
                { metric: 'node_memcg_used_bp', nid: 0, path: '/a', targetValue: 1000, current: 1234 },
                { metric: 'user_input', nid: null, path: null, targetValue: 10, current: null },
              ],
            },
          ],
        },
      ],
      usage: [{ cgroup: '/a', perNode: { 0: 123.4 * MiB, 1: 0 } }],
    };
    expect(renderStatus(s).split('\n')).toEqual([
      'h: Linux 7.2.0',
      '  node 0: 1000 MiB total, 613 MiB free',
      '  node 1: 1 GiB total, 0 B free',
      '  kdamond 0: on (pid 42), paddr, 1 scheme(s)',
      '    scheme 0 migrate_hot: tried 3 (3 MiB), applied 1 (512 KiB), quota exceeded 2x, effective quota 8 MiB',
      '      goal node_memcg_used_bp nid 0 /a: live 12.34 % / target 10 %',
      '      goal user_input: live n/a / target 10',
      '  cgroup memory per node (LRU):',
      '    /a: node 0 123 MiB, node 1 0 B',
      '',
    ]);
  });
});
