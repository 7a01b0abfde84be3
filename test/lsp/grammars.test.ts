/**
 * The TextMate injection grammars of syntaxes/, run by VS Code's own tokenizer (vscode-textmate with
 * the oniguruma wasm of vscode-oniguruma, offline) over real base grammars (tm-grammars: the YAML,
 * JSON and shell grammars editors ship). Injections are wired exactly as package.json's
 * contributes.grammars says (injectTo), so a wrong scope name or selector there fails here too.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as oniguruma from 'vscode-oniguruma';
import * as vsctm from 'vscode-textmate';
import { DAMO_OPTIONS } from '../../server/src/core/damo/options';

const ROOT = join(__dirname, '..', '..');
const NM = join(ROOT, 'node_modules');

interface GrammarContribution {
  scopeName: string;
  path: string;
  language?: string;
  injectTo?: string[];
}
const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { contributes: { grammars: GrammarContribution[] } };
const ours = manifest.contributes.grammars;
const BASE: Record<string, string> = {
  'source.yaml': join(NM, 'tm-grammars', 'grammars', 'yaml.json'),
  'source.json': join(NM, 'tm-grammars', 'grammars', 'json.json'),
  'source.shell': join(NM, 'tm-grammars', 'grammars', 'shellscript.json'),
};

let registry: vsctm.Registry;

beforeAll(async () => {
  const wasm = readFileSync(join(NM, 'vscode-oniguruma', 'release', 'onig.wasm'));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  registry = new vsctm.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (p: string[]) => new oniguruma.OnigScanner(p),
      createOnigString: (s: string) => new oniguruma.OnigString(s),
    }),
    loadGrammar: async (scopeName) => {
      const own = ours.find((g) => g.scopeName === scopeName);
      const file = own ? join(ROOT, own.path) : BASE[scopeName];
      if (!file) return null;
      return vsctm.parseRawGrammar(readFileSync(file, 'utf8'), file);
    },
    getInjections: (scopeName) => ours.filter((g) => g.injectTo?.includes(scopeName)).map((g) => g.scopeName),
  });
});

interface Tok {
  text: string;
  scopes: string[];
}

async function tokenize(scope: string, text: string): Promise<Tok[]> {
  const grammar = await registry.loadGrammar(scope);
  if (!grammar) throw new Error(`grammar ${scope} not found`);
  let stack = vsctm.INITIAL;
  const out: Tok[] = [];
  for (const line of text.split('\n')) {
    const r = grammar.tokenizeLine(line, stack);
    for (const t of r.tokens) out.push({ text: line.slice(t.startIndex, t.endIndex), scopes: t.scopes });
    stack = r.ruleStack;
  }
  return out;
}

/** The innermost scopes of the tokens whose text is exactly `text` (or ['<no token>']). */
function scopesOf(toks: Tok[], text: string, nth = 0): string[] {
  const t = toks.filter((x) => x.text === text)[nth];
  return t ? t.scopes : ['<no token>'];
}
const last = (toks: Tok[], text: string, nth = 0): string => scopesOf(toks, text, nth).at(-1)!;
/** The innermost scope of the token right after the first token `before`. */
function next(toks: Tok[], before: string): string {
  const i = toks.findIndex((t) => t.text === before);
  return i >= 0 && toks[i + 1] ? `${toks[i + 1].text} ${toks[i + 1].scopes.at(-1)}` : '<no token>';
}

