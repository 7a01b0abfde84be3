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

/**
 * Splits shell text into commands of words. The parts: prompt stripping for pasted text
 * ({@link blankPrompts}, {@link isolateDamoLines}), the lexer ({@link ShellLexer}: blanks, quotes,
 * escapes, expansions, comments, operators, redirections), the word being read ({@link WordBuffer}),
 * here-documents ({@link HeredocQueue}) and command assembly ({@link CommandAssembler}).
 */
export function tokenizeShell(source: string, opts: TokenizeOptions = {}): ShellParse {
  const text = opts.stripPrompts ? isolateDamoLines(blankPrompts(source)) : source;
  return new ShellLexer(text).run();
}

/**
 * The word being read: where it starts, its value so far, and what it is made of. A word made only
 * of `# comment` substitutions (and no quotes) vanishes, as it does in the shell.
 */
export class WordBuffer {
  /** offset of the word's first character; -1 between words */
  start = -1;
  text = '';
  quoted = false;
  dynamic: string | undefined;
  private onlyCommentSubst = false;

  get open(): boolean {
    return this.start >= 0;
  }

  /** starts a word at `at` unless one is open */
  begin(at: number): void {
    if (this.start >= 0) return;
    this.start = at;
    this.text = '';
    this.quoted = false;
    this.dynamic = undefined;
    this.onlyCommentSubst = true;
  }

  /** appends literal text (not from a comment substitution) */
  append(s: string): void {
    this.text += s;
    this.onlyCommentSubst = false;
  }

  /** appends text that came from quoting ('…', "…", $'…', a backslash) */
  appendQuoted(s: string): void {
    this.append(s);
    this.quoted = true;
  }

  /** appends an expansion the shell evaluates at run time; the first reason is kept */
  appendDynamic(s: string, why: string): void {
    this.append(s);
    if (!this.dynamic) this.dynamic = why;
  }

  /** an unquoted, literal all-digits word: the fd number of a redirection right after it (2>file) */
  isFdNumber(): boolean {
    return this.open && /^\d+$/.test(this.text) && !this.quoted && !this.dynamic;
  }

  /** drops the open word */
  discard(): void {
    this.start = -1;
  }

  /** closes the open word at `end`: the word, or null when none was open or it vanished */
  close(end: number): ShellWord | null {
    if (this.start < 0) return null;
    const vanished = this.onlyCommentSubst && !this.quoted && this.text === '';
    const w: ShellWord = { text: this.text, range: { start: this.start, end }, quoted: this.quoted };
    if (this.dynamic) w.dynamic = this.dynamic;
    this.start = -1;
    return vanished ? null : w;
  }
}

/** Collects words into commands, and comments into both the command and the whole parse. */
export class CommandAssembler {
  readonly commands: ShellCommand[] = [];
  readonly comments: ShellComment[] = [];
  private words: ShellWord[] = [];
  private cmdComments: ShellComment[] = [];
  /** a redirection operator was read: the next word is its target, not an argument */
  private redirectPending = false;

  expectRedirectTarget(): void {
    this.redirectPending = true;
  }

  addWord(w: ShellWord | null): void {
    if (!w) return;
    if (this.redirectPending) this.redirectPending = false;
    else this.words.push(w);
  }

  addComment(c: Omit<ShellComment, 'wordIndex'>): void {
    const full: ShellComment = { ...c, wordIndex: this.words.length };
    this.comments.push(full);
    this.cmdComments.push(full);
  }

  /** ends the command at a separator (; & | && || newline); a command without words is dropped */
  endCommand(): void {
    const words = this.words;
    if (words.length > 0) {
      this.commands.push({ words, comments: this.cmdComments, range: { start: words[0].range.start, end: words[words.length - 1].range.end } });
    }
    this.words = [];
    this.cmdComments = [];
    this.redirectPending = false;
  }
}

/** Here-documents opened on the current line (`<<EOF`, `<<-EOF`); their bodies follow the newline. */
export class HeredocQueue {
  private pending: { delim: string; strip: boolean }[] = [];

  get empty(): boolean {
    return this.pending.length === 0;
  }

  add(delim: string, strip: boolean): void {
    this.pending.push({ delim, strip });
  }

