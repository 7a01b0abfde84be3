/**
 * The generated parts of README.md and docs/*.md: text between `<!-- generated:NAME -->` and
 * `<!-- /generated:NAME -->`, computed from the code (the rule registry, the CLI's usage, the
 * simulator). `npm run gen:docs` rewrites them; test/docs/generated.test.ts fails when one drifts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkText, RULES } from '../server/src/core/index';
import { simulate } from '../server/src/core/sim/engine';
import { loadScenarioText } from '../server/src/core/sim/scenario';
import { usage } from '../server/src/cli/commands';
import { repoRoot } from './root';

export interface Block {
  /** the file, relative to the repository root */
  file: string;
  name: string;
  content: string;
}

const root = repoRoot();
const MiB = 2 ** 20;

/** The rules table: id (linked to its doc), severity, title — in registry order. */
function rulesTable(): string {
  return [
    '| rule | severity | what it catches |',
    '| --- | --- | --- |',
    ...RULES.map((r) => `| [\`${r.id}\`](docs/rules/${r.id}.md) | ${r.severity} | ${r.title} |`),
  ].join('\n');
}

/**
 * The simulator against the real 7.2 kernel on the QEMU test host: the same three configs and the
 * same scenario the kernel was measured with, seed 1, exactly what
 * `damon-config simulate CONFIG --scenario examples/scenarios/test-host-small.yaml --seed 1` prints
 * (the window mean of /workload_a on node 0 against its target; /workload_b's bytes on node 0
 * over the same window from `--json`'s series).
 */
export function fidelityRows(): { config: string; what: string; real: string; a: number; bMiB: number }[] {
  const scText = readFileSync(join(root, 'examples/scenarios/test-host-small.yaml'), 'utf8');
  const scenario = loadScenarioText(scText, 'test-host-small.yaml').scenario!;
  const rows = [
    { config: 'test-host-and-consist', what: 'AND filters, consist, no size quota', real: '1437 / 1636 bp (+44 / +64 %)' },
    { config: 'test-host-and-temporal', what: 'AND filters, temporal, 8 MiB per 200 ms', real: '+2.3 %' },
    { config: 'test-host-or-temporal', what: '`allow memcg A; allow young` (OR), temporal', real: 'A at target, **78 MiB of B moved**' },
  ];
  return rows.map((row) => {
    const file = `examples/scenarios/${row.config}.damon.yaml`;
    const k = checkText(readFileSync(join(root, file), 'utf8'), { fileName: file }).documents[0].kconfig!;
    const r = simulate(k, scenario, { seed: 1 });
    const s = r.summary.find((x) => x.cgroup === '/workload_a' && x.nid === 0)!;
    const b = r.series.usage['/workload_b']?.['0'] ?? [];
    const inWindow = r.series.t.map((t, i) => ({ t, i })).filter(({ t }) => t >= s.windowStartSec && t <= s.windowEndSec && (t - s.windowStartSec) % 5 === 0);
    const bMean = inWindow.reduce((a, { i }) => a + (b[i] ?? 0), 0) / Math.max(1, inWindow.length);
    return { ...row, a: (s.meanBytes / s.targetBytes! - 1) * 100, bMiB: bMean / MiB };
  });
}

function fidelityTable(): string {
  const pct = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(1)} %`;
  return [
    '| kernel test host (7.2, 2 x 1 GiB, `examples/scenarios/test-host-*`) | real kernel | simulated (seed 1) |',
    '| --- | --- | --- |',
    ...fidelityRows().map((r) =>
      r.config === 'test-host-or-temporal'
        ? `| ${r.what} | ${r.real} | A ${pct(r.a)}, **${r.bMiB.toFixed(1)} MiB of B moved** |`
        : `| ${r.what} | ${r.real} | ${pct(r.a)} |`,
    ),
  ].join('\n');
}

export function generatedBlocks(): Block[] {
  return [
    { file: 'README.md', name: 'rule-count', content: String(RULES.length) },
    { file: 'README.md', name: 'rules-table', content: rulesTable() },
    { file: 'README.md', name: 'cli-usage', content: `\`\`\`\n${usage()}\n\`\`\`` },
    { file: 'docs/design.md', name: 'fidelity-test-host', content: fidelityTable() },
  ];
}

const marker = (name: string) => new RegExp(`(<!-- generated:${name} -->)([\\s\\S]*?)(<!-- /generated:${name} -->)`);

/** `text` with each block's markers' contents replaced (a block spanning lines gets its own lines). */
export function applyBlocks(text: string, blocks: Block[]): string {
  let out = text;
  for (const b of blocks) {
    const re = marker(b.name);
    if (!re.test(out)) throw new Error(`${b.file}: no <!-- generated:${b.name} --> ... <!-- /generated:${b.name} --> markers`);
    const body = b.content.includes('\n') ? `\n${b.content}\n` : b.content;
    out = out.replace(re, (_m, open: string, _old: string, close: string) => `${open}${body}${close}`);
  }
  return out;
}

/** Every file with generated blocks: its current text and the text it should have. */
export function generatedFiles(): { file: string; current: string; expected: string }[] {
  const byFile = new Map<string, Block[]>();
  for (const b of generatedBlocks()) byFile.set(b.file, [...(byFile.get(b.file) ?? []), b]);
  return [...byFile].map(([file, blocks]) => {
    const current = readFileSync(join(root, file), 'utf8');
    return { file, current, expected: applyBlocks(current, blocks) };
  });
}
