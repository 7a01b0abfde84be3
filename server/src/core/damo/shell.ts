/**
 * A POSIX-shell word tokenizer that keeps exact source spans, for finding and reading `damo`
 * command lines in shell scripts and pasted text.
 *
 * It handles what people write around damo commands: line continuations, '…' and "…" quoting,
 * backslash escapes, `# comment` command substitutions used as inline comments, # comments,
 * command separators (; & | && || newlines), redirections and here-documents. Expansions it cannot
 * evaluate ($VAR, $(…), `…`) are kept verbatim and marked `dynamic` so callers can decline to judge
 * them. Nothing here ever throws on any input.
 */
import type { OffsetRange } from '../diagnostic';

export interface ShellWord {
  /** the word's value after quote removal (unevaluated expansions kept verbatim) */
  text: string;
  /** span of the word in the source, quotes included */
  range: OffsetRange;
  /** the word contains quoting (so an empty value is still a word) */
  quoted: boolean;
  /** set when the value depends on something the shell evaluates at run time */
  dynamic?: string;
}

export interface ShellComment {
  /** comment text without the leading `#` and surrounding blanks */
  text: string;
  range: OffsetRange;
  kind: 'backtick' | 'hash';
  /** number of words of the command that come before the comment */
  wordIndex: number;
}

export interface ShellCommand {
  words: ShellWord[];
  /** comments inside or right after the command (same line) */
  comments: ShellComment[];
  /** from the first word's start to the last word's end */
  range: OffsetRange;
}

export interface ShellProblem {
  message: string;
  range: OffsetRange;
}

export interface ShellParse {
  commands: ShellCommand[];
  /** every comment in the text, in order */
  comments: ShellComment[];
  problems: ShellProblem[];
}

export interface TokenizeOptions {
  /**
   * Pasted text: a leading shell prompt (`$ ` or `# `) on a line that goes on with a damo
   * command is not a comment, as in "# ./damo start \" from a mail; lines that are not part of a
   * damo command are ignored.
   */
  stripPrompts?: boolean;
}

const BLANK = new Set([' ', '\t']);
const OPERATOR_START = new Set([';', '&', '|', '(', ')']);

