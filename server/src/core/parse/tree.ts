/**
 * Source trees with exact ranges for YAML (read the way damo's PyYAML `safe_load` reads it: YAML 1.1
 * implicit types) and JSON. Every node keeps its offset range so diagnostics point at the exact key or
 * value. The tree is the single parse of a document: the schema pass, the model and the editor
 * features all read it.
 */
import * as YAML from 'yaml';
import * as jsonc from 'jsonc-parser';
import { FAILSAFE_SCHEMA, load as jsYamlLoad } from 'js-yaml';
import type { CoreDiagnostic, OffsetRange } from '../diagnostic';
import { MAX_NESTING, nestingTooDeep } from './guard';

export type ScalarValue = string | number | boolean | null;

export interface SScalar {
  kind: 'scalar';
  range: OffsetRange;
  value: ScalarValue;
  /** raw source text of the scalar */
  source: string;
  /** quoted (YAML single/double, JSON string) or block scalar: always a string */
  quoted: boolean;
  /** YAML only: the value a YAML 1.2 reader would see, when it differs from YAML 1.1 (damo) */
  yaml12?: ScalarValue;
}

export interface SPair {
  key: SScalar;
  value: SNode | null;
  /** key start to value end */
  range: OffsetRange;
}

export interface SMap {
  kind: 'map';
  range: OffsetRange;
  pairs: SPair[];
  /** flow style `{...}` (YAML) or JSON object */
  flow: boolean;
}

export interface SSeq {
  kind: 'seq';
  range: OffsetRange;
  items: SNode[];
  flow: boolean;
}

export type SNode = SScalar | SMap | SSeq;

export interface SourceDocument {
  /** the document's extent in the text */
  range: OffsetRange;
  root: SNode | null;
  /** syntax errors and warnings found while parsing this document */
  diagnostics: CoreDiagnostic[];
}

export type SourceFormat = 'yaml' | 'json';

export const MAX_DEPTH = 64;

/**
 * At most this many nodes may come from expanding aliases (and `<<` merges) in one document. A
 * "billion laughs" document (a few hundred bytes whose aliases nest 9 deep) would otherwise expand
 * to 10^9 nodes; real configs that share blocks with anchors stay far below. docs/limits.md.
 */
export const MAX_ALIAS_NODES = 50_000;

class AliasLimit extends Error {
  constructor(readonly range: OffsetRange) {
    super('alias limit');
  }
}

