import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkText } from '../../server/src/core/index';
import { SCHEMA_PATH, schemaText } from '../../scripts/gen-schema';

describe('JSON Schema', () => {
  it('schemas/damon-config.schema.json is generated from the spec (run npm run gen:schema)', () => {
    expect(readFileSync(SCHEMA_PATH, 'utf8')).toBe(schemaText());
  });

  it('documents every property with a description, and versioned features with x-since', () => {
    const schema = JSON.parse(readFileSync(SCHEMA_PATH, 'utf8'));
    const missing: string[] = [];
    const walk = (s: Record<string, unknown>, path: string) => {
      for (const [k, v] of Object.entries((s.properties ?? {}) as Record<string, Record<string, unknown>>)) {
        if (typeof v.description !== 'string' || v.description.length < 10) missing.push(`${path}.${k}`);
        walk(v, `${path}.${k}`);
        if (v.items) walk(v.items as Record<string, unknown>, `${path}.${k}[]`);
      }
    };
    walk(schema, '$');
    expect(missing).toEqual([]);
    const text = JSON.stringify(schema);
    for (const f of ['goal_tuner', 'intervals_goal', 'dests', 'addr_unit', 'pause']) expect(text).toContain(`"${f}"`);
    expect(schema.properties.kdamonds.items.properties.contexts.items.properties.schemes.items.properties.quotas.properties.goal_tuner['x-since']).toBe('7.1');
  });
});

describe('structural diagnostics at the exact place', () => {
  const base = (scheme: string) =>
    `kdamonds:\n  - contexts:\n      - ops: paddr\n        targets: [{pid: null, regions: [{start: 4 GiB, end: 8 GiB}]}]\n        schemes:\n          - ${scheme}\n`;

  it('unknown key: error on the key with did-you-mean and a rename fix', () => {
    const text = base('{action: pageout, apply_interval: 1 s}');
    const d = checkText(text).diagnostics.find((x) => x.code === 'schema-unknown-key')!;
    expect(text.slice(d.range.start, d.range.end)).toBe('apply_interval');
    expect(d.message).toContain('damo ignores it silently');
    expect(d.message).toContain('Did you mean "apply_interval_us"?');
    expect(d.fixes?.[0].edits[0].newText).toBe('apply_interval_us');
  });

  it('old key names that damo no longer reads', () => {
    const text = base('{action: pageout, filters: [{filter_type: target, matching: true, target_idx: 0}]}');
    const d = checkText(text).diagnostics.find((x) => x.code === 'schema-legacy-key')!;
    expect(text.slice(d.range.start, d.range.end)).toBe('target_idx');
    expect(d.message).toContain('damon_target_idx');
  });

  it('enum typo: on the value, with a fix', () => {
    const text = base('{action: migrate_hto, target_nid: 0}');
    const d = checkText(text).diagnostics.find((x) => x.code === 'schema-enum')!;
    expect(text.slice(d.range.start, d.range.end)).toBe('migrate_hto');
    expect(d.message).toContain('Did you mean "migrate_hot"?');
  });

  it('missing required key: on the owning key', () => {
    const text = 'kdamonds:\n  - contexts:\n      - targets: [{pid: null, regions: [{start: 4 GiB, end: 8 GiB}]}]\n';
    const d = checkText(text).diagnostics.find((x) => x.code === 'schema-missing-key')!;
    expect(d.message).toContain('"ops"');
  });

  it('wrong type and YAML 1.1 booleans', () => {
    const text = base('{action: on}');
    const d = checkText(text).diagnostics.find((x) => x.code === 'schema-type')!;
    expect(text.slice(d.range.start, d.range.end)).toBe('on');
    expect(d.message).toContain('YAML 1.1');
  });

  it("bad unit strings: damo's parser message on the value", () => {
    const text = base(
      '{action: pageout, quotas: {time_ms: 0, sz_bytes: 200 mb, reset_interval_ms: 1h 30m, weights: {sz_permil: 0, nr_accesses_permil: 0, age_permil: 0}}}',
    );
    const ds = checkText(text).diagnostics.filter((x) => x.code === 'value-format');
    expect(ds.map((d) => text.slice(d.range.start, d.range.end))).toEqual(['200 mb', '1h 30m']);
    expect(ds[0].message).toContain('unknown size unit "mb"');
    expect(ds[1].message).toContain('"1 h 30 m"');
  });

  it('multi-document YAML: each document checked on its own, at its own offsets', () => {
    const doc = base('{action: pageout}');
    const text = `${doc}---\n${base('{action: pageoutt}')}`;
    const r = checkText(text);
    expect(r.documents).toHaveLength(2);
    const d = r.diagnostics.find((x) => x.code === 'schema-enum')!;
    expect(d.range.start).toBeGreaterThan(doc.length);
    expect(r.documents[0].diagnostics.filter((x) => x.severity === 'error')).toEqual([]);
  });

  it('JSON: syntax errors at the exact offset, duplicate keys flagged', () => {
    const text = '{"kdamonds": [{"contexts": [],}], "kdamonds": []}';
    const r = checkText(text, { fileName: 'a.damon.json' });
    const syn = r.diagnostics.find((x) => x.code === 'json-syntax')!;
    expect(syn.range.start).toBe(text.indexOf(',}') + 1);
    expect(syn.message).toContain('trailing commas');
    expect(r.diagnostics.some((x) => x.code === 'json-duplicate-key')).toBe(true);
  });
});

describe('rule documentation', () => {
  it('docs/rules is generated from the rules (run npm run gen:docs)', async () => {
    const { ruleDocs, DOCS_DIR } = await import('../../scripts/gen-docs');
    const { readdirSync } = await import('node:fs');
    const { join } = await import('node:path');
    const files = ruleDocs();
    expect(readdirSync(DOCS_DIR).sort()).toEqual([...files.keys()].sort());
    for (const [name, text] of files) expect(readFileSync(join(DOCS_DIR, name), 'utf8'), name).toBe(text);
  });
});
