/** Minimal, style-keeping text edits for the rules' quick fixes (scalar replacement, key insertion). */
import type { ConfigPath } from '../diagnostic';
import type { RuleContext } from './types';

export function yamlQuote(s: string): string {
  return JSON.stringify(s);
}

/** Text for a scalar replacement that keeps the document's quoting style. */
export function scalarText(ctx: RuleContext, path: ConfigPath, value: string | number): string {
  const node = ctx.node(path);
  if (typeof value === 'number') return String(value);
  if (ctx.format === 'json') return JSON.stringify(value);
  if (node && node.kind === 'scalar' && node.quoted) {
    const raw = node.source;
    if (raw.startsWith("'")) return `'${value.replace(/'/g, "''")}'`;
    return JSON.stringify(value);
  }
  return /^[\w/.%-][\w/.% -]*$/.test(value) && !/[:#]/.test(value) ? value : JSON.stringify(value);
}

/**
 * Edits that add `key: value` to the mapping at `mapPath`, keeping every other byte: flow mappings
 * get ", key: value" before the closing brace; block mappings get a new line after the last pair's
 * line (after any trailing comment), at the same indentation.
 */
export function addKeyEdits(
  ctx: RuleContext,
  mapPath: ConfigPath,
  key: string,
  valueText: string,
): { range: { start: number; end: number }; newText: string }[] {
  const node = ctx.node(mapPath);
  if (!node || node.kind !== 'map') return [];
  const json = ctx.format === 'json';
  const k = json ? JSON.stringify(key) : key;
  if (node.flow) {
    const last = node.pairs[node.pairs.length - 1];
    if (!last) {
      const open = ctx.text.indexOf('{', node.range.start);
      return [{ range: { start: open + 1, end: open + 1 }, newText: `${k}: ${valueText}` }];
    }
    const at = last.range.end;
    return [{ range: { start: at, end: at }, newText: `, ${k}: ${valueText}` }];
  }
  const first = node.pairs[0];
  const last = node.pairs[node.pairs.length - 1];
  if (!first || !last) return [];
  const lineStart = ctx.text.lastIndexOf('\n', first.key.range.start - 1) + 1;
  const indent = ctx.text.slice(lineStart, first.key.range.start).replace(/[^ \t]/g, ' ');
  let eol = ctx.text.indexOf('\n', Math.max(last.range.end - 1, 0));
  if (eol < 0) eol = ctx.text.length;
  const cr = ctx.text[eol - 1] === '\r' ? '\r' : '';
  const at = eol - cr.length;
  return [{ range: { start: at, end: at }, newText: `${cr}\n${indent}${k}: ${valueText}` }];
}
