import type { SNode } from '../parse/tree';
import type { Rule } from './types';

/** Plain scalars whose YAML 1.1 and 1.2 readings differ. */
function ambiguous(n: SNode | null, out: (SNode & { kind: 'scalar' })[] = []): (SNode & { kind: 'scalar' })[] {
  if (!n) return out;
  if (n.kind === 'scalar') {
    if (!n.quoted && n.yaml12 !== undefined) out.push(n);
  } else if (n.kind === 'seq') for (const i of n.items) ambiguous(i, out);
  else for (const p of n.pairs) ambiguous(p.value, out);
  return out;
}

function show(v: unknown): string {
  return typeof v === 'string' ? `the string "${v}"` : String(v);
}

export const rule: Rule = {
  id: 'yaml11-ambiguous',
  severity: 'warning',
  title: 'A YAML value that YAML 1.1 (damo) and YAML 1.2 read differently',
  explanation: `damo reads YAML with PyYAML, which follows YAML 1.1: unquoted \`yes\`/\`no\`/\`on\`/\`off\` are booleans, \`010\` is octal (8), \`1:30\` is sexagesimal (90). Most editors, linters and other tools use YAML 1.2, where these are strings or decimal numbers. The same file then means different things to different tools. Quote the value, or write \`true\`/\`false\` and plain decimals.`,
  check(ctx) {
    if (ctx.format !== 'yaml') return;
    for (const s of ambiguous(ctx.root)) {
      const v11 = s.value;
      const fixText = typeof v11 === 'boolean' ? String(v11) : typeof v11 === 'number' ? String(v11) : JSON.stringify(s.source);
      ctx.report({
        path: [],
        range: s.range,
        message: `damo (YAML 1.1) reads ${s.source} as ${show(v11)}, YAML 1.2 tools as ${show(s.yaml12)}: write ${fixText}`,
        fixes: [
          { title: `Write ${fixText} (what damo reads)`, edits: [{ range: s.range, newText: fixText }], preferred: true },
          ...(typeof v11 === 'boolean' ? [{ title: `Quote it ("${s.source}")`, edits: [{ range: s.range, newText: JSON.stringify(s.source) }] }] : []),
        ],
      });
    }
  },
  examples: {
    pass: [
      'kdamonds: [{contexts: [{ops: paddr, targets: [{pid: null, regions: [{start: 4 GiB, end: 8 GiB}]}], schemes: [{action: pageout, filters: [{filter_type: anon, matching: true, allow: false}]}]}]}]\n',
    ],
    fail: [
      'kdamonds: [{contexts: [{ops: paddr, targets: [{pid: null, regions: [{start: 4 GiB, end: 8 GiB}]}], schemes: [{action: pageout, filters: [{filter_type: anon, matching: yes, allow: off}]}]}]}]\n',
      'kdamonds: [{contexts: [{ops: paddr, targets: [{pid: null, regions: [{start: 4 GiB, end: 8 GiB}]}], nr_regions: {min: 010, max: 1000}}]}]\n',
    ],
    reports: [
      [
        { at: 'yes', message: 'damo (YAML 1.1) reads yes as true, YAML 1.2 tools as the string "yes": write true' },
        { at: 'off', message: 'damo (YAML 1.1) reads off as false, YAML 1.2 tools as the string "off": write false' },
      ],
      [{ at: '010', message: 'damo (YAML 1.1) reads 010 as 8, YAML 1.2 tools as 10: write 8' }],
    ],
  },
};
