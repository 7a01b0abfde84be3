import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 300_000,
    pool: 'forks',
    // one test file at a time: the QEMU kernel hosts, code-server + Chromium and the timing-sensitive
    // simulator tests each want the 2 cores to themselves
    fileParallelism: false,
    reporters: ['default'],
  },
});
