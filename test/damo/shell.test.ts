import { describe, expect, it } from 'vitest';
import { findDamoCommands } from '../../server/src/core/damo/commands';
import { CommandAssembler, HeredocQueue, WordBuffer, tokenizeShell, shellQuote, type ShellProblem } from '../../server/src/core/damo/shell';

const words = (text: string, i = 0) => tokenizeShell(text).commands[i].words.map((w) => w.text);
const spans = (text: string) => tokenizeShell(text).commands[0].words.map((w) => text.slice(w.range.start, w.range.end));

describe('shell tokenizer', () => {
  it('joins line continuations and keeps exact spans', () => {
    const text = 'damo start \\\n  --numa_node 1 \\\r\n\t--ops paddr';
    expect(words(text)).toEqual(['damo', 'start', '--numa_node', '1', '--ops', 'paddr']);
    expect(spans(text)).toEqual(['damo', 'start', '--numa_node', '1', '--ops', 'paddr']);
  });

  it('a continuation inside a word glues the two halves', () => {
    expect(words('echo --dam\\\nos_action')).toEqual(['echo', '--damos_action']);
  });

  it('drops backtick comments as words and records them with their place', () => {
    const text = 'damo start \\\n  `# kdamond for node 1 (slow)` \\\n  --numa_node 1';
    const p = tokenizeShell(text);
    expect(p.commands[0].words.map((w) => w.text)).toEqual(['damo', 'start', '--numa_node', '1']);
    expect(p.commands[0].comments).toHaveLength(1);
    const c = p.commands[0].comments[0];
    expect(c.text).toBe('kdamond for node 1 (slow)');
    expect(c.kind).toBe('backtick');
    expect(c.wordIndex).toBe(2);
    expect(text.slice(c.range.start, c.range.end)).toBe('`# kdamond for node 1 (slow)`');
  });

  it('handles single, double and ANSI-C quotes; spans include the quotes', () => {
    const text = `damo start --regions '4G-8G 16G-32G' --damos_filter allow memcg "/a b/\\"c\\"" $'x\\ty'`;
    expect(words(text)).toEqual(['damo', 'start', '--regions', '4G-8G 16G-32G', '--damos_filter', 'allow', 'memcg', '/a b/"c"', 'x\ty']);
    expect(spans(text)[3]).toBe(`'4G-8G 16G-32G'`);
    expect(spans(text)[7]).toBe('"/a b/\\"c\\""');
  });

  it('an empty quoted word stays a word; an unquoted empty comment substitution vanishes', () => {
    expect(words(`a '' "" \`# c\` b`)).toEqual(['a', '', '', 'b']);
  });

  it('splits commands at ; && || | & and newlines, and drops # comments', () => {
    const p = tokenizeShell('set -e; damo start --ops paddr && echo ok # done\nls | wc -l &\n');
    expect(p.commands.map((c) => c.words.map((w) => w.text).join(' '))).toEqual(['set -e', 'damo start --ops paddr', 'echo ok', 'ls', 'wc -l']);
    expect(p.comments.map((c) => c.text)).toEqual(['done']);
  });

  it('marks shell expansions as dynamic and keeps their text', () => {
    const p = tokenizeShell('damo start --numa_node $NODE --target_pid "$(pidof x)" --regions ${R} `cat f`');
    const ws = p.commands[0].words;
    expect(ws.map((w) => w.text)).toEqual(['damo', 'start', '--numa_node', '$NODE', '--target_pid', '$(pidof x)', '--regions', '${R}', '`cat f`']);
    expect(ws.filter((w) => w.dynamic).map((w) => w.text)).toEqual(['$NODE', '$(pidof x)', '${R}', '`cat f`']);
  });

  it('skips redirections with their targets and here-document bodies', () => {
    const text = 'damo start --ops paddr > /tmp/log 2>&1 <in\ncat <<EOF\ndamo start --ops vaddr\nEOF\ndamo tune --ops paddr';
    const p = tokenizeShell(text);
    expect(p.commands.map((c) => c.words.map((w) => w.text).join(' '))).toEqual(['damo start --ops paddr', 'cat', 'damo tune --ops paddr']);
  });

  it('reports unclosed quotes without throwing', () => {
    const p = tokenizeShell(`damo start --damos_filter allow memcg '/a`);
    expect(p.problems[0].message).toMatch(/not closed/);
    expect(p.commands[0].words.at(-1)!.text).toBe('/a');
  });

  it('shellQuote round-trips through the tokenizer', () => {
    for (const s of ['plain', '', 'a b', "it's", '$HOME', 'x"y', '`c`', '--opt=1']) {
      expect(words(`echo ${shellQuote(s)}`)).toEqual(['echo', s]);
    }
  });
});

