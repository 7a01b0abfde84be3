/**
 * One YAML indentation mistake → one error in words at the line where the indentation went wrong,
 * with the column it belongs at; the parser's cascade and the findings of the misread rest hidden.
 */
import { describe, expect, it } from 'vitest';
import { checkText } from '../../server/src/core/index';

const CASES: { name: string; text: string; line: number; key: string; indent: number; like: string; likeLine: number; to: number }[] = [
  {
    name: 'a key dedented under a list item (4 raw parser errors before)',
    text: 'kdamonds:\n  - contexts:\n      - ops: paddr\n        targets:\n          - pid: null\n            regions:\n            - {start: 4096, end: 8192}\n      schemes:\n        - action: stat\n     - x\n',
    line: 8,
    key: 'schemes:',
    indent: 6,
    like: 'targets:',
    likeLine: 4,
    to: 8,
  },
  {
    name: 'a key one space too deep',
    text: 'kdamonds:\n  - contexts:\n      - ops: paddr\n        targets:\n        - pid: null\n          regions: []\n         schemes: []\n',
    line: 7,
    key: 'schemes:',
    indent: 9,
    like: 'targets:',
    likeLine: 4,
    to: 8,
  },
  {
    name: 'a key back at the kdamond level',
    text: 'kdamonds:\n  - contexts:\n    - ops: paddr\n  targets:\n  - pid: null\n',
    line: 4,
    key: 'targets:',
    indent: 2,
    like: 'ops:',
    likeLine: 3,
    to: 6,
  },
];

describe('YAML indentation mistakes', () => {
  for (const c of CASES) {
    it(c.name, () => {
      const r = checkText(c.text, { format: 'yaml' });
      const lines = c.text.split('\n');
      const lineStart = lines.slice(0, c.line - 1).join('\n').length + 1;
      const yaml = r.diagnostics.filter((d) => d.code.startsWith('yaml'));
      expect(yaml).toHaveLength(1);
      const d = yaml[0];
      expect(d.severity).toBe('error');
      expect(d.message).toMatch(
        new RegExp(
          `^bad indentation: \`${c.key}\` on line ${c.line} is indented by ${c.indent} spaces, which lines up with no block above it; to line it up with \`${c.like}\` on line ${c.likeLine}, indent it by ${c.to} spaces \\(later findings are hidden until this is fixed; parser: `,
        ),
      );
      expect(c.text.slice(d.range.start, d.range.end)).toBe(lines[c.line - 1].trim());
      // the cascade: nothing reported from that line on but the explanation
      expect(r.diagnostics.filter((x) => x !== d && x.range.start >= lineStart)).toEqual([]);
      // fixing the indentation as told leaves no YAML error
      const fixed = [...lines.slice(0, c.line - 1), ' '.repeat(c.to) + lines[c.line - 1].trim(), ...lines.slice(c.line)].join('\n');
      expect(checkText(fixed, { format: 'yaml' }).diagnostics.filter((x) => x.code === 'yaml-syntax' && x.range.start <= lineStart + c.to)).toEqual([]);
    });
  }

  it('leaves other YAML errors as the parser reports them', () => {
    const r = checkText('kdamonds: [\n', { format: 'yaml' });
    expect(r.diagnostics.some((d) => d.code === 'yaml-syntax' && !d.message.startsWith('bad indentation'))).toBe(true);
  });
});
