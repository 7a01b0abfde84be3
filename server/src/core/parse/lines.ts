/** Offset <-> 0-based {line, character} (UTF-16 code units, as LSP counts them). */
export interface Position {
  line: number;
  character: number;
}

/** Push the start of every line that begins in text[from, to) (a CR LF pair counts once). */
function scanStarts(text: string, from: number, to: number, starts: number[]): void {
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) starts.push(i + 1);
    else if (c === 13) {
      if (text.charCodeAt(i + 1) === 10) i++;
      starts.push(i + 1);
    }
  }
}

/** The length of the common prefix of two strings (compared in native chunks, then by character). */
export function commonPrefix(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  for (let step = 4096; i < n;) {
    const m = Math.min(step, n - i);
    if (a.slice(i, i + m) !== b.slice(i, i + m)) break;
    i += m;
  }
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return i;
}

/** The length of the common suffix of two strings, at most `max`. */
export function commonSuffix(a: string, b: string, max = Math.min(a.length, b.length)): number {
  let i = 0;
  for (let step = 4096; i < max;) {
    const m = Math.min(step, max - i);
    if (a.slice(a.length - i - m, a.length - i) !== b.slice(b.length - i - m, b.length - i)) break;
    i += m;
  }
  while (i < max && a.charCodeAt(a.length - 1 - i) === b.charCodeAt(b.length - 1 - i)) i++;
  return i;
}

export class LineIndex {
  private readonly starts: number[];

  constructor(
    private readonly text: string,
    starts?: number[],
  ) {
    if (!starts) {
      starts = [0];
      scanStarts(text, 0, text.length, starts);
    }
    this.starts = starts;
  }

  /**
   * The index of `text`, an edited version of this index's text: the line starts before and after the
   * changed span are reused (shifted), only the span is scanned. The same starts as `new LineIndex(text)`.
   */
  update(text: string): LineIndex {
    const old = this.text;
    if (text === old) return new LineIndex(text, this.starts);
    const pre = commonPrefix(old, text);
    const suf = commonSuffix(old, text, Math.min(old.length, text.length) - pre);
    // rescan from the start of the line holding the first change, through the line after the changed
    // span (a CR LF pair split or joined by the edit changes where a line starts)
    const oldStarts = this.starts;
    let k = 0;
    let hi = oldStarts.length - 1;
    while (k < hi) {
      const mid = (k + hi + 1) >> 1;
      if (oldStarts[mid] <= Math.max(0, pre - 1)) k = mid;
      else hi = mid - 1;
    }
    const from = oldStarts[k];
    const starts = oldStarts.slice(0, k + 1);
    // the changed span ends at old.length - suf; copy the old starts from the first one past it plus
    // one more character (so the CR LF pair before it is unchanged text)
    const oldEnd = old.length - suf + 1;
    let j = k + 1;
    while (j < oldStarts.length && oldStarts[j] <= oldEnd) j++;
    const delta = text.length - old.length;
    // the scan ends with the line break before old start j (unchanged, so it finds that start again)
    scanStarts(text, from, j < oldStarts.length ? oldStarts[j] + delta : text.length, starts);
    for (j++; j < oldStarts.length; j++) starts.push(oldStarts[j] + delta);
    return new LineIndex(text, starts);
  }

  get lineCount(): number {
    return this.starts.length;
  }

  positionAt(offset: number): Position {
    const o = Math.max(0, Math.min(offset, this.text.length));
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= o) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo, character: o - this.starts[lo] };
  }

  offsetAt(pos: Position): number {
    if (pos.line < 0) return 0;
    if (pos.line >= this.starts.length) return this.text.length;
    const start = this.starts[pos.line];
    const next = pos.line + 1 < this.starts.length ? this.starts[pos.line + 1] : this.text.length;
    return Math.max(start, Math.min(start + pos.character, next));
  }

  lineStart(line: number): number {
    return this.starts[Math.max(0, Math.min(line, this.starts.length - 1))];
  }
}
