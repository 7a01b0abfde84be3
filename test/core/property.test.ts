import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { checkText, loadProfile } from '../../server/src/core/index';
import { main } from '../../server/src/cli/main';
import { runs } from '../tier';

const examples = ['memcg-tiering.damon.yaml', 'seed-rfc-example.damon.yaml', 'node-tiering.damon.yaml', 'proactive-reclaim.damon.json'].map((f) => ({
  f,
  text: readFileSync(join(__dirname, '..', '..', 'examples', f), 'utf8'),
}));
const profile = loadProfile(readFileSync(join(__dirname, '..', '..', 'examples', 'seed-vm.profile.yaml'), 'utf8')).profile!;

function sane(text: string, fileName: string) {
  const r = checkText(text, { fileName, profile });
  for (const d of r.diagnostics) {
    expect(d.range.start).toBeGreaterThanOrEqual(0);
    expect(d.range.end).toBeLessThanOrEqual(Math.max(text.length, 1));
    expect(d.range.end).toBeGreaterThanOrEqual(d.range.start);
    expect(typeof d.message).toBe('string');
    for (const f of d.fixes ?? []) for (const e of f.edits) expect(e.range.end).toBeLessThanOrEqual(text.length);
  }
  return r;
}

// Values a DAMON config can hold, and plenty it should not.
const scalar = fc.oneof(
  fc.integer({ min: -5, max: 100000 }),
  fc.double({ noNaN: false }),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom(
    'max',
    'min',
    '5 ms',
    '1.5s',
    '200 MiB',
    '29.7%',
    '9.7%',
    '0%',
    '5 samples',
    'max samples',
    '20 aggr_intervals',
    '1h 30m',
    '4k',
    'on',
    '/a',
    'workloads/b',
    '',
    '0x10',
  ),
  fc.string({ maxLength: 8 }),
);
const range = fc.record({ min: scalar, max: scalar }, { requiredKeys: [] });
const filter = fc.record(
  {
    filter_type: fc.oneof(fc.constantFrom('anon', 'active', 'memcg', 'young', 'hugepage_size', 'unmapped', 'addr', 'target'), fc.string({ maxLength: 6 })),
    matching: fc.oneof(fc.boolean(), scalar),
    allow: fc.oneof(fc.boolean(), scalar),
    memcg_path: fc.oneof(fc.constantFrom('/a', '/b', 'a', '/a/'), scalar),
    address_range: fc.record({ start: scalar, end: scalar }),
    damon_target_idx: scalar,
    hugepage_size: fc.array(scalar, { maxLength: 3 }),
  },
  { requiredKeys: ['filter_type'] },
);
const goal = fc.record(
  {
    metric: fc.oneof(
      fc.constantFrom(
        'user_input',
        'some_mem_psi_us',
        'node_mem_used_bp',
        'node_mem_free_bp',
        'node_memcg_used_bp',
        'node_memcg_free_bp',
        'active_mem_bp',
        'node_eligible_mem_bp',
      ),
      scalar,
    ),
    target_value: scalar,
    current_value: scalar,
    nid: scalar,
    memcg_path: fc.oneof(fc.constantFrom('/a', '/b', 'b'), scalar),
  },
  { requiredKeys: [] },
);
const scheme = fc.record(
  {
    action: fc.oneof(fc.constantFrom('pageout', 'migrate_hot', 'migrate_cold', 'stat', 'willneed', 'lru_prio'), scalar),
    target_nid: scalar,
    dests: fc.array(fc.record({ id: scalar, weight: scalar }), { maxLength: 2 }),
    access_pattern: fc.record({ sz_bytes: range, nr_accesses: range, age: range }, { requiredKeys: [] }),
    apply_interval_us: scalar,
    quotas: fc.record(
      {
        time_ms: scalar,
        sz_bytes: scalar,
        reset_interval_ms: scalar,
        weights: fc.record({ sz_permil: scalar, nr_accesses_permil: scalar, age_permil: scalar }),
        goals: fc.array(goal, { maxLength: 3 }),
        goal_tuner: fc.oneof(fc.constantFrom('consist', 'temporal'), scalar),
      },
      { requiredKeys: [] },
    ),
    watermarks: fc.record(
      { metric: fc.constantFrom('none', 'free_mem_rate'), interval_us: scalar, high_permil: scalar, mid_permil: scalar, low_permil: scalar },
      { requiredKeys: [] },
    ),
    filters: fc.array(filter, { maxLength: 4 }),
  },
  { requiredKeys: [] },
);
const context = fc.record(
  {
    ops: fc.oneof(fc.constantFrom('paddr', 'vaddr', 'fvaddr'), scalar),
    targets: fc.array(fc.record({ pid: scalar, regions: fc.array(fc.record({ start: scalar, end: scalar }), { maxLength: 3 }) }), { maxLength: 2 }),
    intervals: fc.record(
      {
        sample_us: scalar,
        aggr_us: scalar,
        ops_update_us: scalar,
        intervals_goal: fc.record({ access_bp: scalar, aggrs: scalar, min_sample_us: scalar, max_sample_us: scalar }),
      },
      { requiredKeys: [] },
    ),
    nr_regions: range,
    schemes: fc.array(scheme, { maxLength: 4 }),
    bogus_key: scalar,
  },
  { requiredKeys: [] },
);
const config = fc.record({
  kdamonds: fc.array(fc.record({ contexts: fc.array(context, { maxLength: 2 }), refresh_ms: scalar }, { requiredKeys: [] }), { maxLength: 3 }),
});

