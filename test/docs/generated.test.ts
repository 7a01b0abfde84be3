/**
 * The generated parts of README.md and docs/*.md (rule count, rules table, CLI usage, the simulator's
 * test-host fidelity numbers) are what the code says now: run `npm run gen:docs` after changing a
 * rule, a command or the simulator.
 */
import { describe, expect, it } from 'vitest';
import { generatedFiles, fidelityRows } from '../../scripts/gen-blocks';

describe('generated documentation', () => {
  it('README.md and docs/design.md match the code (run npm run gen:docs)', () => {
    for (const f of generatedFiles()) expect(f.current, `${f.file} is stale: run npm run gen:docs`).toBe(f.expected);
  });

  it('the fidelity rows are the simulator at seed 1 on the test-host scenario, in the kernel\'s direction', () => {
    const [consist, temporal, or] = fidelityRows();
    // the kernel's findings the model must keep: consist without a size quota overshoots by tens of
    // percent, temporal lands within a few percent, the OR chain moves the other cgroup's pages
    expect(consist.a).toBeGreaterThan(20);
    expect(Math.abs(temporal.a)).toBeLessThan(10);
    expect(or.bMiB).toBeGreaterThan(32);
  });
});