describe('TextMate injection grammars (vscode-textmate + oniguruma)', () => {
  it('highlights damo sizes, percentages and special values in a DAMON YAML config', async () => {
    const toks = await tokenize(
      'source.damon.yaml',
      [
        'kdamonds:',
        '  - contexts:',
        '      - schemes:',
        '          - action: migrate_hot',
        '            quotas:',
        '              sz_bytes: 200 MiB',
        '              reset_interval_ms: 1s',
        '              goals:',
        '                - {metric: node_memcg_used_bp, target_value: 29.7%, nid: 0}',
        '            access_pattern: {age: {min: 0, max: max}}',
        '            # sz_bytes: 300 MiB in a comment stays a comment',
      ].join('\n'),
    );
    expect(last(toks, '200')).toBe('constant.numeric.damon');
    expect(last(toks, 'MiB')).toBe('keyword.other.unit.damon');
    expect(scopesOf(toks, 'MiB')).toContain('source.damon.yaml');
    expect(last(toks, '1')).toBe('constant.numeric.damon');
    expect(next(toks, '1')).toBe('s keyword.other.unit.damon');
    expect(last(toks, '29.7')).toBe('constant.numeric.damon');
    expect(last(toks, '%')).toBe('keyword.other.unit.damon');
    expect(last(toks, 'migrate_hot')).toBe('support.constant.damon');
    expect(last(toks, 'node_memcg_used_bp')).toBe('support.constant.damon');
    expect(last(toks, 'max')).toBe('constant.language.damon');
    // keys keep the YAML grammar's scopes; comments are not highlighted inside
    expect(toks.find((t) => t.text.endsWith('z_bytes'))!.scopes.at(-1)).toBe('entity.name.tag.yaml');
    expect(toks.filter((t) => t.text.includes('300') || t.text === 'MiB').map((t) => t.scopes.at(-1))).toEqual([
      'keyword.other.unit.damon',
      'comment.line.number-sign.yaml',
    ]);
  });

  it('highlights the same values in a DAMON JSON config', async () => {
    const toks = await tokenize('source.damon.json', '{"kdamonds": [{"contexts": [{"schemes": [{"action": "pageout", "quotas": {"sz_bytes": "200 MiB"}}]}]}]}');
    expect(last(toks, '200')).toBe('constant.numeric.damon');
    expect(last(toks, 'MiB')).toBe('keyword.other.unit.damon');
    expect(scopesOf(toks, 'MiB')).toContain('string.quoted.double.json');
    expect(last(toks, 'pageout')).toBe('support.constant.damon');
  });

  it('highlights damo commands and their options in a shell script, not in comments or strings', async () => {
    const toks = await tokenize(
      'source.shell',
      [
        '#!/bin/bash',
        'damo start --damos_action migrate_hot 0 \\',
        '    --numa_node 1 --damos_quota_goal node_memcg_used_bp 29.7% 0 /workload_a',
        'sudo ./damo tune --nr_ctxs 1 1 --damos_nr_filters 2 2 --monitoring_nr_regions_range 10 1000 --damos_filter allow young',
        '# damo start --damos_action pageout',
        'echo "damo start --damos_action stat"',
      ].join('\n'),
    );
    expect(last(toks, 'damo')).toBe('support.function.damo');
    expect(last(toks, 'start')).toBe('keyword.other.subcommand.damo');
    expect(last(toks, '--damos_action')).toBe('variable.parameter.option.damo');
    expect(scopesOf(toks, '--damos_action')).toContain('source.shell');
    expect(last(toks, '--numa_node')).toBe('variable.parameter.option.damo');
    expect(last(toks, '--damos_quota_goal')).toBe('variable.parameter.option.damo');
    expect(last(toks, 'damo', 1)).toBe('support.function.damo');
    expect(last(toks, 'tune')).toBe('keyword.other.subcommand.damo');
    expect(last(toks, '--nr_ctxs')).toBe('variable.parameter.option.damo');
    expect(last(toks, '--damos_nr_filters')).toBe('variable.parameter.option.damo');
    expect(last(toks, '--monitoring_nr_regions_range')).toBe('variable.parameter.option.damo');
    expect(last(toks, '--damos_filter')).toBe('variable.parameter.option.damo');
    // the comment and the string keep the shell grammar's scopes
    expect(toks.filter((t) => t.scopes.some((s) => s.startsWith('comment'))).every((t) => !t.scopes.some((s) => s.endsWith('.damo')))).toBe(true);
    expect(toks.filter((t) => t.scopes.some((s) => s.startsWith('string'))).every((t) => !t.scopes.some((s) => s.endsWith('.damo')))).toBe(true);
    expect(
      toks
        .filter((t) => t.scopes.some((s) => s.startsWith('comment')))
        .map((t) => t.text)
        .join(''),
    ).toContain('damo start --damos_action pageout');
  });

  it('knows every long option of damo start/tune (server/src/core/damo/options.ts) inside a damo command', async () => {
    const names = DAMO_OPTIONS.flatMap((o) => o.names).filter((n) => n.startsWith('--'));
    const toks = await tokenize('source.shell', `damo start ${names.join(' ')} --damos_quota_goals_x`);
    const opts = toks.filter((t) => t.scopes.at(-1) === 'variable.parameter.option.damo').map((t) => t.text);
    expect(opts).toEqual(names);
  });

  it('ends the damo command at the end of the line or a separator; a trailing comment stays a comment', async () => {
    const toks = await tokenize('source.shell', 'sudo ./damo start --ops paddr # start it\nls --ops; /usr/bin/damo tune --ops paddr && ls --ops');
    expect(toks.filter((t) => t.scopes.at(-1) === 'variable.parameter.option.damo').length).toBe(2);
    expect(scopesOf(toks, 'damo').at(-1)).toBe('support.function.damo');
    expect(toks.find((t) => t.text.includes('start it'))!.scopes.some((s) => s.startsWith('comment.line'))).toBe(true);
    expect(toks.filter((t) => t.text.includes('ops') && !t.scopes.includes('meta.command.damo')).map((t) => t.text)).toEqual(['-ops', '-ops']);
  });

  it("does not highlight other commands' options or words that only contain damo", async () => {
    const toks = await tokenize('source.shell', 'ls --numa_nodes; mydamo start; damon-config check --ops x.sh');
    expect(toks.filter((t) => t.scopes.some((s) => s.endsWith('.damo'))).map((t) => t.text)).toEqual([]);
  });
});
