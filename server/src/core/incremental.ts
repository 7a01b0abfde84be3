/**
 * Incremental check: the same result as `checkText`, recomputing only the top-level kdamond items
 * whose text changed since the previous check of the same document.
 *
 * A DAMON config is a list of independent kdamonds. The text is split (one line scan) into a header
 * (comments and the `kdamonds:` line) and one region per item of the `kdamonds` block sequence. Each
 * item is parsed on its own (as `kdamonds:\n` + its text, offsets shifted back), schema-checked,
 * lowered and run through every rule that only looks inside one kdamond; all of that is cached per
 * item (index + text). Items that did not change are reused (their offsets shifted in place when an
 * edit before them changed the length). The few rules that compare kdamonds with each other
 * (CROSS_ITEM_RULES: tiering pairs and node sums) run on the KConfig assembled from the cached
 * per-item lowered values. Anything the splitter does not recognise (JSON, several documents,
 * anchors/aliases/merge keys, tabs, CR line ends, other top-level keys, flow `kdamonds: [...]`, an
 * edit that changes the item structure so an item no longer parses as one item) falls back to a full
 * `checkText`. `test/core/incremental.test.ts` checks that the result is identical to `checkText`
 * on random edit sequences, including the states a file is in while someone types.
 *
 * Pure: no I/O, no editor types.
 */
import { checkText, kernelOf, resolveRange, ruleContext, runRule, type CheckOptions, type CheckResult, type CheckedDocument } from './check';
import { finishDiagnostics, type ConfigPath, type CoreDiagnostic, type OffsetRange } from './diagnostic';
import { explainIndentation } from './parse/indentation';
import { commonPrefix, commonSuffix } from './parse/lines';
import type { KKdamond } from './model/kernel';
import { lowerDocument, type LoweredDocument } from './model/lower';
import type { ParsedValue } from './model/units';
import {
  formatFor,
  JSON_ERROR_CONTEXT,
  nodeAtPath,
  parseJson,
  parseYaml,
  passesFastScreen,
  type SMap,
  type SNode,
  type SourceFormat,
  type SPair,
  type SScalar,
  type SSeq,
} from './parse/tree';
import { nestingTooDeep } from './parse/guard';
import type { MachineProfile } from './profile';
import { RULES } from './rules/index';
import { schemaDiagnostics } from './schema/validate';
import { indexTiering, tierGroups, tieringGoals, type TierGoal, type TierGroup, type TierGrouping } from './rules/tiering-lib';

/** Rules that compare kdamonds with each other (`crossItem`): run per group of tiering goals on the assembled config. */
export const CROSS_ITEM_RULES = new Set(RULES.filter((r) => r.crossItem).map((r) => r.id));

