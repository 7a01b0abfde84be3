/** Writes docs/rules/<id>.md and docs/rules/README.md from the rules (`npm run gen:docs`); a test checks they are current. */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './root';
import { generatedFiles } from './gen-blocks';
import { FILTER_TYPES, GOAL_METRICS, ACTIONS, RULES } from '../server/src/core/index';

export const DOCS_DIR = join(repoRoot(), 'docs', 'rules');

export function ruleDocs(): Map<string, string> {
  const files = new Map<string, string>();
  const ex = (s: string) => `\`\`\`yaml\n${s.trimEnd()}\n\`\`\``;
  for (const r of RULES) {
    const parts = [
      `# ${r.id}`,
      '',
      `**${r.title}** — default severity: ${r.severity}.`,
      '',
      r.explanation,
      '',
      r.examples.kernel ? `Examples checked against Linux ${r.examples.kernel}.\n` : '',
      r.examples.profile ? `Examples checked with this machine profile:\n\n${ex(r.examples.profile)}\n` : '',
      '## Reported',
      '',
      ...r.examples.fail.map(ex),
      '',
      '## Not reported',
      '',
      ...r.examples.pass.map(ex),
      '',
    ];
    files.set(`${r.id}.md`, `${parts.filter((p, i) => p !== '' || parts[i - 1] !== '').join('\n')}\n`.replace(/\n{3,}/g, '\n\n'));
  }
  const index = [
    '# Rules',
    '',
    'Every semantic rule of the validator, with its stable id (the diagnostic `code`). Generated from `server/src/core/rules/` by `npm run gen:docs`.',
    '',
    '| id | severity | what it catches |',
    '| --- | --- | --- |',
    ...RULES.map((r) => `| [${r.id}](${r.id}.md) | ${r.severity} | ${r.title} |`),
    '',
    'Structural diagnostics also have stable codes: `empty-file`, `not-a-config`, `yaml-syntax`, `json-syntax`, `yaml-duplicate-key`, `json-duplicate-key`, `too-deep`, `yaml-alias-limit`, `too-many-problems`, `binary-file`, `not-utf8`, `file-too-large`, `not-a-regular-file`, `io-error`, `symlink-outside`, `schema-unknown-key`, `schema-legacy-key`, `schema-missing-key`, `schema-type`, `schema-enum`, `schema-items`, `value-format`, `value-negative`, `access-pattern-mixed-units`. Their limits are in [docs/limits.md](../limits.md).',
    '',
    '## Kernel versions',
    '',
    '| feature | first Linux release |',
    '| --- | --- |',
    ...ACTIONS.map((a) => `| action \`${a.name}\` | ${a.since} |`),
    ...GOAL_METRICS.map((m) => `| goal metric \`${m.name}\` | ${m.since} |`),
    ...FILTER_TYPES.map((f) => `| filter type \`${f.name}\` (${f.layer} layer) | ${f.since} |`),
    '',
  ];
  files.set('README.md', `${index.join('\n')}\n`.replace(/\n{3,}/g, '\n\n'));
  return files;
}

if (require.main === module) {
  rmSync(DOCS_DIR, { recursive: true, force: true });
  mkdirSync(DOCS_DIR, { recursive: true });
  for (const [name, text] of ruleDocs()) writeFileSync(join(DOCS_DIR, name), text);
  process.stderr.write(`wrote ${readdirSync(DOCS_DIR).length} files to ${DOCS_DIR}\n`);
  // the generated parts of README.md and docs/*.md (rule count and table, CLI usage, fidelity numbers)
  for (const f of generatedFiles()) if (f.expected !== f.current) writeFileSync(join(repoRoot(), f.file), f.expected);
}
