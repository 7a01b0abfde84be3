/**
 * One YAML indentation mistake makes the `yaml` library report a cascade ("All mapping items must
 * start at the same column", "A block sequence may not be used as an implicit map key", "Implicit
 * keys need to be on a single line", ...) and the misread tree then fails schema and rules below it.
 * This post-processing step (on the parser's diagnostics, outside the parser) keeps the first
 * indentation error, rewrites it in words at the line whose indentation went wrong, with the
 * column it probably belongs at, and drops the cascade: the other YAML errors of the document and
 * every finding from that line on (they come back, if real, once the line is fixed). Pure.
 */
import type { CoreDiagnostic } from '../diagnostic';
import { CONFIG_SCHEMA, type JSONSchema } from '../schema/spec';

/** The key sets of every mapping in the format (to tell which block a misplaced key belongs to). */
let keySets: Set<string>[] | undefined;
function siblings(a: string, b: string): boolean {
  if (!keySets) {
    keySets = [];
    const seen = new Set<unknown>();
    const walk = (s: unknown): void => {
      if (!s || typeof s !== 'object' || seen.has(s)) return;
      seen.add(s);
      const props = (s as JSONSchema).properties as Record<string, unknown> | undefined;
      if (props) keySets!.push(new Set(Object.keys(props)));
      for (const v of Object.values(s as Record<string, unknown>)) walk(v);
    };
    walk(CONFIG_SCHEMA);
  }
  return keySets.some((k) => k.has(a) && k.has(b));
}

/** yaml library messages caused by indentation (first lines, as tree.ts keeps them) */
const INDENT_ERROR =
  /must start at the same column|without - indicator|block sequence may not be used as an implicit map key|Implicit keys need to be on a single line|Implicit map keys need to be followed by map values|bad indentation|indentation|Nested mappings are not allowed in compact mappings|All collection items must start at the same column/i;

interface Line {
  start: number;
  indent: number;
  text: string;
}

function lineAt(text: string, offset: number): Line & { number: number } {
  const start = text.lastIndexOf('\n', offset - 1) + 1;
  let end = text.indexOf('\n', start);
  if (end < 0) end = text.length;
  const s = text.slice(start, end).replace(/\r$/, '');
  let number = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < start; i = text.indexOf('\n', i + 1)) number++;
  return { start, indent: /^ */.exec(s)![0].length, text: s, number };
}

/**
 * The columns where a block above the line could continue: walking up, every key or `- ` item at a
 * smaller indentation than all lines seen so far opens a block whose entries line up with it.
 */
function blockColumns(text: string, lineStart: number): { col: number; key: string; line: number }[] {
  const out: { col: number; key: string; line: number }[] = [];
  let min = Infinity;
  let end = lineStart - 1;
  let number = lineAt(text, lineStart).number;
  while (end > 0) {
    const start = text.lastIndexOf('\n', end - 1) + 1;
    const lineEnd = end;
    number--;
    end = start - 1;
    // a line indented past every line seen so far opens no block the line could continue (and
    // changes nothing below): skip it without reading it
    let i = start;
    while (i < lineEnd && text.charCodeAt(i) === 32) i++;
    if (i - start > min) continue;
    const s = text.slice(start, lineEnd).replace(/\r$/, '');
    if (!s.trim() || s.trimStart().startsWith('#')) continue;
    const m = /^( *)((?:- +)*)([^\s:#][^:#]*?)?\s*(:|$)/.exec(s);
    if (!m) continue;
    const indent = m[1].length;
    const keyCol = indent + m[2].length;
    // a key at or left of every line seen so far is a block the line could continue
    if (m[3] && m[4] === ':' && keyCol <= min) out.push({ col: keyCol, key: `${m[3]}:`, line: number + 1 });
    if (m[2] && indent < min) out.push({ col: indent, key: '- ', line: number + 1 });
    min = Math.min(min, indent);
    if (min === 0) break;
  }
  return out;
}

export function explainIndentation(text: string, diagnostics: CoreDiagnostic[]): CoreDiagnostic[] {
  const yamlErrors = diagnostics.filter((d) => d.code === 'yaml-syntax' && d.severity === 'error').sort((a, b) => a.range.start - b.range.start);
  const first = yamlErrors[0];
  if (!first || !INDENT_ERROR.test(first.message)) return diagnostics;
  const line = lineAt(text, first.range.start);
  const content = line.text.trim();
  if (!content) return diagnostics;
  const candidates = blockColumns(text, line.start).filter((c) => c.col !== line.indent);
  const what = /^[^\s:]+:/.exec(content)?.[0] ?? (content.startsWith('-') ? 'the list item' : content.slice(0, 20));
  // the block it most likely belongs to: the closest one above whose keys the format puts next to
  // this key; else the nearest column left of it (else right)
  const key = what.endsWith(':') ? what.slice(0, -1) : undefined;
  const sibling = key
    ? candidates.find((c) => c.key.endsWith(':') && siblings(c.key.slice(0, -1), key))
    : content.startsWith('-')
      ? candidates.find((c) => c.key === '- ')
      : undefined;
  const left = candidates.filter((c) => c.col < line.indent).sort((a, b) => b.col - a.col)[0];
  const right = candidates.filter((c) => c.col > line.indent).sort((a, b) => a.col - b.col)[0];
  const like = sibling ?? left ?? right;
  const spaces = (n: number): string => `${n} space${n === 1 ? '' : 's'}`;
  const message =
    `bad indentation: \`${what.replace(/`/g, '')}\` on line ${line.number + 1} is indented by ${spaces(line.indent)}, which lines up with no block above it` +
    (like ? `; to line it up with \`${like.key.trim()}\` on line ${like.line}, indent it by ${spaces(like.col)}` : '') +
    ` (later findings are hidden until this is fixed; parser: ${first.message})`;
  const at = line.start + line.indent;
  const explained: CoreDiagnostic = { ...first, message, range: { start: at, end: line.start + line.text.length } };
  return [...diagnostics.filter((d) => d !== first && d.code !== 'yaml-syntax' && d.code !== 'yaml-complex-key' && d.range.start < line.start), explained];
}