// ---------------------------------------------------------------------------------------------
// YAML 1.1 implicit scalar resolution, as PyYAML's resolver does it (yes/no/on/off booleans,
// 0-prefixed octal, sexagesimal numbers, floats need a dot).
const PY_BOOL = /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/;
const PY_FLOAT =
  /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9_]+(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;
const PY_INT = /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/;
const PY_NULL = /^(?:~|null|Null|NULL|)$/;

function sexagesimal(s: string, float: boolean): number {
  let sign = 1;
  if (s[0] === '-' || s[0] === '+') {
    if (s[0] === '-') sign = -1;
    s = s.slice(1);
  }
  let v = 0;
  for (const part of s.split(':')) v = v * 60 + (float ? parseFloat(part) : parseInt(part, 10));
  return sign * v;
}

/** Resolve a plain YAML scalar the way PyYAML (YAML 1.1) does. */
/** First characters that can start a YAML 1.1 null, bool, int or float. */
const NON_STRING_START = /^[-+.\d~nNyYtTfFoO]|^$/;

export function resolveYaml11(src: string): ScalarValue {
  if (!NON_STRING_START.test(src)) return src;
  if (PY_NULL.test(src)) return null;
  if (PY_BOOL.test(src)) return /^(?:yes|true|on)$/i.test(src);
  if (PY_INT.test(src)) {
    const s = src.replace(/_/g, '');
    if (s.includes(':')) return sexagesimal(s, false);
    const neg = s.startsWith('-');
    const body = s.replace(/^[-+]/, '');
    let v: number;
    if (body.startsWith('0b')) v = parseInt(body.slice(2), 2);
    else if (body.startsWith('0x')) v = parseInt(body.slice(2), 16);
    else if (body.length > 1 && body.startsWith('0')) v = parseInt(body.slice(1), 8);
    else v = parseInt(body, 10);
    return neg ? -v : v;
  }
  if (PY_FLOAT.test(src)) {
    const s = src.replace(/_/g, '');
    if (/^[-+]?\.(?:inf|Inf|INF)$/.test(s)) return s.startsWith('-') ? -Infinity : Infinity;
    if (/^\.(?:nan|NaN|NAN)$/.test(s)) return NaN;
    if (s.includes(':')) return sexagesimal(s, true);
    return parseFloat(s);
  }
  return src;
}

/** Resolve a plain scalar with the YAML 1.2 core schema (what most editors and linters assume). */
export function resolveYaml12(src: string): ScalarValue {
  if (/^(?:~|null|Null|NULL|)$/.test(src)) return null;
  if (/^(?:true|True|TRUE)$/.test(src)) return true;
  if (/^(?:false|False|FALSE)$/.test(src)) return false;
  if (/^[-+]?[0-9]+$/.test(src)) return parseInt(src, 10);
  if (/^0o[0-7]+$/.test(src)) return parseInt(src.slice(2), 8);
  if (/^0x[0-9a-fA-F]+$/.test(src)) return parseInt(src.slice(2), 16);
  if (/^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/.test(src)) return parseFloat(src);
  if (/^[-+]?\.(?:inf|Inf|INF)$/.test(src)) return src.startsWith('-') ? -Infinity : Infinity;
  if (/^\.(?:nan|NaN|NAN)$/.test(src)) return NaN;
  return src;
}

function sameScalar(a: ScalarValue, b: ScalarValue): boolean {
  if (typeof a === 'number' && typeof b === 'number') return a === b || (Number.isNaN(a) && Number.isNaN(b));
  return a === b;
}

/** A plain scalar as damo reads it, with the YAML 1.2 reading when that differs. */
function plainScalar(src: string, range: OffsetRange, raw: string): SScalar {
  const v11 = resolveYaml11(src);
  const node: SScalar = { kind: 'scalar', range, value: v11, source: raw, quoted: false };
  // a string under YAML 1.1 can only be something else under 1.2 if it looks numeric
  if (typeof v11 === 'string' && !/^[-+.\d]/.test(src)) return node;
  const v12 = resolveYaml12(src);
  if (!sameScalar(v11, v12)) node.yaml12 = v12;
  return node;
}

// ---------------------------------------------------------------------------------------------
// YAML

function diag(code: string, message: string, range: OffsetRange, severity: CoreDiagnostic['severity'] = 'error'): CoreDiagnostic {
  return { code, severity, message, range };
}

function firstLine(message: string): string {
  return message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
}

class YamlConverter {
  readonly diagnostics: CoreDiagnostic[] = [];
  private readonly resolving = new Set<unknown>();
  /** nodes made while resolving an alias (a copy per alias, as the tree has ranges per node) */
  private aliasNodes = 0;
  private aliasRange: OffsetRange | null = null;

  /** each alias's anchored node: the last anchor of that name before it (one walk, not one per alias) */
  private readonly targets = new Map<unknown, unknown>();

  constructor(
    private readonly text: string,
    doc: YAML.Document.Parsed,
  ) {
    const anchors = new Map<string, unknown>();
    YAML.visit(doc, {
      Node: (_key, node) => {
        if (YAML.isAlias(node)) {
          const t = anchors.get(node.source);
          if (t) this.targets.set(node, t);
        } else if (node.anchor) anchors.set(node.anchor, node);
      },
    });
  }

  convert(node: unknown, depth: number): SNode | null {
    if (node === null || node === undefined) return null;
    if (this.aliasRange && ++this.aliasNodes > MAX_ALIAS_NODES) throw new AliasLimit(this.aliasRange);
    if (depth > MAX_DEPTH) {
      const r = (node as { range?: [number, number, number] }).range;
      this.diagnostics.push(
        diag('too-deep', `nesting deeper than ${MAX_DEPTH} levels; a DAMON config is never this deep`, r ? { start: r[0], end: r[1] } : { start: 0, end: 0 }),
      );
      return null;
    }
    if (YAML.isAlias(node)) {
      const target = this.targets.get(node);
      const r = node.range!;
      if (!target || this.resolving.has(target)) {
        this.diagnostics.push(diag('yaml-alias', `alias *${node.source} cannot be resolved`, { start: r[0], end: r[1] }));
        return null;
      }
      this.resolving.add(target);
      const outer = this.aliasRange;
      this.aliasRange ??= { start: r[0], end: r[1] };
      try {
        return this.convert(target, depth + 1);
      } finally {
        this.aliasRange = outer;
        this.resolving.delete(target);
      }
    }
    if (YAML.isScalar(node)) return this.scalar(node);
    if (YAML.isMap(node)) {
      const r = node.range!;
      const pairs: SPair[] = [];
      for (const p of node.items) {
        const key = YAML.isScalar(p.key) ? this.scalar(p.key) : null;
        if (!key) {
          const kr = (p.key as { range?: [number, number, number] } | null)?.range;
          this.diagnostics.push(
            diag('yaml-complex-key', 'only plain scalar keys are allowed in a DAMON config', kr ? { start: kr[0], end: kr[1] } : { start: r[0], end: r[1] }),
          );
          continue;
        }
        const value = this.convert(p.value, depth + 1);
        if (key.source === '<<' && !key.quoted) {
          // YAML 1.1 merge key: PyYAML copies the merged map's pairs in unless already present.
          const merged = value?.kind === 'map' ? [value] : value?.kind === 'seq' ? value.items.filter((i): i is SMap => i.kind === 'map') : [];
          const have = new Set(pairs.map((q) => q.key.value));
          for (const m of merged) {
            for (const mp of m.pairs) {
              if (have.has(mp.key.value)) continue;
              have.add(mp.key.value);
              pairs.push(mp);
            }
          }
          continue;
        }
        const end = value ? value.range.end : key.range.end;
        pairs.push({ key, value, range: { start: key.range.start, end } });
      }
      const last = pairs[pairs.length - 1];
      // a block collection ends after its last entry's line, whatever comments follow (as on the fast path)
      const end =
        node.flow || !last || last.key.range.start < r[0] || last.key.range.end > r[1]
          ? r[1]
          : last.value
            ? childEnd(this.text, last.value)
            : last.key.range.end;
      return { kind: 'map', range: { start: r[0], end }, pairs, flow: !!node.flow };
    }
    if (YAML.isSeq(node)) {
      const r = node.range!;
      const items: SNode[] = [];
      for (const it of node.items) {
        const c = this.convert(it, depth + 1);
        if (c) items.push(c);
        else if (it === null || (YAML.isScalar(it) && it.value === null)) {
          // `- ` with nothing: a null item
          items.push({ kind: 'scalar', range: { start: r[0], end: r[0] }, value: null, source: '', quoted: false });
        }
      }
      const lastItem = items[items.length - 1];
      const end = node.flow || !lastItem || lastItem.range.start < r[0] || lastItem.range.end > r[1] ? r[1] : childEnd(this.text, lastItem);
      return { kind: 'seq', range: { start: r[0], end }, items, flow: !!node.flow };
    }
    return null;
  }

  private scalar(node: YAML.Scalar): SScalar {
    const r = node.range ?? [0, 0, 0];
    const range = { start: r[0], end: r[1] };
    const raw = this.text.slice(r[0], r[1]);
    if (node.type === 'PLAIN' || node.type === undefined) {
      const src = String(node.value ?? '');
      const tag = node.tag;
      if (tag && /str$/.test(tag)) return { kind: 'scalar', range, value: src, source: raw, quoted: true };
      return plainScalar(src, range, raw);
    }
    return { kind: 'scalar', range, value: String(node.value ?? ''), source: raw, quoted: true };
  }
}

// ---------------------------------------------------------------------------------------------
// Fast path: js-yaml (about 15x faster than the `yaml` library) for well-formed single documents.
// Its parse events give each node's extent; the tree is rebuilt from them. Anything unusual
// (several documents, anchors/aliases, tags, merge keys, complex keys, directives) or any error
// falls back to the `yaml` library, which recovers from errors and reports them all. A differential
// test checks that both paths build the same tree.

const NEEDS_FULL_PARSER = /(?:^|[\s[{,:-])[&*!]|<<|^[ ]*\?[ \r\n]|^%|^(?:---|\.\.\.)(?:[ \r\n]|$)|\t|^[ ]*-[ ]+-(?:[ \r\n]|$)|^[ ]*-[ ]*(?:#.*)?\r?$/m;

interface Frame {
  open: number;
  children: SNode[];
  /** js-yaml's value of the last child (to spot the double frame it opens around some collections) */
  lastResult?: unknown;
}

function skipBlank(text: string, i: number, end: number): number {
  while (i < end) {
    const c = text.charCodeAt(i);
    if (c === 32 || c === 10 || c === 13 || c === 9) i++;
    else if (c === 35) {
      while (i < end && text.charCodeAt(i) !== 10) i++;
    } else break;
  }
  return i;
}

/** Where a block collection ends, given its last child (the yaml library's convention). */
function childEnd(text: string, last: SNode): number {
  if (last.kind === 'scalar' && last.source === '') return last.range.end; // empty (null) value
  return last.kind === 'scalar' || last.flow ? blockEnd(text, last.range.end) : last.range.end;
}

/** After the line break (LF, CRLF or a lone CR) of the line where the last child ends. */
function blockEnd(text: string, lastChildEnd: number): number {
  const prev = text.charCodeAt(lastChildEnd - 1);
  if (prev === 10 || (prev === 13 && text.charCodeAt(lastChildEnd) !== 10)) return lastChildEnd;
  // scan this line only (indexOf('\n') would scan to the end of a CR-only file for every node)
  for (let i = lastChildEnd; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) return i + 1;
    if (c === 13 && text.charCodeAt(i + 1) !== 10) return i + 1;
  }
  return text.length;
}

/** Whether [start, end) contains a line break (LF or CR); scans only that span. */
function hasLineBreak(text: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || c === 13) return true;
  }
  return false;
}

function trimEnd(text: string, start: number, end: number): number {
  while (end > start) {
    const c = text.charCodeAt(end - 1);
    if (c === 32 || c === 10 || c === 13 || c === 9) end--;
    else break;
  }
  return end;
}

class FastPathAbort extends Error {}

/** Comment placements whose attachment differs between the two parsers. */
function trickyComments(text: string): boolean {
  if (/\S#/.test(text)) return true;
  const firstContent = /^[ ]*[^\s#]/m.exec(text);
  return !!firstContent && text.indexOf('\n#', firstContent.index) >= 0;
}

function parseYamlFast(text: string): SourceDocument[] | undefined {
  if (NEEDS_FULL_PARSER.test(text) || trickyComments(text)) return undefined;
  // a text with a half-typed key never passes js-yaml (a two-line implicit key is an error there):
  // read it with the key patched at once instead of after a failed parse and its exception
  HALF_TYPED_KEY.lastIndex = 0;
  if (HALF_TYPED_KEY.test(text)) return halfTypedKeys(text) ?? fastTree(text);
  return fastTree(text);
}

/**
 * A half-typed key: a line holding one plain word of two or more characters (`qu`) right above a
 * `key:` line at the same indent, inside a block mapping (the nearest line above at that indent or
 * less is a key of the same mapping or the parent key opening it). The `yaml` library reads the word
 * and the next key as one two-line implicit key (`qu quotas`, error "Implicit keys need to be on a
 * single line" over both) and goes on as usual. The fast path reads the same text with the line
 * break and indent between the two replaced by `_` (one single-line key over the same span), then
 * gives that key the two-line key's value and source. (A one-character word after another key is
 * read as a key of its own with no value instead; that stays with the `yaml` library.)
 * `test/core/yaml-fastpath.test.ts` half-types a key above every key line of every example and
 * compares the tree and diagnostics with the `yaml` library's.
 */
const HALF_TYPED_KEY = /^( +)([A-Za-z_][A-Za-z0-9_]+)\n\1([A-Za-z_][A-Za-z0-9_]*):(?=[ \n]|$)/gm;
const KEY_LINE = /^( *)((?:-[ ]+)*)[A-Za-z_][A-Za-z0-9_]*:(?:[ ]|$)/;
const OPENS_BLOCK = /^[ ]*(?:#.*)?$/;

function halfTypedKeys(text: string): SourceDocument[] | undefined {
  const found: { start: number; end: number; word: string; key: string }[] = [];
  HALF_TYPED_KEY.lastIndex = 0;
  for (let m; (m = HALF_TYPED_KEY.exec(text));) {
    const indent = m[1].length;
    if (!keyAbove(text, m.index, indent)) return undefined;
    found.push({ start: m.index + indent, end: m.index + m[0].length - 1, word: m[2], key: m[3] });
  }
  if (!found.length) return undefined;
  // the same text with each word and its key on one line: `qu_____________quotas`
  let patched = '';
  let at = 0;
  for (const f of found) {
    patched += text.slice(at, f.start + f.word.length) + '_'.repeat(f.end - f.start - f.word.length - f.key.length);
    at = f.end - f.key.length;
  }
  patched += text.slice(at);
  const docs = fastTree(patched);
  const root = docs?.[0].root;
  if (!docs || !root) return undefined;
  const diagnostics: CoreDiagnostic[] = [];
  for (const f of found) {
    const pair = pairWithKeyAt(root, f.start);
    if (!pair || pair.key.kind !== 'scalar' || pair.key.range.end !== f.end || pair.key.quoted) return undefined;
    const map = mapOfPair(root, pair);
    const value = `${f.word} ${f.key}`;
    if (!map || map.flow || map.pairs.some((p) => p !== pair && p.key.kind === 'scalar' && p.key.value === value)) return undefined;
    pair.key = plainScalar(value, { start: f.start, end: f.end }, text.slice(f.start, f.end));
    diagnostics.push(diag('yaml-syntax', 'Implicit keys need to be on a single line', { start: f.start, end: f.end }));
  }
  return [{ range: { start: 0, end: text.length }, root, diagnostics }];
}

/**
 * The nearest content line above `lineStart` at `indent` or less is a block mapping key starting at
 * `indent` (a sibling), or a key with nothing after its colon left of it (the parent of the mapping).
 */
function keyAbove(text: string, lineStart: number, indent: number): boolean {
  let end = lineStart - 1;
  while (end > 0) {
    const start = text.lastIndexOf('\n', end - 1) + 1;
    let i = start;
    while (i < end && text.charCodeAt(i) === 32) i++;
    if (i === end || text.charCodeAt(i) === 35 || i - start > indent) {
      end = start - 1;
      continue;
    }
    const line = text.slice(start, end);
    const m = KEY_LINE.exec(line);
    if (!m) return false;
    const column = m[1].length + m[2].length;
    // a sibling key of the same mapping, or the parent key that opens it (nothing after its colon)
    return column === indent || (column < indent && OPENS_BLOCK.test(line.slice(m[0].length)));
  }
  return false;
}

function pairWithKeyAt(n: SNode, at: number): SPair | undefined {
  if (n.kind === 'map') {
    for (const p of n.pairs) {
      if (p.key.range.start === at) return p;
      if (p.value && p.value.range.start <= at && at < p.value.range.end) return pairWithKeyAt(p.value, at);
    }
  } else if (n.kind === 'seq') {
    for (const it of n.items) if (it && it.range.start <= at && at < it.range.end) return pairWithKeyAt(it, at);
  }
  return undefined;
}

function mapOfPair(n: SNode, pair: SPair): SMap | undefined {
  if (n.kind === 'map') {
    if (n.pairs.includes(pair)) return n;
    for (const p of n.pairs) if (p.value && p.value.range.start <= pair.range.start && pair.range.start < p.value.range.end) return mapOfPair(p.value, pair);
  } else if (n.kind === 'seq') {
    for (const it of n.items) if (it && it.range.start <= pair.range.start && pair.range.start < it.range.end) return mapOfPair(it, pair);
  }
  return undefined;
}

/** The js-yaml tree of a text that passed the NEEDS_FULL_PARSER / trickyComments screen, or undefined. */
function fastTree(text: string): SourceDocument[] | undefined {
  const stack: Frame[] = [{ open: 0, children: [] }];
  let depth = 0;
  const listener = (ev: 'open' | 'close', state: { position: number; kind: string | null; result: unknown }) => {
    if (ev === 'open') {
      if (++depth > MAX_DEPTH) throw new FastPathAbort();
      stack.push({ open: state.position, children: [] });
      return;
    }
    depth--;
    const f = stack.pop()!;
    const parent = stack[stack.length - 1];
    const start = skipBlank(text, f.open, state.position);
    let node: SNode;
    if (
      f.children.length === 1 &&
      state.kind !== 'scalar' &&
      f.lastResult === state.result &&
      (state.kind === 'mapping' || state.kind === 'sequence') &&
      f.children[0].kind !== 'scalar'
    ) {
      node = f.children[0];
    } else if (state.kind === 'mapping') {
      if (f.children.length % 2 !== 0) throw new FastPathAbort();
      const pairs: SPair[] = [];
      for (let i = 0; i < f.children.length; i += 2) {
        const key = f.children[i];
        const value = f.children[i + 1];
        if (key.kind !== 'scalar') throw new FastPathAbort();
        let colon = key.range.end;
        while (text[colon] === ' ') colon++;
        if (text[colon] !== ':') throw new FastPathAbort(); // implicit null-valued key (`{a, b: 1}`): full parser
        if (value.kind === 'scalar') {
          // a value that is followed by ':' is really the next key (an empty value was skipped)
          let after = value.range.end;
          while (text[after] === ' ') after++;
          if (text[after] === ':') throw new FastPathAbort();
        }
        pairs.push({ key, value, range: { start: key.range.start, end: value.range.end } });
      }
      const flow = text[start] === '{';
      if (flow && hasLineBreak(text, start, state.position)) throw new FastPathAbort(); // multi-line flow: full parser
      const last = pairs[pairs.length - 1];
      const end = flow || !last ? trimEnd(text, start, state.position) : last.value ? childEnd(text, last.value) : last.key.range.end;
      node = { kind: 'map', range: { start, end }, pairs, flow };
    } else if (state.kind === 'sequence') {
      const flow = text[start] === '[';
      if (flow && hasLineBreak(text, start, state.position)) throw new FastPathAbort();
      for (const item of f.children) {
        if (item.kind !== 'scalar') continue;
        let after = item.range.end;
        while (text[after] === ' ') after++;
        if (text[after] === ':') throw new FastPathAbort(); // `[a: b]`: a single-pair mapping in a sequence
      }
      const last = f.children[f.children.length - 1];
      const end = flow || !last ? trimEnd(text, start, state.position) : childEnd(text, last);
      node = { kind: 'seq', range: { start, end }, items: f.children, flow };
    } else if (state.kind === 'scalar') {
      let end = trimEnd(text, start, state.position);
      const c = text[start];
      if ((c === '|' || c === '>') && text[end] === '\n') end++;
      const raw = text.slice(start, end);
      const src = String(state.result);
      if (c === '"' || c === "'" || c === '|' || c === '>') node = { kind: 'scalar', range: { start, end }, value: src, source: raw, quoted: true };
      else {
        node = plainScalar(src, { start, end }, raw);
      }
    } else {
      // An empty value. The one placement both parsers agree on: a block mapping's `key:` with
      // nothing after it on its line (but spaces and a comment); the yaml library puts the null at
      // the end of those spaces. Anything else (flow collections, empty sequence items) goes to the
      // full parser.
      const key = parent.children.length % 2 === 1 ? parent.children[parent.children.length - 1] : undefined;
      if (!key || key.kind !== 'scalar') throw new FastPathAbort();
      let at = key.range.end;
      while (text.charCodeAt(at) === 32) at++;
      if (text.charCodeAt(at) !== 58) throw new FastPathAbort(); // ':'
      at++;
      while (text.charCodeAt(at) === 32) at++;
      const c = text.charCodeAt(at);
      if (!(at === text.length || c === 10 || c === 13 || c === 35)) throw new FastPathAbort();
      node = plainScalar('', { start: at, end: at }, '');
    }
    parent.lastResult = state.result;
    parent.children.push(node);
  };
  try {
    jsYamlLoad(text, { schema: FAILSAFE_SCHEMA, listener });
  } catch {
    return undefined;
  }
  const top = stack[0].children;
  if (top.length > 1) return undefined;
  let root: SNode | null = top[0] ?? null;
  if (root && root.kind === 'scalar' && root.value === null && root.source === '') root = null;
  return [{ range: { start: 0, end: text.length }, root, diagnostics: [] }];
}

/**
 * Whether a text passes the fast path's screens (the nesting guard, then NEEDS_FULL_PARSER and
 * trickyComments) — what parseYaml asks before js-yaml reads it. The incremental check asks it of a
 * whole kdamond when it parses only one entry of it (core/incremental.ts spliceParse).
 */
export function passesFastScreen(text: string): boolean {
  return nestingTooDeep(text) < 0 && !NEEDS_FULL_PARSER.test(text) && !trickyComments(text);
}

/** One document with one `too-deep` error when the pre-scan finds absurd nesting (guard.ts), else undefined. */
function refuseDeep(text: string): SourceDocument | undefined {
  const at = nestingTooDeep(text);
  if (at < 0) return undefined;
  const d = diag('too-deep', `nesting deeper than ${MAX_NESTING} levels; a DAMON config is never this deep, so the file was not parsed`, {
    start: at,
    end: Math.min(text.length, at + 1),
  });
  return { range: { start: 0, end: text.length }, root: null, diagnostics: [d] };
}

/**
 * Parse YAML into source documents. `opts.info.fast` is set to whether the js-yaml fast path built
 * the tree (incremental analysis needs to know which parser a whole-document check would have used).
 * `fast: false` skips the fast path; `fast: 'only'` returns [] when the fast path does not take the text.
 */
export function parseYaml(text: string, opts: { fast?: boolean | 'only'; info?: { fast: boolean } } = {}): SourceDocument[] {
  if (opts.info) opts.info.fast = false;
  const deep = refuseDeep(text);
  if (deep) return opts.fast === 'only' ? [] : [deep];
  if (opts.fast !== false) {
    const quick = parseYamlFast(text);
    if (quick) {
      if (opts.info) opts.info.fast = true;
      return quick;
    }
    // `fast: 'only'`: nothing when the fast path does not take the text
    if (opts.fast === 'only') return [];
  }
  let docs: YAML.Document.Parsed[];
  try {
    docs = YAML.parseAllDocuments(text, { schema: 'failsafe', prettyErrors: false, uniqueKeys: true, strict: false }) as YAML.Document.Parsed[];
  } catch (e) {
    const deep = e instanceof RangeError;
    return [
      {
        range: { start: 0, end: text.length },
        root: null,
        diagnostics: [
          diag(
            deep ? 'too-deep' : 'yaml-syntax',
            deep ? 'nesting too deep to read; a DAMON config is never this deep' : `YAML could not be read: ${(e as Error).message}`,
            { start: 0, end: Math.min(text.length, 1) },
          ),
        ],
      },
    ];
  }
  if (!Array.isArray(docs)) docs = [docs];
  const out: SourceDocument[] = [];
  for (const d of docs) {
    const conv = new YamlConverter(text, d);
    const diagnostics: CoreDiagnostic[] = [];
    for (const e of d.errors) {
      const code = e.code === 'DUPLICATE_KEY' ? 'yaml-duplicate-key' : 'yaml-syntax';
      const msg = e.code === 'DUPLICATE_KEY' ? 'duplicate key: damo (PyYAML) silently keeps only the last one' : firstLine(e.message);
      diagnostics.push(diag(code, msg, { start: e.pos[0], end: Math.max(e.pos[1], e.pos[0] + 1) }));
    }
    for (const w of d.warnings) {
      diagnostics.push(diag('yaml-syntax', firstLine(w.message), { start: w.pos[0], end: Math.max(w.pos[1], w.pos[0] + 1) }, 'warning'));
    }
    let root: SNode | null;
    try {
      root = conv.convert(d.contents, 0);
    } catch (e) {
      if (!(e instanceof AliasLimit)) throw e;
      root = null;
      diagnostics.push(
        diag(
          'yaml-alias-limit',
          `aliases expand to more than ${MAX_ALIAS_NODES.toLocaleString('en-US')} nodes (a "billion laughs" document?); the document was not read`,
          e.range,
        ),
      );
    }
    diagnostics.push(...conv.diagnostics);
    out.push({ range: { start: d.range[0], end: d.range[2] }, root, diagnostics });
  }
  if (out.length === 0) out.push({ range: { start: 0, end: text.length }, root: null, diagnostics: [] });
  return out;
}

// ---------------------------------------------------------------------------------------------
// JSON

function convertJson(node: jsonc.Node, depth: number, diagnostics: CoreDiagnostic[]): SNode | null {
  const range = { start: node.offset, end: node.offset + node.length };
  if (depth > MAX_DEPTH) {
    diagnostics.push(diag('too-deep', `nesting deeper than ${MAX_DEPTH} levels; a DAMON config is never this deep`, range));
    return null;
  }
  switch (node.type) {
    case 'object': {
      const pairs: SPair[] = [];
      const seen = new Map<string, SScalar>();
      for (const prop of node.children ?? []) {
        const [k, v] = prop.children ?? [];
        if (!k) continue;
        const key: SScalar = { kind: 'scalar', range: { start: k.offset, end: k.offset + k.length }, value: String(k.value), source: '', quoted: true };
        if (seen.has(String(k.value))) {
          diagnostics.push(diag('json-duplicate-key', 'duplicate key: damo (Python json) silently keeps only the last one', key.range));
        }
        seen.set(String(k.value), key);
        const value = v ? convertJson(v, depth + 1, diagnostics) : null;
        pairs.push({ key, value, range: { start: prop.offset, end: prop.offset + prop.length } });
      }
      return { kind: 'map', range, pairs, flow: true };
    }
    case 'array': {
      const items: SNode[] = [];
      for (const c of node.children ?? []) {
        const it = convertJson(c, depth + 1, diagnostics);
        if (it) items.push(it);
      }
      return { kind: 'seq', range, items, flow: true };
    }
    case 'string':
      return { kind: 'scalar', range, value: node.value as string, source: '', quoted: true };
    case 'number':
    case 'boolean':
    case 'null':
      return { kind: 'scalar', range, value: node.value as ScalarValue, source: '', quoted: false };
    default:
      return null;
  }
}

/** How far before a JSON syntax error its message looks (for a trailing comma). */
export const JSON_ERROR_CONTEXT = 50;

/**
 * Parse a JSON document. `source`: `text` is a part of a larger text (the incremental check parses
 * one kdamond at a time), which starts at `shift` in `source.text`; messages that look at the text
 * around an error read the larger text there.
 */
export function parseJson(text: string, source?: { text: string; shift: number }): SourceDocument {
  const deep = refuseDeep(text);
  if (deep) return deep;
  const errors: jsonc.ParseError[] = [];
  let tree: jsonc.Node | undefined;
  const diagnostics: CoreDiagnostic[] = [];
  try {
    tree = jsonc.parseTree(text, errors, { allowTrailingComma: false, disallowComments: true, allowEmptyContent: false });
  } catch (e) {
    const deep = e instanceof RangeError;
    diagnostics.push(
      diag(
        deep ? 'too-deep' : 'json-syntax',
        deep ? 'nesting too deep to read; a DAMON config is never this deep' : `JSON could not be read: ${(e as Error).message}`,
        { start: 0, end: Math.min(1, text.length) },
      ),
    );
  }
  const around = (offset: number): string => {
    const base = source?.text ?? text;
    const at = offset + (source?.shift ?? 0);
    return base.slice(Math.max(0, at - JSON_ERROR_CONTEXT), at + 2);
  };
  for (const e of errors) {
    const what = jsonc.printParseErrorCode(e.error);
    const human: Record<string, string> = {
      InvalidSymbol: 'invalid symbol',
      InvalidNumberFormat: 'invalid number',
      PropertyNameExpected: 'property name expected',
      ValueExpected: 'value expected',
      ColonExpected: 'colon expected',
      CommaExpected: 'comma expected',
      CloseBraceExpected: 'closing brace expected',
      CloseBracketExpected: 'closing bracket expected',
      EndOfFileExpected: 'end of file expected',
      InvalidCommentToken: 'comments are not allowed in JSON (damo uses Python json)',
      UnexpectedEndOfComment: 'unexpected end of comment',
      UnexpectedEndOfString: 'unterminated string',
      UnexpectedEndOfNumber: 'unexpected end of number',
      InvalidUnicode: 'invalid unicode escape',
      InvalidEscapeCharacter: 'invalid escape character',
      InvalidCharacter: 'invalid character',
    };
    const msg = human[what] ?? what;
    const trailing = what === 'PropertyNameExpected' || what === 'ValueExpected';
    diagnostics.push(
      diag('json-syntax', trailing && /,\s*[}\]]/.test(around(e.offset)) ? `${msg} (trailing commas are not allowed in JSON)` : msg, {
        start: e.offset,
        end: e.offset + Math.max(1, e.length),
      }),
    );
  }
  const root = tree ? convertJson(tree, 0, diagnostics) : null;
  return { range: { start: 0, end: text.length }, root, diagnostics };
}

export function formatFor(fileName: string | undefined, text: string): SourceFormat {
  if (fileName && /\.json$/i.test(fileName)) return 'json';
  if (fileName && /\.ya?ml$/i.test(fileName)) return 'yaml';
  return /^\s*[{[]/.test(text) && !/^\s*\{\s*\w+\s*:/.test(text) ? 'json' : 'yaml';
}

// ---------------------------------------------------------------------------------------------
// Tree helpers

export function mapGet(node: SNode | null | undefined, key: string): SNode | null | undefined {
  if (!node || node.kind !== 'map') return undefined;
  let found: SPair | undefined;
  for (const p of node.pairs) if (p.key.value === key) found = p; // last wins, like PyYAML/json
  return found ? found.value : undefined;
}

export function mapPair(node: SNode | null | undefined, key: string): SPair | undefined {
  if (!node || node.kind !== 'map') return undefined;
  let found: SPair | undefined;
  for (const p of node.pairs) if (p.key.value === key) found = p;
  return found;
}

/** Plain JS value of a tree, for the schema pass. */
export function toJS(node: SNode | null | undefined): unknown {
  if (!node) return null;
  switch (node.kind) {
    case 'scalar':
      return node.value;
    case 'seq':
      return node.items.map(toJS);
    case 'map': {
      const o: Record<string, unknown> = {};
      for (const p of node.pairs) o[String(p.key.value)] = toJS(p.value);
      return o;
    }
  }
}

/** Walk down a config path. Returns the deepest node reached and the pair owning it (for key ranges). */
export function nodeAtPath(root: SNode | null, path: (string | number)[]): { node: SNode | null; pair?: SPair; depth: number } {
  let cur: SNode | null = root;
  let pair: SPair | undefined;
  let depth = 0;
  for (const seg of path) {
    if (!cur) break;
    if (typeof seg === 'number' && cur.kind === 'seq') {
      const next: SNode | undefined = cur.items[seg];
      if (!next) break;
      cur = next;
      pair = undefined;
    } else if (cur.kind === 'map') {
      const p = mapPair(cur, String(seg));
      if (!p) break;
      pair = p;
      if (!p.value) {
        depth++;
        return { node: null, pair, depth };
      }
      cur = p.value;
    } else break;
    depth++;
  }
  return { node: cur, pair, depth };
}

/** Path from the root to the innermost node containing `offset` (for hover/completion). */
export function pathAtOffset(root: SNode | null, offset: number): { path: (string | number)[]; node: SNode | null; onKey: boolean; pair?: SPair } {
  const path: (string | number)[] = [];
  let cur: SNode | null = root;
  let onKey = false;
  let pair: SPair | undefined;
  while (cur) {
    if (cur.kind === 'map') {
      const p = cur.pairs.find((q) => offset >= q.key.range.start && offset <= (q.value ? Math.max(q.value.range.end, q.key.range.end) : q.key.range.end));
      if (!p) break;
      path.push(String(p.key.value));
      pair = p;
      if (offset <= p.key.range.end) {
        onKey = true;
        return { path, node: p.key, onKey, pair };
      }
      cur = p.value;
      if (!cur) return { path, node: null, onKey: false, pair };
      continue;
    }
    if (cur.kind === 'seq') {
      const i = cur.items.findIndex((it) => offset >= it.range.start && offset <= it.range.end);
      if (i < 0) break;
      path.push(i);
      cur = cur.items[i];
      continue;
    }
    return { path, node: cur, onKey, pair };
  }
  return { path, node: cur, onKey, pair };
}
