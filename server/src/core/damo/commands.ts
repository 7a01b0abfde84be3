/** Finding `damo start` / `damo tune` command lines among shell commands. */
import type { OffsetRange } from '../diagnostic';
import { tokenizeShell, type ShellCommand, type ShellComment, type ShellParse, type ShellWord, type TokenizeOptions } from './shell';

export interface DamoCommandLine {
  subcommand: 'start' | 'tune';
  /** the whole shell command (wrappers such as sudo included) */
  command: ShellCommand;
  /** the `damo` word */
  damoWord: ShellWord;
  /** span from the damo word to the last word */
  range: OffsetRange;
  /** the option and positional words after the subcommand */
  args: ShellWord[];
  /** comments inside the command, with wordIndex relative to `args` */
  comments: ShellComment[];
}

const KEYWORDS = new Set(['if', 'then', 'else', 'elif', 'do', 'while', 'until', '!', '{', 'time', 'exec', 'command', 'nohup', 'builtin']);
/** wrapper commands and how many value-taking options they have */
const WRAPPERS: Record<string, Set<string>> = {
  sudo: new Set(['-u', '-g', '-C', '-D', '-h', '-p', '-r', '-t', '-U', '-T']),
  doas: new Set(['-u', '-C']),
  env: new Set(['-u', '-C', '-S']),
  nice: new Set(['-n']),
  ionice: new Set(['-c', '-n', '-p']),
  stdbuf: new Set(['-i', '-o', '-e']),
  timeout: new Set(['-s', '-k']),
  taskset: new Set([]),
  numactl: new Set([]),
  chrt: new Set([]),
};
const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;

function basename(p: string): string {
  const i = p.lastIndexOf('/');
  return i >= 0 ? p.slice(i + 1) : p;
}

/** Index of the damo word in a command's words, or -1. */
function damoWordIndex(words: ShellWord[]): number {
  let i = 0;
  while (i < words.length) {
    const w = words[i].text;
    if (ASSIGNMENT.test(w) && !words[i].quoted) {
      i++;
      continue;
    }
    if (KEYWORDS.has(w)) {
      i++;
      continue;
    }
    const wrapper = WRAPPERS[basename(w)];
    if (wrapper) {
      i++;
      const name = basename(w);
      while (i < words.length) {
        const a = words[i].text;
        if (a === '--') {
          i++;
          break;
        }
        if (a.startsWith('-')) {
          i += wrapper.has(a) ? 2 : 1;
          continue;
        }
        if (name === 'env' && ASSIGNMENT.test(a)) {
          i++;
          continue;
        }
        if (name === 'timeout') {
          i++;
        }
        if (name === 'taskset' || name === 'chrt') {
          i++;
        }
        break;
      }
      continue;
    }
    if (/^python[0-9.]*$/.test(basename(w))) {
      i++;
      while (i < words.length && words[i].text.startsWith('-')) i++;
      continue;
    }
    const b = basename(w);
    if (b === 'damo' || b === 'damo.py') return i;
    return -1;
  }
  return -1;
}

export function findDamoCommandsIn(parse: ShellParse): DamoCommandLine[] {
  const out: DamoCommandLine[] = [];
  for (const command of parse.commands) {
    const di = damoWordIndex(command.words);
    if (di < 0) continue;
    const sub = command.words[di + 1];
    if (!sub || (sub.text !== 'start' && sub.text !== 'tune')) continue;
    const argsStart = di + 2;
    const args = command.words.slice(argsStart);
    const comments = command.comments.map((c) => ({ ...c, wordIndex: Math.max(0, c.wordIndex - argsStart) }));
    const last = command.words[command.words.length - 1];
    out.push({
      subcommand: sub.text,
      command,
      damoWord: command.words[di],
      range: { start: command.words[di].range.start, end: last.range.end },
      args,
      comments,
    });
  }
  return out;
}

export function findDamoCommands(text: string, opts: TokenizeOptions = {}): { commands: DamoCommandLine[]; parse: ShellParse } {
  const parse = tokenizeShell(text, opts);
  return { commands: findDamoCommandsIn(parse), parse };
}
