/**
 * Limits checked before a text reaches a parser (issue 17 items 7-8; docs/limits.md).
 *
 * The parsers recurse per nesting level: `{` x 10,000 made the `yaml` library report "Maximum call
 * stack size exceeded" as a syntax error, and `{` x 1M inside a document took a minute and 3.5 GB.
 * `nestingTooDeep` is one linear pass that estimates the nesting depth of a YAML or JSON text —
 * flow brackets, block indentation levels and compact `- - -` entries, skipping quoted scalars,
 * comments and block scalars — and reports where it first passes the limit. The estimate may count
 * a stray `[` in a plain scalar, so the limit is far above the depth the tree reports precisely
 * (MAX_DEPTH in tree.ts): a real config never comes near it.
 */

/** Texts nested deeper than this (by the pre-scan) are not parsed at all. */
export const MAX_NESTING = 256;

function isBreak(c: number): boolean {
  return c === 10 || c === 13;
}

function isBlank(c: number): boolean {
  return c === 32 || c === 9;
}

/**
 * The offset where the estimated nesting first exceeds `limit`, or -1. Linear in the text length.
 */
export function nestingTooDeep(text: string, limit = MAX_NESTING): number {
  const n = text.length;
  /** indentation columns of the open block collections */
  const indents: number[] = [];
  let flow = 0;
  let i = 0;
  let blockScalarIndent = -1; // inside a block scalar: lines indented more than this belong to it
  while (i < n) {
    // --- start of a line
    const lineStart = i;
    let col = 0;
    while (i < n && isBlank(text.charCodeAt(i))) {
      i++;
      col++;
    }
    if (i >= n) break;
    const first = text.charCodeAt(i);
    if (isBreak(first)) {
      i += first === 13 && text.charCodeAt(i + 1) === 10 ? 2 : 1;
      continue;
    }
    if (blockScalarIndent >= 0) {
      if (col > blockScalarIndent) {
        while (i < n && !isBreak(text.charCodeAt(i))) i++;
        continue;
      }
      blockScalarIndent = -1;
    }
    if (flow === 0 && first !== 35 /* # */) {
      while (indents.length && indents[indents.length - 1] >= col) indents.pop();
      indents.push(col);
      if (indents.length + flow > limit) return lineStart + col;
    }
    // --- the rest of the line
    let prev = 32; // the character before i (a line start counts as a blank)
    let lastNonBlank = -1; // offset of the line's last non-blank character outside comments
    while (i < n) {
      const c = text.charCodeAt(i);
      if (isBreak(c)) break;
      if (c === 35 && isBlank(prev)) {
        // a comment: to the end of the line
        while (i < n && !isBreak(text.charCodeAt(i))) i++;
        break;
      }
      const tokenStart = isBlank(prev) || prev === 91 || prev === 123 || prev === 44;
      if ((c === 34 || c === 39) && tokenStart) {
        // a quoted scalar, possibly over several lines
        i++;
        while (i < n) {
          const q = text.charCodeAt(i);
          if (c === 34 && q === 92) {
            i += 2;
            continue;
          }
          if (q === c) {
            if (c === 39 && text.charCodeAt(i + 1) === 39) {
              i += 2;
              continue;
            }
            break;
          }
          i++;
        }
        prev = c;
        lastNonBlank = i;
        i++;
        continue;
      }
      if (c === 91 || c === 123) {
        // [ or {
        if (++flow + indents.length > limit) return i;
      } else if ((c === 93 || c === 125) && flow > 0) {
        flow--;
      } else if (flow === 0 && (c === 45 || c === 63 || c === 58) && isBlank(text.charCodeAt(i + 1) || 32) && (c === 58 || isBlank(prev))) {
        // `- ` / `? ` entries and `key: ` values open a level on the same line (`- - - x`, `a: - x`)
        let j = i + 1;
        while (j < n && isBlank(text.charCodeAt(j))) j++;
        if (j < n && !isBreak(text.charCodeAt(j)) && text.charCodeAt(j) !== 35) {
          indents.push(col + (j - lineStart - col));
          if (indents.length + flow > limit) return i;
        }
      }
      if (!isBlank(c)) lastNonBlank = i;
      prev = c;
      i++;
    }
    // a block scalar header (`key: |`, `- >-`, `x: |2+`): its lines are text, not structure
    if (flow === 0 && lastNonBlank >= 0) {
      let k = lastNonBlank;
      while (k > lineStart && /[-+0-9]/.test(text[k])) k--;
      const h = text.charCodeAt(k);
      const before = k > lineStart ? text.charCodeAt(k - 1) : 32;
      if ((h === 124 || h === 62) && (isBlank(before) || before === 58 || before === 45)) blockScalarIndent = col;
    }
  }
  return -1;
}
