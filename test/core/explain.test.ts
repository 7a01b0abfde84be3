/**
 * Golden explanations of every config in examples/ (the markdown `damon-config explain --format
 * markdown` prints), reviewed by reading them, plus the facts they must state with the kernel's
 * semantics: a filter chain's first matching filter decides and unmatched memory gets the opposite
 * of the last filter's verdict, so the seed test script's "allow memcg X, allow young" reads as OR.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkText, loadProfile, type MachineProfile } from '../../server/src/core/index';
import { explainDocuments, explainText, renderMarkdown, renderText, type Explanation } from '../../server/src/core/explain/index';

const root = join(__dirname, '..', '..');
const examples = join(root, 'examples');
const seedVm = loadProfile(readFileSync(join(examples, 'seed-vm.profile.yaml'), 'utf8')).profile!;

function configsIn(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => {
      const p = join(dir, e.name);
      if (e.isDirectory()) return configsIn(p);
      return /\.damon\.(?:ya?ml|json)$|\.sh$/.test(e.name) ? [p] : [];
    })
    .sort();
}

function explainFile(file: string, profile?: MachineProfile): Explanation[] {
  const r = checkText(readFileSync(file, 'utf8'), { fileName: file, profile });
  return explainDocuments(r.documents, { profile, profileHint: '--profile FILE' });
}

const all = configsIn(examples);
// the configs under examples/scenarios/ are for the small kernel test host, not seed-vm: no profile
const profileFor = (f: string): MachineProfile | undefined => (f.includes(`${join('examples', 'scenarios')}`) ? undefined : seedVm);

describe('golden explanations of examples/', () => {
  it('covers every config in examples/', () => {
    expect(all.map((f) => relative(examples, f))).toEqual(
      expect.arrayContaining([
        'memcg-tiering.damon.yaml',
        'node-tiering.damon.yaml',
        'proactive-reclaim.damon.json',
        'seed-rfc-example.damon.yaml',
        'seed-test-script.damon.yaml',
        'scenarios/test-host-or-temporal.damon.yaml',
        'scripts/seed-experiment.sh',
        'scripts/proactive-reclaim.sh',
      ]),
    );
  });

  for (const file of all) {
    const name = relative(examples, file);
    it(name, async () => {
      const profile = profileFor(file);
      const explained = explainText(readFileSync(file, 'utf8'), { fileName: `examples/${name}`, profile, profileHint: '--profile FILE' });
      expect(explained.length).toBeGreaterThan(0);
      const md = renderMarkdown(explained);
      await expect(md).toMatchFileSnapshot(join(__dirname, 'golden', 'explain', `${name.replace(/\//g, '__')}.md`));
    });
  }
});

describe('what the explanations must say', () => {
  const seed = explainFile(join(examples, 'seed-test-script.damon.yaml'), seedVm)[0];
  const fixed = explainFile(join(examples, 'memcg-tiering.damon.yaml'), seedVm)[0];

  it("the seed test script's chains read as OR, and each scheme says it also moves other cgroups' pages", () => {
    const [promoA, promoB] = seed.kdamonds[0].schemes;
    const [demoA] = seed.kdamonds[1].schemes;
    expect(promoA.sentences.join('\n')).toContain('only what the filters admit: memcg /workload_a OR young');
    expect(promoA.sentences.join('\n')).toContain(
      "For pages outside /workload_a (the goal's cgroup) that is: young, so other cgroups' pages that are young are moved too.",
    );
    expect(demoA.sentences.join('\n')).toContain("other cgroups' pages that are NOT young are moved too.");
    expect(promoB.sentences.join('\n')).toContain('memcg /workload_b OR young');
    // allow memcg A; reject young → A is admitted; otherwise young is rejected and the rest (not young) admitted
    expect(demoA.sentences.join('\n')).toContain('memcg /workload_a OR NOT young');
    expect(promoA.caveats.join('\n')).toMatch(/also moves other cgroups' pages .*\[filter-admits-outside-goal-cgroup\]/);
    expect(promoA.caveats.join('\n')).toMatch(/overshoots.*\[quota-goal-consist-overshoot\]/);
  });

  it("the seed script's tiering band says the filters also move other cgroups' pages", () => {
    expect(seed.pairs.map((p) => p.kind)).toEqual(['band', 'band']);
    expect(seed.pairs[0].sentence).toContain(
      "But the filters of kdamond 0 scheme 0 and kdamond 1 scheme 0 also move other cgroups' pages while working toward this band.",
    );
    expect(fixed.pairs[0].sentence).not.toContain('other cgroups');
  });

  it("the fixed config's chains read as AND", () => {
    expect(fixed.kdamonds[0].schemes[0].sentences.join('\n')).toContain('memcg /workloads/a AND young');
    expect(fixed.kdamonds[1].schemes[0].sentences.join('\n')).toContain('memcg /workloads/a AND NOT young');
    expect(fixed.kdamonds.flatMap((k) => k.schemes.flatMap((s) => s.caveats))).toEqual([]);
    expect(JSON.stringify(fixed)).not.toContain('outside /workloads');
  });

  it("goals in kernel units with the profile's bytes: 9.7% is 970 bp of a 30 GiB node", () => {
    const goal = seed.kdamonds[0].schemes[0].sentences.find((s) => s.startsWith('Until when'));
    expect(goal).toBe('Until when: /workload_a uses 9.7 % of node 0 (≈ 2.91 GiB on seed-vm).');
    expect(seed.kdamonds[0].schemes[0].sentences).toContain('How fast: no size or time quota: only the goal tuner limits it.');
    expect(fixed.kdamonds[0].schemes[0].sentences).toContain('How fast: at most 200 MiB per second.');
    expect(seed.kdamonds[0].sentences[0]).toBe('Watches physical memory (paddr) [31 GiB, 61 GiB), 30 GiB: all of node 1 on seed-vm.');
    expect(seed.kdamonds[1].sentences[0]).toContain("27 GiB of node 0's 30 GiB");
  });

  it('tiering pairs: the band between promotion and demotion', () => {
    expect(fixed.pairs.map((p) => p.kind)).toEqual(['band', 'band']);
    expect(fixed.pairs[0].sentence).toMatch(/^\/workloads\/a is kept between 29\.5 % and 29\.7 % of node 0 \(≈ 8\.85 GiB to 8\.91 GiB on seed-vm\)/);
  });

  it('tiering pairs: a dead zone and a churn band in words', () => {
    const cfg = (free: string) => readFileSync(join(examples, 'node-tiering.damon.yaml'), 'utf8').replace('target_value: 50,', `target_value: ${free},`);
    // promotion stops at 99.7 % used; demotion to free 0.1 % stops at 99.9 % used: nobody acts in between
    const dead = explainDocuments(checkText(cfg('0.1%'), { profile: seedVm }).documents, { profile: seedVm })[0];
    expect(dead.pairs[0].kind).toBe('dead-zone');
    expect(dead.pairs[0].sentence).toMatch(
      /^Between 99\.7 % and 99\.9 % \(≈ 29\.9 GiB to 30 GiB on seed-vm\) of node 0's used memory, neither scheme moves pages \(a dead zone of 0\.2 %\)/,
    );
    // demotion to free 10 % works down to 90 % used while promotion works up to 99.7 %
    const churn = explainDocuments(checkText(cfg('10%'), { profile: seedVm }).documents, { profile: seedVm })[0];
    expect(churn.pairs[0].kind).toBe('churn');
    expect(churn.pairs[0].sentence).toContain('both act at once (an overlap of 9.7 %), so pages in that band keep migrating back and forth');
  });

  it('without a profile, shares stay in percent and say which profile gives bytes', () => {
    const e = explainFile(join(examples, 'memcg-tiering.damon.yaml'))[0];
    expect(e.summary.join(' ')).toContain('No machine profile: node shares stay in percent; --profile FILE gives bytes.');
    expect(e.kdamonds[0].schemes[0].sentences).toContain('Until when: /workloads/a uses 29.7 % of node 0 (in bytes with --profile FILE).');
    expect(e.kdamonds[0].sentences[0]).toBe('Watches physical memory (paddr) [31 GiB, 61 GiB), 30 GiB.');
  });

  it('errors say the kernel or damo refuses the config, at the scheme they are about', () => {
    const e = explainFile(join(examples, 'seed-rfc-example.damon.yaml'), seedVm)[0];
    expect(e.summary.join(' ')).toContain('As written, damo or the kernel refuses it (3 errors');
    expect(e.kdamonds[0].schemes[1].caveats.join('\n')).toMatch(/^Refused: Cgroup path "workloads\/b" is relative/m);
  });

  it('reclaim: action, idle time, filters, both quotas, PSI goal and watermarks in words', () => {
    const s = explainFile(join(examples, 'proactive-reclaim.damon.json'), seedVm)[0].kdamonds[0].schemes[0];
    expect(s.sentences).toEqual(
      expect.arrayContaining([
        'What: reclaims (pages out) memory not accessed in any of the 20 samples of an aggregation interval, idle for at least 2 min (1200 aggregation intervals), in regions of at least 4 KiB.',
        'How fast: at most 128 MiB per second and at most 10 ms of CPU time per second, whichever is reached first.',
        'Until when: memory pressure stalls ("some" PSI) add up to 1 ms per second.',
        'Watermarks: it is active only while free memory (system-wide) is between 5 % and 50 %: it starts when free memory falls to 40 % and stops above 50 % or below 5 % (checked every 5 s).',
      ]),
    );
    expect(s.short).toBe('reclaims: idle ≥ 2 min, NOT anon · ≤ 128 MiB/s · until PSI 1 ms');
  });

  it("quota priority follows the ops' scheme score: vaddr ranks only pageout (by coldness)", () => {
    const cfg = (action: string) =>
      `kdamonds: [{contexts: [{ops: vaddr, targets: [{pid: 7}], schemes: [{action: ${action}, target_nid: 1, quotas: {sz_bytes: 10 MiB, reset_interval_ms: 1 s, weights: {sz_permil: 0, nr_accesses_permil: 1000, age_permil: 0}}}]}]}]\n`;
    const sentences = (action: string) => explainDocuments(checkText(cfg(action)).documents)[0].kdamonds[0].schemes[0].sentences.join('\n');
    expect(sentences('pageout')).toContain('the coldest regions go first');
    expect(sentences('migrate_hot')).not.toMatch(/hottest|coldest|no region is preferred/);
    expect(sentences('migrate_hot')).toContain('What: moves to node 1 memory accessed or not.');
  });

  it('text output wraps and keeps every sentence', () => {
    const text = renderText([{ file: 'x', explanations: [seed] }], 80);
    for (const line of text.split('\n')) expect(line.length).toBeLessThanOrEqual(80 + 20);
    expect(text.replace(/\s+/g, ' ')).toContain('only what the filters admit: memcg /workload_a OR young');
  });
});