/** A shell prompt (`$ `, `# `, `% `, `> `) at the start of a line that goes on with a damo command. */
const PROMPT = /^([ \t]*)([#$%>][ \t]+)(?=(?:sudo[ \t]+)?(?:\S*\/)?damo(?:\.py)?[ \t])/gm;

/** Replaces prompts (`$ `, `# `) in front of damo commands by blanks; offsets are unchanged. */
export function blankPrompts(text: string): string {
  return text.replace(PROMPT, (_m, lead: string, prompt: string) => lead + ' '.repeat(prompt.length));
}

/** The prompts `blankPrompts` blanks: where each is and which character it is (`#` comments the line out). */
export function findPrompts(text: string): { range: { start: number; end: number }; char: string }[] {
  return [...text.matchAll(PROMPT)].map((m) => {
    const start = m.index + m[1].length;
    return { range: { start, end: start + 1 }, char: m[2][0] };
  });
}

// `(?:^|SEP)(?:\S*\/)?damo` was quadratic on a long run of `{` (every `{` restarted a scan to the line
// end); a \S* run always starts at ^ or a blank, so "after SEP or after a /" accepts the same lines.
export const DAMO_LINE = /(?:^|[\s;&|(`!{/])damo(?:\.py)?[ \t]+(?:start|tune)\b/;

/**
 * Pasted text (a mail, a web page): keeps only the lines of damo start/tune commands and their
 * continuation lines, blanking the prose around them so that its apostrophes cannot open quotes.
 * Offsets are unchanged.
 */
export function isolateDamoLines(text: string): string {
  const lines = text.split(/(?<=\n)/);
  let inCommand = false;
  return lines
    .map((line) => {
      const body = line.replace(/\r?\n$/, '');
      const keep = inCommand || DAMO_LINE.test(body);
      inCommand = keep && /\\$/.test(body);
      return keep ? line : line.replace(/[^\r\n]/g, ' ');
    })
    .join('');
}

export function tokenizeShell(source: string, opts: TokenizeOptions = {}): ShellParse {
  const text = opts.stripPrompts ? isolateDamoLines(blankPrompts(source)) : source;
  const commands: ShellCommand[] = [];
  const comments: ShellComment[] = [];
  const problems: ShellProblem[] = [];
  const n = text.length;

  let words: ShellWord[] = [];
  let cmdComments: ShellComment[] = [];
  // current word
  let wStart = -1;
  let wText = '';
  let wQuoted = false;
  let wDynamic: string | undefined;
  let wOnlyCommentSubst = false;
  let redirectPending = false;
  const heredocs: { delim: string; strip: boolean }[] = [];

  const startWord = (at: number) => {
    if (wStart < 0) {
      wStart = at;
      wText = '';
      wQuoted = false;
      wDynamic = undefined;
      wOnlyCommentSubst = true;
    }
  };
  const endWord = (at: number) => {
    if (wStart < 0) return;
    const vanished = wOnlyCommentSubst && !wQuoted && wText === '';
    if (!vanished) {
      if (redirectPending) {
        redirectPending = false;
      } else {
        const w: ShellWord = { text: wText, range: { start: wStart, end: at }, quoted: wQuoted };
        if (wDynamic) w.dynamic = wDynamic;
        words.push(w);
      }
    }
    wStart = -1;
  };
  const endCommand = () => {
    if (words.length > 0) {
      commands.push({ words, comments: cmdComments, range: { start: words[0].range.start, end: words[words.length - 1].range.end } });
    }
    words = [];
    cmdComments = [];
    redirectPending = false;
  };
  const addComment = (c: Omit<ShellComment, 'wordIndex'>) => {
    const full: ShellComment = { ...c, wordIndex: words.length };
    comments.push(full);
    cmdComments.push(full);
  };
  const markDynamic = (why: string) => {
    if (!wDynamic) wDynamic = why;
    wOnlyCommentSubst = false;
  };

  /** Skips here-document bodies after the newline at `nl`; returns the offset to continue from. */
  const skipHeredocs = (from: number): number => {
    let i = from;
    while (heredocs.length > 0) {
      const { delim, strip } = heredocs.shift()!;
      for (;;) {
        if (i >= n) {
          problems.push({ message: `here-document delimited by "${delim}" is not closed`, range: { start: from, end: n } });
          return n;
        }
        let e = text.indexOf('\n', i);
        if (e < 0) e = n;
        let line = text.slice(i, e).replace(/\r$/, '');
        if (strip) line = line.replace(/^\t+/, '');
        i = e + 1;
        if (line === delim) break;
      }
    }
    return Math.min(i, n);
  };

  /** Reads `$…` at i (text[i] === '$'); appends to the word; returns the next offset. */
  const readDollar = (i: number, inDouble: boolean): number => {
    const c1 = text[i + 1];
    if (c1 === '(') {
      // $( … ) or $(( … )): balanced parentheses, quotes skipped roughly
      let depth = 0;
      let j = i + 1;
      for (; j < n; j++) {
        const c = text[j];
        if (c === '\\') {
          j++;
          continue;
        }
        if (c === "'" && !inDouble) {
          const e = text.indexOf("'", j + 1);
          j = e < 0 ? n : e;
          continue;
        }
        if (c === '(') depth++;
        else if (c === ')') {
          depth--;
          if (depth === 0) break;
        }
      }
      if (j >= n) problems.push({ message: 'command substitution "$(" is not closed', range: { start: i, end: n } });
      const end = Math.min(j + 1, n);
      wText += text.slice(i, end);
      markDynamic(`command substitution ${text.slice(i, Math.min(end, i + 40))}`);
      return end;
    }
    if (c1 === '{') {
      const e = text.indexOf('}', i + 2);
      const end = e < 0 ? n : e + 1;
      if (e < 0) problems.push({ message: 'parameter expansion "${" is not closed', range: { start: i, end: n } });
      wText += text.slice(i, end);
      markDynamic(`shell variable ${text.slice(i, end)}`);
      return end;
    }
    if (c1 === "'" && !inDouble) {
      // ANSI-C quoting
      let j = i + 2;
      let v = '';
      for (; j < n && text[j] !== "'"; j++) {
        if (text[j] === '\\' && j + 1 < n) {
          const e = text[++j];
          v += e === 'n' ? '\n' : e === 't' ? '\t' : e === 'r' ? '\r' : e === 'e' ? '\x1b' : e === 'a' ? '\x07' : e === '0' ? '\0' : e;
        } else v += text[j];
      }
      if (j >= n) problems.push({ message: "quote $' is not closed", range: { start: i, end: n } });
      wText += v;
      wQuoted = true;
      wOnlyCommentSubst = false;
      return Math.min(j + 1, n);
    }
    const m = /^(?:[A-Za-z_][A-Za-z0-9_]*|[0-9]|[@*#?$!-])/.exec(text.slice(i + 1, i + 1 + 64));
    if (m) {
      wText += '$' + m[0];
      markDynamic(`shell variable $${m[0]}`);
      return i + 1 + m[0].length;
    }
    wText += '$';
    wOnlyCommentSubst = false;
    return i + 1;
  };

  /** Reads a backtick substitution at i; returns the next offset. */
  const readBacktick = (i: number, inDouble: boolean): number => {
    let j = i + 1;
    let body = '';
    for (; j < n && text[j] !== '`'; j++) {
      if (text[j] === '\\' && j + 1 < n && '`\\$'.includes(text[j + 1])) {
        body += text[++j];
        continue;
      }
      body += text[j];
    }
    const end = Math.min(j + 1, n);
    if (j >= n) {
      problems.push({ message: 'backtick command substitution is not closed', range: { start: i, end: n } });
    }
    const trimmed = body.trim();
    if (trimmed.startsWith('#') && !trimmed.includes('\n') && !inDouble) {
      addComment({ text: trimmed.replace(/^#+\s*/, '').trim(), range: { start: i, end: end }, kind: 'backtick' });
      return end;
    }
    if (trimmed === '') {
      return end;
    }
    wText += text.slice(i, end);
    markDynamic(`command substitution ${text.slice(i, Math.min(end, i + 40))}`);
    return end;
  };

  let i = 0;
  while (i < n) {
    const c = text[i];
    if (c === '\\') {
      const nx = text[i + 1];
      if (nx === '\n') {
        i += 2;
        continue;
      }
      if (nx === '\r' && text[i + 2] === '\n') {
        i += 3;
        continue;
      }
      startWord(i);
      wOnlyCommentSubst = false;
      if (i + 1 < n) wText += nx;
      wQuoted = true;
      i += 2;
      continue;
    }
    if (c === '\n' || c === '\r') {
      endWord(i);
      endCommand();
      if (c === '\r' && text[i + 1] === '\n') i++;
      i++;
      if (heredocs.length > 0) i = skipHeredocs(i);
      continue;
    }
    if (BLANK.has(c)) {
      endWord(i);
      i++;
      continue;
    }
    if (c === '#' && wStart < 0) {
      let e = i;
      while (e < n && text[e] !== '\n' && text[e] !== '\r') e++;
      addComment({
        text: text
          .slice(i, e)
          .replace(/^#+\s*/, '')
          .trim(),
        range: { start: i, end: e },
        kind: 'hash',
      });
      i = e;
      continue;
    }
    if (c === "'") {
      startWord(i);
      const e = text.indexOf("'", i + 1);
      if (e < 0) {
        problems.push({ message: "quote ' is not closed", range: { start: i, end: n } });
        wText += text.slice(i + 1);
        i = n;
      } else {
        wText += text.slice(i + 1, e);
        i = e + 1;
      }
      wQuoted = true;
      wOnlyCommentSubst = false;
      continue;
    }
    if (c === '"') {
      startWord(i);
      wQuoted = true;
      wOnlyCommentSubst = false;
      let j = i + 1;
      let closed = false;
      while (j < n) {
        const d = text[j];
        if (d === '"') {
          closed = true;
          j++;
          break;
        }
        if (d === '\\' && j + 1 < n) {
          const e = text[j + 1];
          if (e === '\n') {
            j += 2;
            continue;
          }
          if ('$`"\\'.includes(e)) {
            wText += e;
            j += 2;
            continue;
          }
          wText += d;
          j++;
          continue;
        }
        if (d === '$') {
          j = readDollar(j, true);
          continue;
        }
        if (d === '`') {
          j = readBacktick(j, true);
          continue;
        }
        wText += d;
        j++;
      }
      if (!closed) problems.push({ message: 'quote " is not closed', range: { start: i, end: n } });
      i = j;
      continue;
    }
    if (c === '$') {
      startWord(i);
      i = readDollar(i, false);
      continue;
    }
    if (c === '`') {
      startWord(i);
      i = readBacktick(i, false);
      continue;
    }
    if (c === '<' || c === '>' || (c === '&' && text[i + 1] === '>')) {
      // an fd number right before the operator belongs to it (2>file)
      if (wStart >= 0 && /^\d+$/.test(wText) && !wQuoted && !wDynamic) wStart = -1;
      else endWord(i);
      let j = i;
      if (c === '&') j++;
      const op = text[j];
      j++;
      if (op === '<' && text[j] === '<' && text[j + 1] !== '<') {
        // here-document
        j++;
        let strip = false;
        if (text[j] === '-') {
          strip = true;
          j++;
        }
        while (j < n && BLANK.has(text[j])) j++;
        const m = /^(?:'([^'\n]*)'|"([^"\n]*)"|\\?([^\s;&|<>()]+))/.exec(text.slice(j));
        if (m) {
          heredocs.push({ delim: m[1] ?? m[2] ?? m[3], strip });
          j += m[0].length;
        }
        i = j;
        continue;
      }
      while (j < n && (text[j] === '>' || text[j] === '<' || text[j] === '|')) j++;
      if (text[j] === '&') {
        // >&2, <&0, >&-
        j++;
        while (j < n && /[0-9-]/.test(text[j])) j++;
        i = j;
        continue;
      }
      redirectPending = true;
      i = j;
      continue;
    }
    if (OPERATOR_START.has(c)) {
      endWord(i);
      endCommand();
      i++;
      while (i < n && (text[i] === '&' || text[i] === '|' || text[i] === ';')) i++;
      continue;
    }
    startWord(i);
    wText += c;
    wOnlyCommentSubst = false;
    i++;
  }
  endWord(n);
  endCommand();
  return { commands, comments, problems };
}

/** Quotes a word for a POSIX shell when needed. */
export function shellQuote(s: string): string {
  if (s !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(s)) return s;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
