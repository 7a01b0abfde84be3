/**
 * Renders explanations as plain text (terminal) or markdown (a pull-request review: a heading per
 * kdamond, a list per scheme). Pure.
 */
import type { Explanation, KdamondExplanation, SchemeExplanation } from './explain';

export interface ExplainedFile {
  /** the file name shown in headings */
  file: string;
  explanations: Explanation[];
}

function docLabel(n: number, i: number): string {
  return n > 1 ? ` (document ${i + 1})` : '';
}

/** Markdown, ready to paste into a pull-request review. */
export function renderMarkdown(files: ExplainedFile[]): string {
  const out: string[] = [];
  for (const f of files) {
    if (f.explanations.length === 0) {
      out.push(`## \`${f.file}\``, '', '_Not a DAMON config: nothing to explain._', '');
      continue;
    }
    f.explanations.forEach((e, i) => {
      out.push(`## \`${f.file}\`${docLabel(f.explanations.length, i)}`, '', e.summary.join(' '), '');
      for (const k of e.kdamonds) out.push(...kdamondMarkdown(k));
      if (e.pairs.length) {
        out.push('### Tiering', '');
        for (const p of e.pairs) out.push(`- ${p.sentence}`);
        out.push('');
      }
      if (e.caveats.length) {
        out.push('### What it will not do', '');
        for (const c of e.caveats) out.push(`- ${c}`);
        out.push('');
      }
    });
  }
  return `${out.join('\n').trimEnd()}\n`;
}

function kdamondMarkdown(k: KdamondExplanation): string[] {
  const out = [`### ${k.title}`, '', k.sentences.join(' '), ''];
  for (const c of k.caveats) out.push(`> ⚠ ${c}`, '');
  for (const s of k.schemes) out.push(...schemeMarkdown(s));
  return out;
}

function schemeMarkdown(s: SchemeExplanation): string[] {
  const out = [`**${s.title}**`, ''];
  for (const t of s.sentences) out.push(`- ${t}`);
  if (s.caveats.length) {
    out.push('- **Will not do what you may expect:**');
    for (const c of s.caveats) out.push(`  - ${c}`);
  }
  out.push('');
  return out;
}

/** Markdown of one kdamond or scheme (editor hover). */
export function hoverMarkdown(x: KdamondExplanation | SchemeExplanation): string {
  const out = [`**${x.title}** — what it does`, ''];
  for (const t of x.sentences) out.push(`- ${t}`);
  if (x.caveats.length) {
    out.push('', '**Will not do what you may expect:**');
    for (const c of x.caveats) out.push(`- ${c}`);
  }
  return out.join('\n');
}

/** Plain text with wrapped lines, for a terminal. */
export function renderText(files: ExplainedFile[], width = 100): string {
  const out: string[] = [];
  const wrap = (text: string, first: string, rest: string): void => {
    const words = text.split(' ');
    let line = first;
    let empty = true;
    for (const w of words) {
      if (!empty && line.length + 1 + w.length > width) {
        out.push(line);
        line = rest + w;
      } else line += (empty ? '' : ' ') + w;
      empty = false;
    }
    out.push(line);
  };
  for (const f of files) {
    if (f.explanations.length === 0) {
      out.push(`${f.file}: not a DAMON config: nothing to explain`, '');
      continue;
    }
    f.explanations.forEach((e, i) => {
      out.push(`${f.file}${docLabel(f.explanations.length, i)}`);
      wrap(e.summary.join(' '), '  ', '  ');
      out.push('');
      for (const k of e.kdamonds) {
        out.push(`  ${k.title}`);
        for (const t of k.sentences) wrap(t, '    ', '    ');
        for (const c of k.caveats) wrap(c, '    ! ', '      ');
        for (const s of k.schemes) {
          out.push(`    ${s.title}`);
          for (const t of s.sentences) wrap(t, '      - ', '        ');
          for (const c of s.caveats) wrap(c, '      ! ', '        ');
        }
        out.push('');
      }
      if (e.pairs.length) {
        out.push('  tiering');
        for (const p of e.pairs) wrap(p.sentence, '    - ', '      ');
        out.push('');
      }
      if (e.caveats.length) {
        out.push('  what it will not do');
        for (const c of e.caveats) wrap(c, '    ! ', '      ');
        out.push('');
      }
    });
  }
  return `${out.join('\n').trimEnd()}\n`;
}