describe('no input makes the parser, the rules or the CLI throw or hang', () => {
  it('arbitrary text, as YAML and as JSON', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 400 }), (s) => {
        sane(s, 'x.damon.yaml');
        sane(s, 'x.damon.json');
      }),
      { numRuns: runs(400) },
    );
  });

  it('YAML-ish token soup', () => {
    const tok = fc.constantFrom(
      'kdamonds:',
      '\n',
      '  ',
      '- ',
      '{',
      '}',
      '[',
      ']',
      ',',
      ': ',
      'contexts',
      'schemes',
      'ops: paddr',
      '&a ',
      '*a',
      '<<: ',
      '---\n',
      '"',
      "'",
      '#',
      '? ',
      '|',
      '>',
      '!!str ',
      'max',
      '5%',
      '\t',
      'filters:',
      'goals:',
    );
    fc.assert(
      fc.property(fc.array(tok, { maxLength: 80 }), (ts) => {
        sane(ts.join(''), 'x.damon.yaml');
      }),
      { numRuns: runs(400) },
    );
  });

  it('random configs of the right shape and wrong values, in YAML and JSON, give the same semantic findings', () => {
    fc.assert(
      fc.property(config, (c) => {
        const y = sane(stringify(c), 'x.damon.yaml');
        const j = sane(JSON.stringify(c, null, 1), 'x.damon.json');
        const codes = (r: typeof y) =>
          r.diagnostics
            .map((d) => d.code)
            .filter((code) => !/^(yaml|json|damo-float|value-format)/.test(code))
            .sort();
        // YAML 1.1 reads some unquoted strings differently from JSON; compare only when none occurred
        if (!y.diagnostics.some((d) => d.code === 'yaml11-ambiguous' || d.code === 'value-format')) expect(codes(y)).toEqual(codes(j));
      }),
      { numRuns: runs(150) },
    );
  });

  it('random edits of the examples', () => {
    fc.assert(
      fc.property(fc.constantFrom(...examples), fc.nat(), fc.nat({ max: 30 }), fc.string({ maxLength: 10 }), (ex, pos, del, ins) => {
        const p = pos % (ex.text.length + 1);
        sane(ex.text.slice(0, p) + ins + ex.text.slice(p + del), ex.f);
      }),
      { numRuns: runs(300) },
    );
  });

  it('the CLI with random arguments returns 0, 1 or 2', async () => {
    const arg = fc.oneof(
      fc.constantFrom(
        'check',
        '--format',
        'json',
        'sarif',
        'text',
        '--kernel',
        '6.12',
        '7.2',
        '--profile',
        'examples/seed-vm.profile.yaml',
        'examples/memcg-tiering.damon.yaml',
        'nope.yaml',
        '-h',
        '--help',
        '--',
        'rules',
        'goal-nid-required',
        '--version',
      ),
      fc.string({ maxLength: 6 }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(arg, { maxLength: 6 }), async (args) => {
        const out: string[] = [];
        const code = await main(args, {
          stdout: (s) => void out.push(s),
          stderr: (s) => void out.push(s),
          isTTY: false,
          cwd: join(__dirname, '..', '..'),
          readStdin: async () => 'kdamonds: []\n',
        });
        expect([0, 1, 2]).toContain(code);
      }),
      { numRuns: runs(150) },
    );
  });
});

describe('explain never throws', () => {
  it('on random configs of the right shape (and explains every one the checker accepts)', async () => {
    const { explainDocuments, renderMarkdown, renderText } = await import('../../server/src/core/explain/index');
    let accepted = 0;
    fc.assert(
      fc.property(config, fc.boolean(), (cfg, withProfile) => {
        const r = checkText(stringify(cfg), { fileName: 'x.yaml', profile: withProfile ? profile : undefined });
        const ex = explainDocuments(r.documents, { profile: withProfile ? profile : undefined });
        expect(renderMarkdown([{ file: 'x', explanations: ex }]).length).toBeGreaterThan(0);
        expect(renderText([{ file: 'x', explanations: ex }]).length).toBeGreaterThan(0);
        if (!r.diagnostics.some((d) => d.severity === 'error')) {
          accepted++;
          expect(ex.length).toBe(1);
          for (const s of ex[0].kdamonds.flatMap((k) => [...k.sentences, ...k.schemes.flatMap((x) => x.sentences)]))
            expect(s).not.toMatch(/undefined|NaN|\[object/);
        }
      }),
      { numRuns: runs(200) },
    );
    expect(accepted).toBeGreaterThan(0);
  }, 120_000);

  it('on random edits of the examples', async () => {
    const { explainDocuments } = await import('../../server/src/core/explain/index');
    fc.assert(
      fc.property(fc.constantFrom(...examples), fc.nat(), fc.string({ maxLength: 6 }), ({ f, text }, at, ins) => {
        const i = at % (text.length + 1);
        const r = checkText(text.slice(0, i) + ins + text.slice(i), { fileName: f, profile });
        const ex = explainDocuments(r.documents, { profile });
        if (!r.diagnostics.some((d) => d.severity === 'error')) expect(ex.length).toBe(1);
      }),
      { numRuns: runs(200) },
    );
  }, 120_000);
});
