/**
 * How hard the randomized tests (fast-check properties, the fuzz target) try. The unit tier
 * (`npm run test:unit`, the edit-and-test loop) runs a fraction of each run so that it stays under
 * a minute on 2 cores; the system tier runs the same files again with DAMON_TEST_FULL=1
 * (vitest.config.mts FULL_RUN_TESTS), so `npm test` and CI still run every full count. Set
 * DAMON_TEST_FULL=1 yourself to run the full counts anywhere, e.g.
 * `DAMON_TEST_FULL=1 npx vitest run --project unit test/core/property.test.ts`.
 */
export const FULL_RUNS = process.env.DAMON_TEST_FULL === '1';

/** `full` runs in the full tier, else `quick` (by default a fifth, at least 10). */
export function runs(full: number, quick: number = Math.max(10, Math.round(full / 5))): number {
  return FULL_RUNS ? full : Math.min(full, quick);
}