const PREFIX = 'kdamonds:\n';
/** Whole-document features that make items depend on each other (or on the parser's document handling). */
const NOT_SPLITTABLE = /(?:^|[\s[{,:-])[&*]|<<|^(?:---|\.\.\.)(?:[ \n]|$)|^%|[\t\r]/m;
const HEADER_KEY = /^kdamonds:[ ]*(?:#.*)?$/;

export interface ItemSpan {
  start: number;
  end: number;
}

export interface Split {
  /** offset of `kdamonds` in the header */
  keyStart: number;
  /** the item regions: from the start of an item's `- ` line to the start of the next one (the last to the end) */
  items: ItemSpan[];
  /** JSON: where the text after the items starts (the line of the closing `]`) */
  footer?: number;
}

/** Split a block-YAML config into its `kdamonds` items, or undefined when its layout is anything else. */
export function splitItems(text: string): Split | undefined {
  return NOT_SPLITTABLE.test(text) ? undefined : splitLines(text);
}

/** The line scan of splitItems; the NOT_SPLITTABLE test is left to the caller (per changed item). */
export function splitLines(text: string): Split | undefined {
  let phase: 'header' | 'seek' | 'items' = 'header';
  let keyStart = -1;
  let indent = -1;
  const starts: number[] = [];
  let pos = 0;
  while (pos < text.length) {
    let nl = text.indexOf('\n', pos);
    if (nl < 0) nl = text.length;
    let i = pos;
    while (i < nl && text.charCodeAt(i) === 32) i++;
    const blank = i === nl || text.charCodeAt(i) === 35; // empty, spaces only, or a comment
    if (!blank) {
      if (phase === 'header') {
        if (i !== pos || !HEADER_KEY.test(text.slice(pos, nl))) return undefined;
        keyStart = pos;
        phase = 'seek';
      } else {
        const ind = i - pos;
        const dash = text.charCodeAt(i) === 45 && (i + 1 === nl || text.charCodeAt(i + 1) === 32);
        if (phase === 'seek') {
          if (!dash) return undefined;
          indent = ind;
          phase = 'items';
          starts.push(pos);
        } else if (ind === indent && dash) starts.push(pos);
        else if (ind <= indent) return undefined;
      }
    }
    pos = nl + 1;
  }
  if (starts.length === 0) return undefined;
  const items = starts.map((start, k) => ({ start, end: k + 1 < starts.length ? starts[k + 1] : text.length }));
  return { keyStart, items };
}

/**
 * `splitLines(text)` for an edited text, from the previous version's split: the common prefix and
 * suffix (`pre`, `suf` characters) are unchanged, so only the lines from the item holding the first
 * changed line to the first item start after the change are scanned; the other item starts are
 * copied (shifted by the change in length). Edits in the header or the first item scan everything.
 */
export function splitEdited(prevText: string, prev: Split, text: string, pre: number, suf: number): Split | undefined {
  const items = prev.items;
  const lineStart = pre === 0 ? 0 : text.lastIndexOf('\n', pre - 1) + 1;
  if (items.length < 2 || lineStart < items[1].start) return splitLines(text);
  let k = 1;
  while (k + 1 < items.length && items[k + 1].start <= lineStart) k++;
  const delta = text.length - prevText.length;
  // the first old item start past the change, with one more character (the line break before it is unchanged)
  const oldEnd = prevText.length - suf + 1;
  let j = k + 1;
  while (j < items.length && items[j].start <= oldEnd) j++;
  const stop = j < items.length ? items[j].start + delta : text.length;
  let indent = items[0].start;
  while (text.charCodeAt(indent) === 32) indent++;
  indent -= items[0].start;
  const starts = items.slice(0, k).map((it) => it.start);
  for (let pos = items[k].start; pos < stop;) {
    let nl = text.indexOf('\n', pos);
    if (nl < 0) nl = text.length;
    let i = pos;
    while (i < nl && text.charCodeAt(i) === 32) i++;
    if (!(i === nl || text.charCodeAt(i) === 35)) {
      const ind = i - pos;
      const dash = text.charCodeAt(i) === 45 && (i + 1 === nl || text.charCodeAt(i + 1) === 32);
      if (ind === indent && dash) starts.push(pos);
      else if (ind <= indent) return undefined;
    }
    pos = nl + 1;
  }
  for (; j < items.length; j++) starts.push(items[j].start + delta);
  return { keyStart: prev.keyStart, items: starts.map((start, n) => ({ start, end: n + 1 < starts.length ? starts[n + 1] : text.length })) };
}

const JSON_HEADER = /^([ \t\r\n]*)\{([ \t\r\n]*)"kdamonds"[ \t\r\n]*:[ \t\r\n]*\[[ \t\r]*\n/;
const JSON_FOOTER = /^[ \t\r\n]*\][ \t\r\n]*\}[ \t\r\n]*$/;

/**
 * Split a JSON config laid out one kdamond per block of lines (as `JSON.stringify(config, null, n)`
 * and editors write it): `{ "kdamonds": [` and a line break, then each item from a line that starts
 * with `{` at the items' indent to the next such line, then the line of the closing `]` and `}`.
 * Undefined for any other layout (one line, other top-level keys, …). The split is only a proposal:
 * each item is then proven to parse alone as it does in the whole text (parseJsonItem).
 */
export function splitJson(text: string): Split | undefined {
  const m = JSON_HEADER.exec(text);
  if (!m) return undefined;
  const keyStart = m[1].length + 1 + m[2].length;
  const starts: number[] = [];
  let indent = -1;
  let pos = m[0].length;
  while (pos < text.length) {
    let nl = text.indexOf('\n', pos);
    if (nl < 0) nl = text.length;
    let i = pos;
    while (i < nl && text.charCodeAt(i) === 32) i++;
    const c = text.charCodeAt(i);
    if (i < nl && !(c === 13 && i + 1 === nl)) {
      const ind = i - pos;
      if (indent < 0) {
        if (c !== 123) return undefined; // '{'
        indent = ind;
      }
      if (ind < indent) {
        if (!JSON_FOOTER.test(text.slice(pos))) return undefined;
        if (starts.length === 0) return undefined;
        return { keyStart, footer: pos, items: starts.map((start, k) => ({ start, end: k + 1 < starts.length ? starts[k + 1] : pos })) };
      }
      if (ind === indent && c === 123) starts.push(pos);
    }
    pos = nl + 1;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// shifting cached offsets in place

function shiftRange(r: OffsetRange, delta: number): void {
  r.start += delta;
  r.end += delta;
}

function shiftNode(n: SNode | null, delta: number): void {
  if (!n) return;
  shiftRange(n.range, delta);
  if (n.kind === 'map') {
    for (const p of n.pairs) {
      shiftRange(p.range, delta);
      shiftRange(p.key.range, delta);
      shiftNode(p.value, delta);
    }
  } else if (n.kind === 'seq') {
    for (const it of n.items) shiftNode(it, delta);
  }
}

function shiftDiagnostics(ds: CoreDiagnostic[], delta: number): void {
  for (const d of ds) {
    shiftRange(d.range, delta);
    for (const r of d.related ?? []) shiftRange(r.range, delta);
    for (const f of d.fixes ?? []) for (const e of f.edits) shiftRange(e.range, delta);
  }
}

/**
 * Give every cached diagnostic its own range objects (rules and the schema pass often hand out a
 * node's range object), so shifting an item moves each range exactly once.
 */
function ownRanges(ds: CoreDiagnostic[]): void {
  for (const d of ds) {
    d.range = { start: d.range.start, end: d.range.end };
    if (d.related) d.related = d.related.map((r) => ({ ...r, range: { start: r.range.start, end: r.range.end } }));
    if (d.fixes) d.fixes = d.fixes.map((f) => ({ ...f, edits: f.edits.map((e) => ({ ...e, range: { start: e.range.start, end: e.range.end } })) }));
  }
}

function remapPath(p: ConfigPath | undefined, index: number, from: number): ConfigPath | undefined {
  if (!p || p[0] !== 'kdamonds' || p[1] !== from || index === from) return p;
  const q = [...p];
  q[1] = index;
  return q;
}

/** Paths of an item's findings say which kdamond they are in: move them from index `from` to `index`. */
function remapDiagnostics(ds: CoreDiagnostic[], index: number, from = 0): void {
  if (index === from) return;
  for (const d of ds) {
    if (d.path) d.path = remapPath(d.path, index, from);
    if (d.related) d.related = d.related.map((r) => (r.path ? { ...r, path: remapPath(r.path, index, from)! } : r));
  }
}

/**
 * A Map assembled from the items' maps on first use: editor features that read parsed values (hover,
 * inlay hints) pay for the merge, the diagnostics after an edit do not.
 */
class MergedMap<K, V> extends Map<K, V> {
  private parts: Map<K, V>[] | undefined;

  constructor(parts: Map<K, V>[]) {
    super();
    this.parts = parts;
  }

  private fill(): void {
    const parts = this.parts;
    if (!parts) return;
    this.parts = undefined;
    for (const m of parts) for (const [k, v] of m) super.set(k, v);
  }

  override get(k: K): V | undefined {
    this.fill();
    return super.get(k);
  }

  override has(k: K): boolean {
    this.fill();
    return super.has(k);
  }

  override set(k: K, v: V): this {
    this.fill();
    return super.set(k, v);
  }

  override delete(k: K): boolean {
    this.fill();
    return super.delete(k);
  }

  override clear(): void {
    this.parts = undefined;
    super.clear();
  }

  override get size(): number {
    this.fill();
    return super.size;
  }

  override forEach(cb: (v: V, k: K, m: Map<K, V>) => void, thisArg?: unknown): void {
    this.fill();
    super.forEach(cb, thisArg);
  }

  override entries(): MapIterator<[K, V]> {
    this.fill();
    return super.entries();
  }

  override keys(): MapIterator<K> {
    this.fill();
    return super.keys();
  }

  override values(): MapIterator<V> {
    this.fill();
    return super.values();
  }

  override [Symbol.iterator](): MapIterator<[K, V]> {
    this.fill();
    return super[Symbol.iterator]();
  }
}

// ---------------------------------------------------------------------------------------------
// one item

interface ItemEntry {
  index: number;
  text: string;
  /** offset the item starts at now (its cached diagnostics are shifted there at once) */
  start: number;
  /**
   * offset the item's tree is at: trees are shifted lazily (materialize), when a cross-item rule
   * reads them or the result's tree is used, not on every edit before them
   */
  treeAt: number;
  /** built by the js-yaml fast path */
  fast: boolean;
  node: SNode;
  /** parse diagnostics, in the order a whole-document parse reports them: errors, warnings, the rest */
  parseErrors: CoreDiagnostic[];
  parseWarnings: CoreDiagnostic[];
  parseOther: CoreDiagnostic[];
  schema: CoreDiagnostic[];
  lower: CoreDiagnostic[];
  /** per rule (index in RULES) the findings of item-local rules */
  rules: CoreDiagnostic[][];
  /** the item's promotion and demotion goals (paths at this item's index), what the cross-item rules read */
  promotions: ItemGoal[];
  demotions: ItemGoal[];
  kdamond: KKdamond;
  values: Map<SScalar, ParsedValue>;
  patternUnits: LoweredDocument['patternUnits'];
  /** the first line of the next item this item's syntax errors were found not to spill into */
  containedBefore?: string;
  /**
   * its tree became a newer version's (spliceParse): never reused again, also not by another check
   * handed the same previous state
   */
  dead?: boolean;
}

/** A tiering goal of one item with what the cross-item rules read of it. */
interface ItemGoal extends TierGoal {
  /** what the cross-item rules read of the goal, as text (no kdamond index: the paths are re-derived) */
  fact: string;
  /** the item the goal is in (its tree may not be shifted yet: see ItemEntry.treeAt) */
  owner: ItemEntry;
  /** ranges below the goal (rangeBelow), shared by the goal's copies at other indexes */
  ranges: Map<string, OffsetRange | null>;
}

/** A tiering goal moved to the item at `index` (its paths say which kdamond it is in). */
function goalAt(t: ItemGoal, index: number, from: number): ItemGoal {
  if (index === from) return t;
  const ref = { ...t.ref, path: remapPath(t.ref.path, index, from)!, contextPath: remapPath(t.ref.contextPath, index, from)!, kdamond: index };
  return { ...t, ref, goalPath: remapPath(t.goalPath, index, from)! };
}

interface Env {
  format: SourceFormat;
  /** kdamonds whose parse reused their previous tree outside one entry (spliceParse) */
  spliced: number;
  text: string;
  kernelKey: string;
  profile?: MachineProfile;
  opts: CheckOptions;
}

/** The `kdamonds` sequence of a parsed document, if that is all the document is. */
function kdamondsSeq(docs: { root: SNode | null }[]): SSeq | undefined {
  if (docs.length !== 1) return undefined;
  const root = docs[0].root;
  if (!root || root.kind !== 'map' || root.pairs.length !== 1 || root.pairs[0].key.value !== 'kdamonds') return undefined;
  const seq = root.pairs[0].value;
  return seq && seq.kind === 'seq' && !seq.flow ? seq : undefined;
}

/**
 * Parse one item. Well-formed items take the fast path alone. Any other item is read by the `yaml`
 * library together with the first line of the next item (`next`), in one parse: that gives the item
 * as the whole document reads it and, for an item with syntax errors, the proof that they are
 * contained (see errorsContained; `contained` is then that first line).
 */
function parseItem(
  text: string,
  span: ItemSpan,
  next?: ItemSpan,
): { node: SNode; fast: boolean; diagnostics: CoreDiagnostic[]; contained?: string } | undefined {
  const src = PREFIX + text.slice(span.start, span.end);
  const info = { fast: false };
  let docs = parseYaml(src, { info, fast: next ? 'only' : true });
  let contained: string | undefined;
  if (next && !info.fast) {
    const first = firstLine(text, next);
    docs = parseYaml(src + first, { fast: false });
    const seq = kdamondsSeq(docs);
    if (!seq || seq.items.length !== 2) return undefined;
    for (const d of docs[0].diagnostics) if (d.range.end > src.length) return undefined;
    if (!sameAsAlone(seq.items[1], src.length, first)) return undefined;
    seq.items.pop();
    contained = first;
  }
  const seq = kdamondsSeq(docs);
  if (!seq || seq.items.length !== 1) return undefined;
  const node = seq.items[0];
  // a bare `-`: the yaml library places the null item at its sequence's start, which is another item's
  if (node.kind === 'scalar' && node.source === '' && node.value === null) return undefined;
  const diagnostics = docs[0].diagnostics;
  for (const d of diagnostics) if (d.range.start < PREFIX.length) return undefined;
  const delta = span.start - PREFIX.length;
  shiftNode(node, delta);
  shiftDiagnostics(diagnostics, delta);
  return { node, fast: info.fast, diagnostics, contained };
}

/** An item's first line, read right after another item, reads exactly as it does alone (a new, clean `kdamonds` item). */
function sameAsAlone(item: SNode, at: number, first: string): boolean {
  const alone = parseYaml(PREFIX + first, { fast: false });
  const seq = kdamondsSeq(alone);
  return !!seq && seq.items.length === 1 && alone[0].diagnostics.length === 0 && shapeOf(item, at) === shapeOf(seq.items[0], PREFIX.length);
}

const nodeKind = (n: SNode | null | undefined): string => (n === undefined ? 'missing' : n === null ? 'null' : n.kind);

function syntheticRoot(node: SNode, keyStart: number, format: SourceFormat): SMap {
  const json = format === 'json';
  const key: SScalar = json
    ? { kind: 'scalar', range: { start: keyStart, end: keyStart + 10 }, value: 'kdamonds', source: '', quoted: true }
    : { kind: 'scalar', range: { start: keyStart, end: keyStart + 8 }, value: 'kdamonds', source: 'kdamonds', quoted: false };
  const seq: SSeq = { kind: 'seq', range: { start: node.range.start, end: node.range.end }, items: [node], flow: json };
  const pair: SPair = { key, value: seq, range: { start: keyStart, end: node.range.end } };
  return { kind: 'map', range: { start: keyStart, end: node.range.end }, pairs: [pair], flow: json };
}

const JSON_PREFIX = '{"kdamonds":[';
/** JSON's whitespace: space, tab, line feed, carriage return */
const jsonSpace = (c: number): boolean => c === 32 || c === 9 || c === 10 || c === 13;

/**
 * Parse one kdamond of a JSON config (splitJson) as the whole text reads it, or undefined when that
 * is not proven. The item is parsed in `{"kdamonds":[` + its text + `,{}]}` (the comma after it kept
 * in place, the last item without it) — the parser's state where the item starts is then the same
 * as in the whole text (inside the kdamonds array, a value expected), and it reads the same tokens.
 * When the empty object after the comma comes out as the array's next element, with no error at or
 * after the comma, the parser was back in the kdamonds array at the comma (an item with syntax errors
 * too: jsonc-parser's recovery stayed inside the item), which is where the whole text's next item
 * starts; the last item must end at `]` the same way. Syntax errors near the item's start are
 * refused: their message reads text before the item (a trailing comma), which may change alone.
 */
function parseJsonItem(
  text: string,
  span: ItemSpan,
  last: boolean,
): { node: SNode; fast: boolean; diagnostics: CoreDiagnostic[]; contained?: string } | undefined {
  const region = text.slice(span.start, span.end);
  let first = 0;
  while (first < region.length && jsonSpace(region.charCodeAt(first))) first++;
  if (region.charCodeAt(first) !== 123) return undefined; // '{'
  let body = region;
  if (!last) {
    let k = region.length - 1;
    while (k > first && jsonSpace(region.charCodeAt(k))) k--;
    if (region.charCodeAt(k) !== 44) return undefined; // ','
    // the comma stays where it is: everything up to it reads as in the whole text
    body = region.slice(0, k + 1);
  }
  const src = JSON_PREFIX + body + (last ? '' : '{}') + ']}';
  const shift = span.start - JSON_PREFIX.length;
  const doc = parseJson(src, { text, shift });
  const root = doc.root;
  if (!root || root.kind !== 'map' || root.pairs.length !== 1) return undefined;
  const seq = root.pairs[0].value;
  if (!seq || seq.kind !== 'seq' || seq.items.length !== (last ? 1 : 2)) return undefined;
  const end = JSON_PREFIX.length + (last ? body.length : body.length - 1);
  const node = seq.items[0];
  if (node.range.start !== JSON_PREFIX.length + first || node.kind !== 'map') return undefined;
  if (!last) {
    const sentinel = seq.items[1];
    if (sentinel.kind !== 'map' || sentinel.pairs.length !== 0 || sentinel.range.start !== JSON_PREFIX.length + body.length) return undefined;
  }
  for (const d of doc.diagnostics) {
    if (d.range.start >= end || d.code === 'too-deep') return undefined;
    if (d.code === 'json-syntax' && d.range.start - JSON_ERROR_CONTEXT < JSON_PREFIX.length + first) return undefined;
  }
  // (a duplicate key's finding holds the key's own range object: shift each range once)
  ownRanges(doc.diagnostics);
  shiftNode(node, shift);
  shiftDiagnostics(doc.diagnostics, shift);
  return { node, fast: false, diagnostics: doc.diagnostics };
}

/** The edit, in the previous text's offsets: [pre, oldEnd) became [pre, oldEnd + delta). */
interface Edit {
  pre: number;
  oldEnd: number;
  delta: number;
}

/**
 * Parse a rebuilt kdamond by reparsing only the entry of a block sequence (a context, scheme, goal,
 * filter, …) that holds the edit, in the previous version's tree of the same kdamond (`old`, at the
 * same offset, read by the fast path). The entry's region runs from its `- ` line to the next
 * entry's `- ` line (the last entry of a sequence is not a unit: where it ends depends on what
 * follows); the edit lies after its `- `. The region is read alone by the fast path (a block sequence
 * of one entry at the same column: YAML reads an entry's lines the same wherever the sequence is),
 * every later line keeps its tree, shifted by the change in length. Conditions, so that the result is
 * what parsing the whole kdamond gives: the whole new kdamond passes the fast path's screens
 * (passesFastScreen), the region's lines after the first are indented past its `- `, and the region
 * reads as one entry of the same kind. Syntax errors the fast path reports (half-typed keys) are
 * line-local: the previous ones outside the region are kept (shifted), the region's added. Changes
 * `old`'s tree in place (the previous version's entry is replaced by this one).
 */
function spliceParse(
  text: string,
  span: ItemSpan,
  old: ItemEntry,
  edit: Edit,
): { node: SNode; fast: boolean; diagnostics: CoreDiagnostic[]; contained?: string } | undefined {
  if (!old.fast || old.start !== span.start || edit.pre < span.start) return undefined;
  const oldText = old.text;
  // the innermost block-sequence entry holding the edit, with a next entry
  materialize(old);
  let best: { seq: SSeq; k: number; from: number; to: number; col: number } | undefined;
  const visit = (n: SNode | null): void => {
    if (!n) return;
    if (n.kind === 'map') {
      for (const p of n.pairs) if (p.value && p.value.range.start <= edit.pre && edit.oldEnd <= p.value.range.end + 1) visit(p.value);
      return;
    }
    if (n.kind !== 'seq' || n.flow) return;
    for (let k = 0; k < n.items.length; k++) {
      const it = n.items[k];
      if (k + 1 === n.items.length) {
        // the last entry is no unit itself, but an entry inside it may be
        if (it.range.start <= edit.pre) visit(it);
        return;
      }
      const from = oldText.lastIndexOf('\n', it.range.start - old.start - 1) + 1 + old.start;
      const nextAt = n.items[k + 1].range.start;
      const to = oldText.lastIndexOf('\n', nextAt - old.start - 1) + 1 + old.start;
      if (edit.pre < from || edit.oldEnd > to) continue;
      let col = from;
      while (text.charCodeAt(col) === 32) col++;
      if (text.charCodeAt(col) !== 45 || text.charCodeAt(col + 1) !== 32 || edit.pre < col + 2) return;
      best = { seq: n, k, from, to, col: col - from };
      visit(it);
      return;
    }
  };
  visit(old.node);
  if (!best) return undefined;
  const { seq, k, from, to, col } = best;
  const oldItem = seq.items[k];
  if (oldItem.kind === 'scalar') return undefined;
  const region = text.slice(from, to + edit.delta);
  // the region still ends with its line break (an edit that deleted it joins the next entry's line to it)
  if (region.charCodeAt(region.length - 1) !== 10) return undefined;
  // every line after the first indented past the `- ` (or blank or a comment)
  for (let at = region.indexOf('\n') + 1; at > 0 && at < region.length; at = region.indexOf('\n', at) + 1) {
    let i = at;
    while (region.charCodeAt(i) === 32) i++;
    const c = region.charCodeAt(i);
    if (i - at <= col && !(c === 10 || c === 35 || i === region.length)) return undefined;
  }
  if (!passesFastScreen(PREFIX + text.slice(span.start, span.end))) return undefined;
  const info = { fast: false };
  const docs = parseYaml(region, { fast: 'only', info });
  if (!info.fast || docs.length !== 1) return undefined;
  const root = docs[0].root;
  if (!root || root.kind !== 'seq' || root.flow || root.items.length !== 1 || root.items[0].kind !== oldItem.kind) return undefined;
  const node = root.items[0];
  shiftNode(node, from);
  const kept = [...old.parseErrors, ...old.parseWarnings, ...old.parseOther];
  const before = kept.filter((d) => d.range.end <= from);
  const later = kept.filter((d) => d.range.start >= to);
  // a previous error across the region's edges: not line-local after all
  if (before.length + later.length !== kept.length - kept.filter((d) => d.range.start >= from && d.range.end <= to).length) return undefined;
  shiftDiagnostics(docs[0].diagnostics, from);
  const diagnostics: CoreDiagnostic[] = [
    ...before.map((d) => ({ ...d, range: { ...d.range } })),
    ...docs[0].diagnostics,
    ...later.map((d) => ({ ...d, range: { start: d.range.start + edit.delta, end: d.range.end + edit.delta } })),
  ];
  // the rest of the tree: unchanged before the region, shifted after it
  const after = (r: OffsetRange): void => {
    if (r.start >= to) r.start += edit.delta;
    if (r.end >= to) r.end += edit.delta;
  };
  const move = (n: SNode | null): void => {
    if (!n || n === oldItem) return;
    after(n.range);
    if (n.kind === 'map') {
      for (const p of n.pairs) {
        after(p.range);
        after(p.key.range);
        move(p.value);
      }
    } else if (n.kind === 'seq') for (const it of n.items) move(it);
  };
  move(old.node);
  seq.items[k] = node;
  return { node: old.node, fast: true, diagnostics };
}

function buildItem(env: Env, split: Split, index: number, splice?: { old: ItemEntry; edit: Edit }): ItemEntry | undefined {
  const span = split.items[index];
  const json = env.format === 'json';
  if (!json && NOT_SPLITTABLE.test(env.text.slice(span.start, span.end))) return undefined;
  const spliced = splice && !json ? spliceParse(env.text, span, splice.old, splice.edit) : undefined;
  if (spliced) env.spliced++;
  const parsed = spliced ?? (json ? parseJsonItem(env.text, span, index === split.items.length - 1) : parseItem(env.text, span, split.items[index + 1]));
  if (!parsed) return undefined;
  const { node } = parsed;
  const parseErrors: CoreDiagnostic[] = [];
  const parseWarnings: CoreDiagnostic[] = [];
  const parseOther: CoreDiagnostic[] = [];
  for (const d of parsed.diagnostics) {
    if (d.severity === 'error' && (d.code === 'yaml-syntax' || d.code === 'yaml-duplicate-key' || d.code === 'json-syntax')) parseErrors.push(d);
    else if (d.severity === 'warning' && d.code === 'yaml-syntax') parseWarnings.push(d);
    else parseOther.push(d);
  }
  const root = syntheticRoot(node, split.keyStart, env.format);
  const schema = schemaDiagnostics(root, env.format);
  const lower: CoreDiagnostic[] = [];
  const lowered = lowerDocument(root, lower);
  const { kernel, kernelText } = kernelOf(env.opts);
  const ctx = ruleContext(env.text, env.format, root, lowered, env.opts, kernel, kernelText);
  const rules: CoreDiagnostic[][] = RULES.map((rule) => {
    if (CROSS_ITEM_RULES.has(rule.id)) return [];
    const out: CoreDiagnostic[] = [];
    runRule(rule, ctx, out);
    return out;
  });
  const tg = tieringGoals(ctx);
  const itemGoal = (t: TierGoal): ItemGoal =>
    goalAt(
      {
        ...t,
        owner: undefined as unknown as ItemEntry, // set below, once the entry exists
        ranges: new Map(),
        fact: JSON.stringify([
          t.ref.scheme.action,
          t.goal.metric,
          t.goal.targetValue,
          t.goalPath.slice(2),
          nodeKind(ctx.node([...t.goalPath, 'target_value'])),
          t.nid,
          t.cgroup,
        ]),
      },
      index,
      0,
    );
  const promotions = tg.promotions.map(itemGoal);
  const demotions = tg.demotions.map(itemGoal);
  for (const ds of [parsed.diagnostics, schema, lower, ...rules]) {
    ownRanges(ds);
    remapDiagnostics(ds, index);
  }
  const patternUnits: LoweredDocument['patternUnits'] = new Map();
  for (const [k, v] of lowered.patternUnits) patternUnits.set(index === 0 ? k : k.replace(/^kdamonds\/0\//, `kdamonds/${index}/`), v);
  const entry: ItemEntry = {
    index,
    text: env.text.slice(span.start, span.end),
    start: span.start,
    treeAt: span.start,
    fast: parsed.fast,
    node,
    parseErrors,
    parseWarnings,
    parseOther,
    schema,
    lower,
    rules,
    promotions,
    demotions,
    kdamond: lowered.kconfig.kdamonds[0],
    values: lowered.values,
    patternUnits,
    containedBefore: parsed.contained,
  };
  for (const t of [...promotions, ...demotions]) t.owner = entry;
  return entry;
}

/** An unchanged item that moved to another position in the list (an item inserted or deleted before it). */
function reindexItem(e: ItemEntry, index: number): void {
  if (e.index === index) return;
  for (const ds of [e.parseErrors, e.parseWarnings, e.parseOther, e.schema, e.lower, ...e.rules]) remapDiagnostics(ds, index, e.index);
  const units: LoweredDocument['patternUnits'] = new Map();
  for (const [k, v] of e.patternUnits) units.set(k.replace(/^kdamonds\/\d+\//, `kdamonds/${index}/`), v);
  e.patternUnits = units;
  e.promotions = e.promotions.map((t) => goalAt(t, index, e.index));
  e.demotions = e.demotions.map((t) => goalAt(t, index, e.index));
  e.index = index;
}

function moveItem(e: ItemEntry, start: number): void {
  if (e.start === start) return;
  const delta = start - e.start;
  for (const ds of [e.parseErrors, e.parseWarnings, e.parseOther, e.schema, e.lower, ...e.rules]) shiftDiagnostics(ds, delta);
  e.start = start;
}

/** Shift an item's tree to where the item is now. */
function materialize(e: ItemEntry): void {
  if (e.treeAt === e.start) return;
  shiftNode(e.node, e.start - e.treeAt);
  e.treeAt = e.start;
}

/** A tree's shape relative to its start, to compare the same item parsed in two places. */
function shapeOf(n: SNode | null, base: number): string {
  const parts: (string | number | boolean)[] = [];
  const walk = (x: SNode | null): void => {
    if (!x) {
      parts.push('~');
      return;
    }
    parts.push(x.kind, x.range.start - base, x.range.end - base);
    if (x.kind === 'scalar') parts.push(String(x.value), x.source, x.quoted, String(x.yaml12));
    else if (x.kind === 'seq') {
      parts.push(x.flow, x.items.length);
      x.items.forEach(walk);
    } else {
      parts.push(x.flow, x.pairs.length);
      for (const p of x.pairs) {
        parts.push(p.range.start - base, p.range.end - base);
        walk(p.key);
        walk(p.value);
      }
    }
  };
  walk(n);
  return JSON.stringify(parts);
}

/** The first line of an item (with its line break). */
function firstLine(text: string, span: ItemSpan): string {
  const nl = text.indexOf('\n', span.start);
  return text.slice(span.start, nl < 0 || nl >= span.end ? span.end : nl + 1);
}

/**
 * After a syntax error the yaml library may read the rest of the document as junk. An item's errors
 * are contained when the item followed by the first line of the next item (its `- ` line), parsed
 * together, give that line exactly as it reads alone (a new item of the `kdamonds` sequence), with no
 * error outside the item: the parser then starts the next item as it starts a document, so it and
 * every later item read as they do alone. (The parser reads line by line: what comes after that
 * first line cannot change how the item before it was read.)
 */
function errorsContained(text: string, item: ItemEntry, span: ItemSpan, nextSpan: ItemSpan): boolean {
  const first = firstLine(text, nextSpan);
  const src = PREFIX + text.slice(span.start, span.end);
  const docs = parseYaml(src + first, { fast: false });
  const seq = kdamondsSeq(docs);
  if (!seq || seq.items.length !== 2) return false;
  const delta = span.start - PREFIX.length;
  for (const d of docs[0].diagnostics) if (d.range.start < PREFIX.length || d.range.end > src.length) return false;
  const errors = docs[0].diagnostics.filter((d) => d.severity === 'error').length;
  if (errors !== item.parseErrors.length) return false;
  return shapeOf(seq.items[0], span.start - delta) === shapeOf(item.node, item.treeAt) && sameAsAlone(seq.items[1], src.length, first);
}

/**
 * Whole comment or blank lines after the last line of an item: `a` and `b` are the same but for such
 * lines added at the end of one of them. Only lines that every parser skips and that keep the item on
 * the js-yaml fast path (NEEDS_FULL_PARSER, trickyComments, NOT_SPLITTABLE look inside comments too):
 * an indented `#` with no `#`, `&`, `*`, `!`, `<`, tab or CR after it, or spaces only — but not
 * spaces as the text's last line without a line break: the whole-file parse then ends the document
 * after them (found by the random edit sequences).
 */
const COMMENT_TAIL = /^(?:(?:[ ]+#[^\n\t\r#&*!<]*|[ ]*)\n)*(?:[ ]+#[^\n\t\r#&*!<]*)?$/;

function commentTail(a: string, b: string): boolean {
  const [short, long] = a.length < b.length ? [a, b] : [b, a];
  return short.length > 0 && short.charCodeAt(short.length - 1) === 10 && long.startsWith(short) && COMMENT_TAIL.test(long.slice(short.length));
}

// ---------------------------------------------------------------------------------------------
// the document around the items

interface Frame {
  /** the texts the frame was computed from */
  header: string;
  first: string;
  last: string;
  lastStart: number;
  multi: boolean;
  fast: boolean;
  docRange: OffsetRange;
  rootRange: OffsetRange;
  pairRange: OffsetRange;
  key: SScalar;
  seqRange: OffsetRange;
}

/**
 * The document, root, `kdamonds` pair and sequence ranges depend on the header, the first item (where
 * the sequence starts), the last item and what follows it (where everything ends), and on which
 * parser reads the whole document. Parse just those parts (offsets mapped back), or shift the
 * previous frame when none of them changed.
 */
function frameOf(text: string, split: Split, fast: boolean, prev: Frame | undefined): Frame | undefined {
  const items = split.items;
  const first = items[0];
  const last = items[items.length - 1];
  const header = text.slice(0, first.start);
  const firstText = text.slice(first.start, first.end);
  const lastText = text.slice(last.start);
  const same = prev && prev.fast === fast && prev.header === header && prev.first === firstText && prev.multi === items.length > 1;
  if (same && prev.lastStart === last.start && prev.last !== lastText && commentTail(prev.last, lastText)) {
    // comment lines typed (or deleted) after the last line: only the document's end can move (to the new end of the text)
    const prevEnd = prev.lastStart + prev.last.length;
    const kept = last.start + Math.min(prev.last.length, lastText.length);
    if (prev.rootRange.end <= kept && prev.pairRange.end <= kept && prev.seqRange.end <= kept) {
      const docEnd = prev.docRange.end === prevEnd ? text.length : prev.docRange.end <= kept ? prev.docRange.end : -1;
      if (docEnd >= 0) return { ...prev, last: lastText, docRange: { start: prev.docRange.start, end: docEnd } };
    }
  }
  if (same && prev.last === lastText) {
    const delta = last.start - prev.lastStart;
    if (delta === 0) return prev;
    const end = (r: OffsetRange): OffsetRange => ({ start: r.start, end: r.end >= prev.lastStart ? r.end + delta : r.end });
    return {
      ...prev,
      lastStart: last.start,
      docRange: end(prev.docRange),
      rootRange: end(prev.rootRange),
      pairRange: end(prev.pairRange),
      seqRange: end(prev.seqRange),
    };
  }
  const skel = items.length > 1 ? text.slice(0, first.end) + lastText : text;
  const cut = items.length > 1 ? first.end : text.length;
  const gap = items.length > 1 ? last.start - first.end : 0;
  const map = (o: number): number => (o >= cut ? o + gap : o);
  const mapR = (r: OffsetRange): OffsetRange => ({ start: map(r.start), end: map(r.end) });
  const info = { fast: false };
  const docs = parseYaml(skel, { fast, info });
  if (docs.length !== 1 || info.fast !== fast) return undefined;
  const root = docs[0].root;
  if (!root || root.kind !== 'map' || root.pairs.length !== 1) return undefined;
  const pair = root.pairs[0];
  if (!pair.value || pair.value.kind !== 'seq') return undefined;
  return {
    header,
    first: firstText,
    last: lastText,
    lastStart: last.start,
    multi: items.length > 1,
    fast,
    docRange: mapR(docs[0].range),
    rootRange: mapR(root.range),
    pairRange: mapR(pair.range),
    seqRange: mapR(pair.value.range),
    key: { ...pair.key, range: mapR(pair.key.range) },
  };
}

/** The ranges around the items, the part of a frame the assembled document reads. */
type FrameRanges = Pick<Frame, 'docRange' | 'rootRange' | 'pairRange' | 'key' | 'seqRange'>;

/**
 * A JSON config's document, root, `kdamonds` pair and array ranges, from its header and footer
 * (splitJson matched them: `{ "kdamonds": [` before the items, `] }` after them).
 */
function jsonFrame(text: string, split: Split): FrameRanges | undefined {
  const m = JSON_HEADER.exec(text);
  if (!m || split.footer === undefined) return undefined;
  const rootStart = m[1].length;
  const keyStart = split.keyStart;
  const open = text.indexOf('[', keyStart + 10);
  const close = text.indexOf(']', split.footer);
  const brace = text.indexOf('}', close);
  if (open < 0 || close < 0 || brace < 0) return undefined;
  return {
    docRange: { start: 0, end: text.length },
    rootRange: { start: rootStart, end: brace + 1 },
    pairRange: { start: keyStart, end: close + 1 },
    key: { kind: 'scalar', range: { start: keyStart, end: keyStart + 10 }, value: 'kdamonds', source: '', quoted: true },
    seqRange: { start: open, end: close + 1 },
  };
}

// ---------------------------------------------------------------------------------------------

/**
 * The cross-item rules' findings per group of tiering goals (tierGroups), kept with the facts of the
 * group they were computed from: its goals, in order, as the rules read them. When a group's facts did
 * not change, its findings are re-placed instead of recomputed: every path and range of a finding (its
 * own, its related places', the places its fixes edit) is a goal's path plus a suffix
 * (`target_value`), so it is re-derived from the group's goals now (their paths at their items'
 * current indexes; the ranges of their nodes, which are shifted in place or belong to a rebuilt item).
 */
interface Anchor {
  /** the goal (its position in the group) and the path below it (and that path as text) */
  goal: number;
  rel: ConfigPath;
  key: string;
}

interface Placed {
  d: CoreDiagnostic;
  main: Anchor;
  related: Anchor[];
  fixes: Anchor[][];
  /** main, related and fixes in that order */
  anchors: Anchor[];
  /** the last placement: reused when it comes out the same (same goals, same ranges) */
  last?: { out: CoreDiagnostic; goals: ItemGoal[]; ranges: number[] };
}

interface GroupCache {
  /** the group's goals' facts, in order */
  facts: string[];
  placed: Placed[];
}

function sameFacts(a: string[], goals: ItemGoal[]): boolean {
  if (a.length !== goals.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== goals[i].fact) return false;
  return true;
}

/** per cross-item rule id, per group key */
type CrossCache = Map<string, Map<string, GroupCache>>;

const sameRange = (a: OffsetRange, b: OffsetRange): boolean => a.start === b.start && a.end === b.end;

/** The range of a path below a goal: a node's (or key's) own range object, looked up once per goal and path. */
function rangeBelow(root: SNode, t: ItemGoal, rel: ConfigPath, key = rel.join('/')): OffsetRange {
  let r = t.ranges.get(key);
  if (r === undefined) {
    const path = [...t.goalPath, ...rel];
    // resolveRange returns a tree object (shifted with its item) when the path exists, a new range otherwise
    r = nodeAtPath(root, path).depth === path.length ? resolveRange(root, path, false) : null;
    t.ranges.set(key, r);
  }
  return r ?? resolveRange(root, [...t.goalPath, ...rel], false);
}

/** Record which goal each range of a cross-item finding belongs to, or undefined if one is not below a goal of the group. */
function placeable(root: SNode, d: CoreDiagnostic, goals: ItemGoal[]): Placed | undefined {
  const depth = goals[0].goalPath.length;
  const anchor = (path: ConfigPath | undefined, range: OffsetRange, same = sameRange): Anchor | undefined => {
    if (!path || path.length < depth) return undefined;
    const goal = goals.findIndex((t) => t.goalPath.every((x, i) => x === path[i]));
    if (goal < 0) return undefined;
    const rel = path.slice(depth);
    const key = rel.join('/');
    return same(rangeBelow(root, goals[goal], rel, key), range) ? { goal, rel, key } : undefined;
  };
  const main = anchor(d.path, d.range);
  if (!main) return undefined;
  const related: Anchor[] = [];
  for (const r of d.related ?? []) {
    const a = anchor(r.path, r.range);
    if (!a) return undefined;
    related.push(a);
  }
  const candidates = [d.path!, ...(d.related ?? []).map((r) => r.path!)];
  const fixes: Anchor[][] = [];
  for (const f of d.fixes ?? []) {
    const list: Anchor[] = [];
    for (const e of f.edits) {
      // a fix edit has no path: the candidate whose node it edits. By the range object first (the
      // rules hand out a node's own range); by value only when one candidate alone matches — two
      // nodes in different kdamonds can have the same range while one tree waits to be shifted
      let a: Anchor | undefined;
      for (const c of candidates) if ((a = anchor(c, e.range, (x, y) => x === y))) break;
      if (!a) {
        const hits = candidates.map((c) => anchor(c, e.range)).filter((x): x is Anchor => !!x);
        if (hits.some((h) => h.goal !== hits[0].goal || h.key !== hits[0].key)) return undefined;
        a = hits[0];
      }
      if (!a) return undefined;
      list.push(a);
    }
    fixes.push(list);
  }
  return { d, main, related, fixes, anchors: [main, ...related, ...fixes.flat()] };
}

const scratch: number[] = [];

function place(root: SNode, c: Placed, goals: ItemGoal[], textLength: number): CoreDiagnostic {
  const { d, anchors, last } = c;
  // the ranges now; the previous object when they and the goals are the same (no allocation then)
  const ranges = scratch;
  let same = !!last;
  for (let i = 0; i < anchors.length; i++) {
    const a = anchors[i];
    const t = goals[a.goal];
    // a node's own range is where the item's tree is; move it by the shift still pending
    if (!t.ranges.get(a.key)) materialize(t.owner);
    const r = rangeBelow(root, t, a.rel, a.key);
    const delta = t.owner.start - t.owner.treeAt;
    const start = r.start + delta;
    const end = r.end + delta;
    ranges[2 * i] = start;
    ranges[2 * i + 1] = end;
    // (not when a range lies past the end of the text: the check clamps such ranges in place)
    if (same && (last!.goals[i] !== t || last!.ranges[2 * i] !== start || last!.ranges[2 * i + 1] !== end || end > textLength)) same = false;
  }
  if (same) return last!.out;
  const used = anchors.map((a) => goals[a.goal]);
  let k = 0;
  const range = (): OffsetRange => ({ start: ranges[k++], end: ranges[k++] });
  const path = (a: Anchor): ConfigPath => [...goals[a.goal].goalPath, ...a.rel];
  const out: CoreDiagnostic = { ...d, range: range(), path: path(c.main) };
  if (d.related) out.related = d.related.map((r, i) => ({ ...r, range: range(), path: path(c.related[i]) }));
  if (d.fixes) out.fixes = d.fixes.map((f) => ({ ...f, edits: f.edits.map((e) => ({ ...e, range: range() })) }));
  c.last = { out, goals: used, ranges: ranges.slice(0, 2 * anchors.length) };
  return out;
}

export interface IncrementalState {
  format: SourceFormat;
  text: string;
  split: Split;
  kernelKey: string;
  profile?: MachineProfile;
  entries: ItemEntry[];
  /** the last frame computed with each parser (typing in and out of an error state flips between them) */
  frames: { fast?: Frame; slow?: Frame };
  cross: CrossCache;
}

function reuseHeader(prev: IncrementalState | undefined, text: string, split: Split): boolean {
  const h = prev?.frames.fast?.header ?? prev?.frames.slow?.header;
  return h !== undefined && h.length === split.items[0].start && text.startsWith(h);
}

export interface IncrementalResult {
  result: CheckResult;
  /** pass to the next call for the same document */
  state?: IncrementalState;
  /** 'full': a whole-document checkText; 'items': per item (`reparsed` of them recomputed) */
  mode: 'full' | 'items';
  reparsed: number;
  items: number;
  /** groups of tiering goals the cross-item rules were run on (the others' findings were reused) */
  crossRerun: number;
  /** rebuilt kdamonds whose parse reread only the edited entry (a context, scheme, …) of their previous tree */
  spliced: number;
}

/**
 * `checkText` for one document that is being edited: pass the state returned for the previous
 * version. The result is identical to `checkText(text, opts)`.
 */
export function checkIncremental(text: string, opts: CheckOptions, prev?: IncrementalState): IncrementalResult {
  const format = opts.format ?? formatFor(opts.fileName, text);
  if (prev && prev.format !== format) prev = undefined;
  // whether a cached item was changed in place (moved, re-indexed, given a comment tail) for this text
  let mutated = false;
  // a whole-file check keeps the previous state when nothing in it was changed: the next version is
  // compared with that one (typing out of a state checked whole, or undoing it, reuses its items)
  const full = (): IncrementalResult => ({
    result: checkText(text, opts),
    state: mutated ? undefined : prev,
    mode: 'full',
    reparsed: 0,
    items: 0,
    crossRerun: 0,
    spliced: 0,
  });
  if (opts.only || text.length > 4 * 1024 * 1024) return full();
  const json = format === 'json';
  // the edit: what is the same as in the previous version (which had no NUL, else it had no state)
  let pre = 0;
  let suf = 0;
  if (prev) {
    pre = commonPrefix(prev.text, text);
    suf = commonSuffix(prev.text, text, Math.min(prev.text.length, text.length) - pre);
  }
  if ((prev ? text.slice(pre, text.length - suf) : text).includes('\u0000')) return full();
  const split = json ? splitJson(text) : prev ? splitEdited(prev.text, prev.split, text, pre, suf) : splitLines(text);
  if (!split) return full();
  const delta = prev ? text.length - prev.text.length : 0;
  if (json) {
    // the nesting guard reads the whole text (a per-item guard is not the same scan): one linear pass
    if (nestingTooDeep(text) >= 0) return full();
  } else if (!(reuseHeader(prev, text, split) || !NOT_SPLITTABLE.test(text.slice(0, split.items[0].start)))) {
    // the header is tested here, every item when it is (re)built
    return full();
  }
  const { kernelText } = kernelOf(opts);
  const kernelKey = kernelText;
  const reuse = prev && prev.kernelKey === kernelKey && prev.profile === opts.profile ? prev : undefined;
  const env: Env = { format, spliced: 0, text, kernelKey, profile: opts.profile, opts };
  const entries: ItemEntry[] = [];
  let reparsed = 0;
  const used = new Set<ItemEntry>();
  let pool: Map<string, ItemEntry[]> | undefined;
  for (let i = 0; i < split.items.length; i++) {
    const span = split.items[i];
    let old = reuse?.entries[i];
    const unchanged = (e: ItemEntry): boolean =>
      !e.dead &&
      e.text.length === span.end - span.start &&
      // before the edit or after it at the same place: the same text without comparing it
      ((span.end <= pre && e.start === span.start) ||
        (span.start >= text.length - suf && e.start + delta === span.start) ||
        text.slice(span.start, span.end) === e.text);
    if (!json && old && !used.has(old) && !old.dead && !unchanged(old) && old.fast && old.parseErrors.length === 0 && old.start === span.start) {
      // comment lines typed (or deleted) after the item's last line: its tree and findings stay as they are
      const now = text.slice(span.start, span.end);
      if (commentTail(old.text, now)) {
        old.text = now;
        mutated = true;
      }
    }
    if (!(old && !used.has(old) && unchanged(old))) {
      old = undefined;
      // after the edit: the item that was there (an item inserted or deleted before it moved it in
      // the list); the unchanged suffix says it is the same text without hashing it
      const moved = reuse && span.start >= text.length - suf ? reuse.entries[i + reuse.entries.length - split.items.length] : undefined;
      if (moved && !used.has(moved) && !moved.dead && moved.start + delta === span.start && moved.text.length === span.end - span.start) old = moved;
      else if (reuse) {
        // an item that moved in the list (one inserted, deleted or pasted before it)
        if (!pool) {
          pool = new Map();
          for (const e of reuse.entries) pool.set(e.text, [...(pool.get(e.text) ?? []), e]);
        }
        old = pool.get(text.slice(span.start, span.end))?.find((e) => !used.has(e) && !e.dead);
      }
    }
    if (old) {
      used.add(old);
      if (old.index !== i || old.start !== span.start) mutated = true;
      reindexItem(old, i);
      moveItem(old, span.start);
      entries.push(old);
      continue;
    }
    // the previous version of this kdamond (same place, changed inside): its tree outside the edited entry is kept
    const was = reuse?.entries[i];
    const splice =
      was && prev && !used.has(was) && !was.dead && was.start === span.start ? { old: was, edit: { pre, oldEnd: prev.text.length - suf, delta } } : undefined;
    const spliced = env.spliced;
    const e = buildItem(env, split, i, splice);
    if (env.spliced !== spliced) {
      // its tree is now the new one's: no other item may take it, and the previous state is gone
      used.add(was!);
      was!.dead = true;
      mutated = true;
    }
    if (!e) return full();
    reparsed++;
    entries.push(e);
  }
  const fast = entries.every((e) => e.fast);
  // (a JSON item's syntax errors are proven contained when it is parsed: parseJsonItem)
  for (let i = 0; !json && i + 1 < entries.length; i++) {
    const e = entries[i];
    if (e.parseErrors.length === 0) continue;
    // half-typed keys read by the fast path (parse/tree.ts halfTypedKeys): when every item is read
    // by the fast path, so is the whole file, the same way, and nothing is left to prove
    if (fast) continue;
    const first = firstLine(text, split.items[i + 1]);
    if (e.containedBefore === first) continue;
    if (!errorsContained(text, e, split.items[i], split.items[i + 1])) return full();
    e.containedBefore = first;
  }
  const frame = json ? jsonFrame(text, split) : frameOf(text, split, fast, fast ? reuse?.frames.fast : reuse?.frames.slow);
  if (!frame) return full();

  const seq: SSeq = { kind: 'seq', range: { ...frame.seqRange }, items: entries.map((e) => e.node), flow: json };
  const key: SScalar = { ...frame.key, range: { ...frame.key.range } };
  const root: SMap = { kind: 'map', range: { ...frame.rootRange }, pairs: [{ key, value: seq, range: { ...frame.pairRange } }], flow: json };
  const values = new MergedMap<SScalar, ParsedValue>(entries.map((e) => e.values));
  const patternUnits: LoweredDocument['patternUnits'] = new MergedMap(entries.map((e) => e.patternUnits));
  const kconfig = { kdamonds: entries.map((e) => e.kdamond) };
  const lowered: LoweredDocument = { kconfig, values, patternUnits };

  // the order checkText produces them in: parse (errors, warnings, the rest), schema, lowering, rules
  const diagnostics: CoreDiagnostic[] = [];
  const add = (ds: CoreDiagnostic[]): void => {
    for (const d of ds) diagnostics.push(d);
  };
  for (const e of entries) add(e.parseErrors);
  for (const e of entries) add(e.parseWarnings);
  for (const e of entries) add(e.parseOther);
  for (const e of entries) add(e.schema);
  for (const e of entries) add(e.lower);
  const { kernel } = kernelOf(opts);
  const ctx = ruleContext(text, format, root, lowered, opts, kernel, kernelText);
  const tiering = indexTiering(
    entries.flatMap((e) => e.promotions),
    entries.flatMap((e) => e.demotions),
  );
  const groupings = new Map<TierGrouping, { group: TierGroup; goals: ItemGoal[] }[]>();
  const groupsOf = (g: TierGrouping) => {
    let list = groupings.get(g);
    if (!list) {
      list = tierGroups(tiering, g).map((group) => ({
        group,
        goals: (group.demotions.length ? [...group.promotions, ...group.demotions] : group.promotions) as ItemGoal[],
      }));
      groupings.set(g, list);
    }
    return list;
  };
  const cross: CrossCache = new Map();
  let crossRerun = 0;
  for (let r = 0; r < RULES.length; r++) {
    const rule = RULES[r];
    const c = rule.crossItem;
    if (!c) {
      for (const e of entries) add(e.rules[r]);
      continue;
    }
    const before = reuse?.cross.get(rule.id);
    const now = new Map<string, GroupCache>();
    cross.set(rule.id, now);
    for (const { group, goals } of groupsOf(c.grouping)) {
      const kept = before?.get(group.key);
      if (kept && sameFacts(kept.facts, goals)) {
        for (const p of kept.placed) diagnostics.push(place(root, p, goals, text.length));
        now.set(group.key, kept);
        continue;
      }
      crossRerun++;
      // the group is judged on the trees as they are (some not shifted into place yet): every range
      // of its findings is below one of its goals, so placing them adds the pending shifts; a finding
      // that is not (none of the tiering rules makes one) sends the group through shifted trees
      const judge = (): CoreDiagnostic[] | undefined => {
        const found: CoreDiagnostic[] = [];
        runRule(rule, ctx, found, () => c.checkGroup(ctx, group));
        // a rule that fails reports once per whole-config check, not once per group
        return found.some((d) => d.code === 'internal-error') ? undefined : found;
      };
      const found = judge();
      if (!found) return full();
      const placed: Placed[] = [];
      for (const d of found) {
        const p = placeable(root, d, goals);
        if (!p) break;
        placed.push(p);
      }
      if (placed.length === found.length) {
        for (const p of placed) diagnostics.push(place(root, p, goals, text.length));
        now.set(group.key, { facts: goals.map((t) => t.fact), placed });
      } else {
        for (const t of goals) materialize(t.owner);
        const again = judge();
        if (!again) return full();
        add(again);
      }
    }
  }
  const clamp = (r: OffsetRange): void => {
    r.start = Math.max(0, Math.min(r.start, text.length));
    r.end = Math.max(r.start, Math.min(r.end, text.length));
  };
  for (const d of diagnostics) {
    clamp(d.range);
    for (const rel of d.related ?? []) clamp(rel.range);
  }
  // the same last steps as checkText: one indentation mistake in words (YAML), then finishDiagnostics
  const shown = json ? diagnostics : explainIndentation(text, diagnostics);
  // the tree and the parsed values (keyed by tree nodes) are read after the check (hover, hints,
  // code actions): shift every item's tree into place on first use, not on every edit
  let placed = false;
  const settle = (): void => {
    if (placed) return;
    placed = true;
    for (const e of entries) materialize(e);
  };
  const doc = { range: { ...frame.docRange }, isDamonConfig: true, kconfig, diagnostics: shown } as CheckedDocument;
  Object.defineProperty(doc, 'root', {
    enumerable: true,
    get: () => {
      settle();
      return root;
    },
  });
  Object.defineProperty(doc, 'lowered', {
    enumerable: true,
    get: () => {
      settle();
      return lowered;
    },
  });
  const result: CheckResult = { format, documents: [doc], diagnostics: finishDiagnostics(text, [...shown]) };
  return {
    result,
    state: {
      format,
      text,
      split,
      kernelKey,
      profile: opts.profile,
      entries,
      cross,
      frames: json ? {} : fast ? { fast: frame as Frame, slow: reuse?.frames.slow } : { fast: reuse?.frames.fast, slow: frame as Frame },
    },
    mode: 'items',
    reparsed,
    items: entries.length,
    crossRerun,
    spliced: env.spliced,
  };
}

/**
 * The visible part of a config just opened: the text up to the end of the item that contains line
 * `lines` (the header and the items a first screen shows). A prefix made of whole items is a valid
 * config with the same offsets, so its check gives the first screen's findings exactly, except for
 * the cross-item rules (their counterpart may lie further down); `firstScreen` drops those. Its state
 * seeds the whole-file check, which then reuses those items. Undefined when the file is short or is
 * not a kdamonds block list.
 */
export function visiblePrefix(text: string, lines = 120): string | undefined {
  let at = 0;
  for (let i = 0; i < lines && at >= 0; i++) at = text.indexOf('\n', at + 1);
  if (at < 0) return undefined;
  const split = splitLines(text);
  if (!split || split.items.length < 3) return undefined;
  const item = split.items.find((it) => it.end > at);
  if (!item || item === split.items[split.items.length - 1]) return undefined;
  return text.slice(0, item.end);
}

/** The first-screen findings of a prefix check (without the cross-item rules, which need the whole file). */
export function firstScreen(r: CheckResult): CoreDiagnostic[] {
  return r.diagnostics.filter((d) => !CROSS_ITEM_RULES.has(d.code));
}
