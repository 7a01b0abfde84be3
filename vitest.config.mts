import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

/**
 * Two tiers (see CONTRIBUTING.md):
 *  - `unit`: the domain core, CLI, in-process LSP, simulator and damo tests. Pure or in-process, so
 *    files run in parallel (`npm run test:unit`, target under 60 s on 2 cores). Randomized tests
 *    run a fraction of their runs here (test/tier.ts).
 *  - `system`: the real components — QEMU kernel hosts, Neovim, code-server + Chromium, the bundled
 *    server and worker — one file at a time, since each wants the 2 cores to itself
 *    (`npm run test:system`); and the randomized tests again with their full run counts.
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
  // hours simulated on 8 seeds at the VM's scale and 4 at the seed's: about a minute of CPU
  'test/sim/longrun.test.ts',
  'test/lsp/stdio.test.ts',
];

/**
 * Property and fuzz tests: the unit tier runs them with a fraction of their runs, the system tier
 * again with DAMON_TEST_FULL=1 (the full counts), so `npm test` loses no coverage.
 */
export const FULL_RUN_TESTS = [
  'test/fuzz/fuzz.test.ts',
  'test/core/property.test.ts',
  'test/core/incremental.test.ts',
  'test/core/yaml-fastpath.test.ts',
  'test/damo/roundtrip.test.ts',
  'test/lsp/hostile.test.ts',
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
          // dist/ once, before any file runs bin/damon-config
          globalSetup: ['test/setup/build-dist.ts'],
          testTimeout: 30_000,
          hookTimeout: 120_000,
          pool: 'forks',
          fileParallelism: true,
          // vitest's default is one worker less than the cores: 1 on a 2-core machine. Many of these
          // files wait on child processes (the CLI) or on imports, so at least 2 keep both cores busy.
          maxWorkers: Math.max(2, availableParallelism() - 1),
          isolate: false,
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          name: 'system',
          include: [...SYSTEM_TESTS, ...FULL_RUN_TESTS],
          env: { DAMON_TEST_FULL: '1' },
          testTimeout: 60_000,
          hookTimeout: 600_000,
          pool: 'forks',
          // one test file at a time: the QEMU kernel hosts, code-server + Chromium and the
          // timing-sensitive worker tests each want the 2 cores to themselves
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