  /** Skips the pending bodies of `text` from `from` (just after a newline); returns the offset to continue from. */
  skipBodies(text: string, from: number, problems: ShellProblem[]): number {
    const n = text.length;
    let i = from;
    while (this.pending.length > 0) {
      const { delim, strip } = this.pending.shift()!;
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
  }
}

const ANSI_C_ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', e: '\x1b', a: '\x07', '0': '\0' };
const HEREDOC_DELIM = /^(?:'([^'\n]*)'|"([^"\n]*)"|\\?([^\s;&|<>()]+))/;
const SIMPLE_PARAM = /^(?:[A-Za-z_][A-Za-z0-9_]*|[0-9]|[@*#?$!-])/;

/**
 * The lexer: one pass over the text, each `read*` method consuming one construct at an offset and
 * returning the offset after it.
 */
class ShellLexer {
  private readonly n: number;
  private readonly word = new WordBuffer();
  private readonly out = new CommandAssembler();
  private readonly heredocs = new HeredocQueue();
  private readonly problems: ShellProblem[] = [];

  constructor(private readonly text: string) {
    this.n = text.length;
  }

  run(): ShellParse {
    const { text, n } = this;
    let i = 0;
    while (i < n) i = this.readAt(i, text[i]);
    this.endWord(n);
    this.out.endCommand();
    return { commands: this.out.commands, comments: this.out.comments, problems: this.problems };
  }

  private readAt(i: number, c: string): number {
    const { text, word } = this;
    if (c === '\\') return this.readBackslash(i);
    if (c === '\n' || c === '\r') return this.readNewline(i);
    if (BLANK.has(c)) {
      this.endWord(i);
      return i + 1;
    }
    if (c === '#' && !word.open) return this.readHashComment(i);
    if (c === "'") return this.readSingleQuoted(i);
    if (c === '"') return this.readDoubleQuoted(i);
    if (c === '$') {
      word.begin(i);
      return this.readDollar(i, false);
    }
    if (c === '`') {
      word.begin(i);
      return this.readBacktick(i, false);
    }
    if (c === '<' || c === '>' || (c === '&' && text[i + 1] === '>')) return this.readRedirection(i);
    if (OPERATOR_START.has(c)) return this.readOperator(i);
    word.begin(i);
    word.append(c);
    return i + 1;
  }

  private endWord(at: number): void {
    this.out.addWord(this.word.close(at));
  }

  /** a line continuation (backslash-newline, also before CRLF) vanishes; any other escaped character is quoted */
  private readBackslash(i: number): number {
    const { text, word } = this;
    const nx = text[i + 1];
    if (nx === '\n') return i + 2;
    if (nx === '\r' && text[i + 2] === '\n') return i + 3;
    word.begin(i);
    word.appendQuoted(i + 1 < this.n ? nx : '');
    return i + 2;
  }

  /** a newline (LF, CRLF or CR) ends the command; the here-document bodies opened on the line follow it */
  private readNewline(i: number): number {
    this.endWord(i);
    this.out.endCommand();
    let j = i + (this.text[i] === '\r' && this.text[i + 1] === '\n' ? 2 : 1);
    if (!this.heredocs.empty) j = this.heredocs.skipBodies(this.text, j, this.problems);
    return j;
  }

  private readHashComment(i: number): number {
    const { text, n } = this;
    let e = i;
    while (e < n && text[e] !== '\n' && text[e] !== '\r') e++;
    this.out.addComment({
      text: text
        .slice(i, e)
        .replace(/^#+\s*/, '')
        .trim(),
      range: { start: i, end: e },
      kind: 'hash',
    });
    return e;
  }

  private readSingleQuoted(i: number): number {
    const { text, n, word } = this;
    word.begin(i);
    const e = text.indexOf("'", i + 1);
    if (e < 0) {
      this.problems.push({ message: "quote ' is not closed", range: { start: i, end: n } });
      word.appendQuoted(text.slice(i + 1));
      return n;
    }
    word.appendQuoted(text.slice(i + 1, e));
    return e + 1;
  }

  /** "…": backslash escapes only $ ` " \ and newline; $ and ` expansions inside stay dynamic */
  private readDoubleQuoted(i: number): number {
    const { text, n, word } = this;
    word.begin(i);
    word.appendQuoted('');
    let j = i + 1;
    while (j < n) {
      const d = text[j];
      if (d === '"') return j + 1;
      if (d === '\\' && j + 1 < n) {
        const e = text[j + 1];
        if (e === '\n') {
          j += 2;
        } else if ('$`"\\'.includes(e)) {
          word.append(e);
          j += 2;
        } else {
          word.append(d);
          j++;
        }
        continue;
      }
      if (d === '$') j = this.readDollar(j, true);
      else if (d === '`') j = this.readBacktick(j, true);
      else {
        word.append(d);
        j++;
      }
    }
    this.problems.push({ message: 'quote " is not closed', range: { start: i, end: n } });
    return j;
  }

  /** Reads `$…` at i (text[i] === '$') into the word; returns the next offset. */
  private readDollar(i: number, inDouble: boolean): number {
    const { text, n, word } = this;
    const c1 = text[i + 1];
    if (c1 === '(') return this.readCommandSubst(i, inDouble);
    if (c1 === '{') {
      const e = text.indexOf('}', i + 2);
      const end = e < 0 ? n : e + 1;
      if (e < 0) this.problems.push({ message: 'parameter expansion "${" is not closed', range: { start: i, end: n } });
      word.appendDynamic(text.slice(i, end), `shell variable ${text.slice(i, end)}`);
      return end;
    }
    if (c1 === "'" && !inDouble) return this.readAnsiC(i);
    const m = SIMPLE_PARAM.exec(text.slice(i + 1, i + 1 + 64));
    if (m) {
      word.appendDynamic('$' + m[0], `shell variable $${m[0]}`);
      return i + 1 + m[0].length;
    }
    word.append('$');
    return i + 1;
  }

  /** $( … ) or $(( … )): balanced parentheses, quotes skipped roughly */
  private readCommandSubst(i: number, inDouble: boolean): number {
    const { text, n } = this;
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
    if (j >= n) this.problems.push({ message: 'command substitution "$(" is not closed', range: { start: i, end: n } });
    const end = Math.min(j + 1, n);
    this.word.appendDynamic(text.slice(i, end), `command substitution ${text.slice(i, Math.min(end, i + 40))}`);
    return end;
  }

  /** $'…' (ANSI-C quoting) with its backslash escapes */
  private readAnsiC(i: number): number {
    const { text, n } = this;
    let j = i + 2;
    let v = '';
    for (; j < n && text[j] !== "'"; j++) {
      if (text[j] === '\\' && j + 1 < n) {
        const e = text[++j];
        v += ANSI_C_ESCAPES[e] ?? e;
      } else v += text[j];
    }
    if (j >= n) this.problems.push({ message: "quote $' is not closed", range: { start: i, end: n } });
    this.word.appendQuoted(v);
    return Math.min(j + 1, n);
  }

  /** Reads a backtick substitution at i; `# text` on one line is a comment, not part of the word. Returns the next offset. */
  private readBacktick(i: number, inDouble: boolean): number {
    const { text, n } = this;
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
      this.problems.push({ message: 'backtick command substitution is not closed', range: { start: i, end: n } });
    }
    const trimmed = body.trim();
    if (trimmed.startsWith('#') && !trimmed.includes('\n') && !inDouble) {
      this.out.addComment({ text: trimmed.replace(/^#+\s*/, '').trim(), range: { start: i, end }, kind: 'backtick' });
      return end;
    }
    if (trimmed === '') return end;
    this.word.appendDynamic(text.slice(i, end), `command substitution ${text.slice(i, Math.min(end, i + 40))}`);
    return end;
  }

  /** < > >> >| <> &> 2>&1 <<EOF …: the operator, and its target word is dropped */
  private readRedirection(i: number): number {
    const { text, n, word } = this;
    // an fd number right before the operator belongs to it (2>file)
    if (word.isFdNumber()) word.discard();
    else this.endWord(i);
    let j = i;
    if (text[i] === '&') j++;
    const op = text[j];
    j++;
    if (op === '<' && text[j] === '<' && text[j + 1] !== '<') return this.readHeredocOperator(j + 1);
    while (j < n && (text[j] === '>' || text[j] === '<' || text[j] === '|')) j++;
    if (text[j] === '&') {
      // >&2, <&0, >&-
      j++;
      while (j < n && /[0-9-]/.test(text[j])) j++;
      return j;
    }
    this.out.expectRedirectTarget();
    return j;
  }

  /** after `<<`: `-` (strip leading tabs), then the delimiter word, quoted or not */
  private readHeredocOperator(at: number): number {
    const { text, n } = this;
    let j = at;
    let strip = false;
    if (text[j] === '-') {
      strip = true;
      j++;
    }
    while (j < n && BLANK.has(text[j])) j++;
    const m = HEREDOC_DELIM.exec(text.slice(j));
    if (m) {
      this.heredocs.add(m[1] ?? m[2] ?? m[3], strip);
      j += m[0].length;
    }
    return j;
  }

  /** ; & | && || ;; ( ): end the command */
  private readOperator(i: number): number {
    const { text, n } = this;
    this.endWord(i);
    this.out.endCommand();
    let j = i + 1;
    while (j < n && (text[j] === '&' || text[j] === '|' || text[j] === ';')) j++;
    return j;
  }
}

/** Quotes a word for a POSIX shell when needed. */
export function shellQuote(s: string): string {
  if (s !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(s)) return s;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
