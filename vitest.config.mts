import { defineConfig } from 'vitest/config';

/**
 * Two tiers (see CONTRIBUTING.md):
 *  - `unit`: the domain core, CLI, in-process LSP, simulator and damo tests. Pure or in-process, so
 *    files run in parallel (`npm run test:unit`, target under 60 s on 2 cores).
 *  - `system`: the real components — QEMU kernel hosts, Neovim, code-server + Chromium, the bundled
 *    server and worker — one file at a time, since each wants the 2 cores to itself
 *    (`npm run test:system`).
 * `npm test` runs both (unit first).
 */
export const SYSTEM_TESTS = [
  'test/deploy/vm*.test.ts',
  'test/fleet/**/*.test.ts',
  'test/kernel/**/*.test.ts',
  'test/e2e/**/*.test.ts',
  'test/nvim/**/*.test.ts',
  'test/sim/webview.test.ts',
  'test/sim/worker.test.ts',
  // an hour simulated on 8 seeds: about a minute of CPU
  'test/sim/longrun.test.ts',
  'test/lsp/stdio.test.ts',
];

export default defineConfig({
  test: {
    reporters: ['default'],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: SYSTEM_TESTS,
          testTimeout: 30_000,
          hookTimeout: 120_000,
          pool: 'forks',
          fileParallelism: true,
        },
      },
      {
        test: {
          name: 'system',
          include: SYSTEM_TESTS,
          testTimeout: 60_000,
          hookTimeout: 600_000,
          pool: 'forks',
          // one test file at a time: the QEMU kernel hosts, code-server + Chromium and the
          // timing-sensitive worker tests each want the 2 cores to themselves
          fileParallelism: false,
        },
      },
    ],
  },
});