describe('tokenizer parts', () => {
  it('WordBuffer: a word of only comment substitutions vanishes, a quoted empty word stays, the first dynamic reason wins', () => {
    const w = new WordBuffer();
    expect(w.close(3)).toBeNull(); // nothing open
    w.begin(0);
    expect(w.close(5)).toBeNull(); // `# c` alone: vanished
    w.begin(2);
    w.appendQuoted('');
    expect(w.close(4)).toEqual({ text: '', range: { start: 2, end: 4 }, quoted: true });
    w.begin(0);
    w.appendDynamic('$A', 'shell variable $A');
    w.begin(9); // already open: keeps its start
    w.appendDynamic('$B', 'shell variable $B');
    expect(w.close(4)).toEqual({ text: '$A$B', range: { start: 0, end: 4 }, quoted: false, dynamic: 'shell variable $A' });
    w.begin(0);
    w.append('2');
    expect(w.isFdNumber()).toBe(true);
    w.appendQuoted('');
    expect(w.isFdNumber()).toBe(false);
  });

  it('CommandAssembler: a redirection target is dropped, comments count the words before them, empty commands vanish', () => {
    const a = new CommandAssembler();
    const word = (text: string, start: number) => ({ text, range: { start, end: start + text.length }, quoted: false });
    a.addWord(word('echo', 0));
    a.expectRedirectTarget();
    a.addWord(word('/tmp/log', 7));
    a.addWord(word('ok', 16));
    a.addComment({ text: 'c', range: { start: 19, end: 22 }, kind: 'hash' });
    a.endCommand();
    a.endCommand();
    expect(a.commands).toHaveLength(1);
    expect(a.commands[0].words.map((w) => w.text)).toEqual(['echo', 'ok']);
    expect(a.commands[0].range).toEqual({ start: 0, end: 18 });
    expect(a.comments).toEqual([{ text: 'c', range: { start: 19, end: 22 }, kind: 'hash', wordIndex: 2 }]);
  });

  it('HeredocQueue: skips bodies in order, <<- strips tabs, an unclosed body is a problem to the end', () => {
    const text = 'a\nEOF\nb\n\tEND\nnext\n';
    const q = new HeredocQueue();
    q.add('EOF', false);
    q.add('END', true);
    const problems: ShellProblem[] = [];
    expect(text.slice(q.skipBodies(text, 0, problems))).toBe('next\n');
    expect(q.empty).toBe(true);
    q.add('STOP', false);
    expect(q.skipBodies(text, 2, problems)).toBe(text.length);
    expect(problems).toEqual([{ message: 'here-document delimited by "STOP" is not closed', range: { start: 2, end: text.length } }]);
  });
});

describe('finding damo commands', () => {
  it('finds damo start/tune behind sudo, env assignments, paths and python', () => {
    const text = [
      'sudo -E damo start --ops paddr',
      'X=1 ./damo tune --ops vaddr',
      'sudo python3 /opt/damo/damo.py start',
      'damo report access',
      'echo damo start',
      'if damo start --ops fvaddr; then echo; fi',
    ].join('\n');
    const { commands } = findDamoCommands(text);
    expect(commands.map((c) => [c.subcommand, c.args.map((a) => a.text).join(' ')])).toEqual([
      ['start', '--ops paddr'],
      ['tune', '--ops vaddr'],
      ['start', ''],
      ['start', '--ops fvaddr'],
    ]);
  });

  it('strips mail-style prompts only when asked', () => {
    const text = '    # ./damo start \\\n        --numa_node 1\n';
    expect(findDamoCommands(text).commands).toHaveLength(0);
    const { commands } = findDamoCommands(text, { stripPrompts: true });
    expect(commands).toHaveLength(1);
    expect(text.slice(commands[0].damoWord.range.start, commands[0].damoWord.range.end)).toBe('./damo');
  });
});

describe('damo commands broken across lines', () => {
  it('a missing backslash or a # comment line cuts the command; both are reported', async () => {
    const { importDamoText } = await import('../../server/src/core/damo/index');
    const missing = 'damo start --ops paddr --regions 4G-8G\n    --damos_action pageout\n';
    const r1 = importDamoText(missing, { validate: false, stripPrompts: false });
    const d1 = r1.diagnostics.find((d) => d.code === 'damo-missing-continuation')!;
    expect(missing.slice(d1.range.start, d1.range.end)).toBe('--damos_action');
    const comment = 'damo start --ops paddr --regions 4G-8G \\\n    # the scheme\n    --damos_action pageout\n';
    const r2 = importDamoText(comment, { validate: false, stripPrompts: false });
    const d2 = r2.diagnostics.find((d) => d.code === 'damo-comment-ends-command')!;
    expect(comment.slice(d2.range.start, d2.range.end)).toBe('# the scheme');
    const fine = 'damo start --ops paddr --regions 4G-8G; echo --done\n';
    expect(importDamoText(fine, { validate: false }).diagnostics).toEqual([]);
  });
});

describe('pasted text', () => {
  it('reads the damo commands of a whole mail, prose with apostrophes around them', async () => {
    const { importDamoText } = await import('../../server/src/core/damo/index');
    const { readFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    // the seed RFC mail's use-case and experiment sections, verbatim (fixture names its source)
    const mail = readFileSync(join(__dirname, 'fixtures', 'seed-rfc-mail.txt'), 'utf8');
    const r = importDamoText(mail, { validate: false });
    expect(r.commands).toHaveLength(2);
    expect(r.diagnostics.filter((d) => d.code === 'shell-syntax')).toEqual([]);
    expect(r.commands.map((c) => c.config!.kdamonds[0].contexts[0].schemes.length)).toEqual([2, 2]);
    // a prose line with an unbalanced quote right before the command does not swallow it
    const text = "Here's the command:\n$ damo start --ops paddr --regions 4G-8G\nthat's all\n";
    expect(importDamoText(text, { validate: false }).commands[0].config!.kdamonds[0].contexts[0].targets[0].regions).toEqual([
      { start: 4 * 2 ** 30, end: 8 * 2 ** 30 },
    ]);
  });
});
