/**
 * `damon-config explain CONFIG... [--format text|markdown|json] [--profile FILE] [--kernel X.Y]`:
 * what each kdamond, scheme and tiering pair of a config does, in plain words (core/explain/).
 * Exit: 0 explained, 1 a file could not be read or holds no DAMON config, 2 usage problems.
 */
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { checkText, type MachineProfile } from '../core/index';
import { parseKernelVersion } from '../core/kernel-version';
import { explainText, renderMarkdown, renderText, SHELL_FILE, type ExplainedFile } from '../core/explain/index';
import type { CliIO, Subcommand } from './io';
import { loadProfileFile, readTextFile } from './util';

export const EXPLAIN_USAGE = `usage: damon-config explain [--format text|markdown|json] [--profile FILE] [--kernel X.Y] CONFIG|SCRIPT.sh|- ...

Says what each kdamond, scheme and tiering pair of a DAMON config does, in plain words and kernel
units, and what it will not do (from the checks). In a shell script, each damo start|tune command
line is explained as the config it makes (see import-damo). With --profile (a machine profile, e.g. written by
\`damon-config probe\`), node shares are also given in bytes. --format markdown is ready to paste into
a pull-request review.`;

const PROFILE_HINT = '--profile FILE';

export const explain: Subcommand = async (args: string[], io: CliIO) => {
  let values: { format?: string; profile?: string; kernel?: string; help?: boolean };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args,
      options: { format: { type: 'string' }, profile: { type: 'string' }, kernel: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    }));
  } catch (e) {
    io.stderr(`damon-config explain: ${(e as Error).message}\n${EXPLAIN_USAGE}\n`);
    return 2;
  }
  if (values.help) {
    io.stdout(`${EXPLAIN_USAGE}\n`);
    return 0;
  }
  const format = values.format ?? 'text';
  if (!['text', 'markdown', 'json'].includes(format)) {
    io.stderr(`damon-config explain: --format must be text, markdown or json (got "${format}")\n`);
    return 2;
  }
  if (values.kernel !== undefined && !parseKernelVersion(values.kernel)) {
    io.stderr(`damon-config explain: --kernel takes a version like 6.12 or 7.2 (got "${values.kernel}")\n`);
    return 2;
  }
  if (positionals.length === 0) {
    io.stderr(`damon-config explain: no config given\n${EXPLAIN_USAGE}\n`);
    return 2;
  }
  let profile: MachineProfile | undefined;
  if (values.profile !== undefined) {
    const p = loadProfileFile(resolve(io.cwd, values.profile));
    if ('error' in p) {
      io.stderr(`damon-config explain: ${p.error}\n`);
      return 2;
    }
    profile = p.profile;
  }
  const files: ExplainedFile[] = [];
  let failed = false;
  for (const arg of positionals) {
    let text: string;
    if (arg === '-') text = await io.readStdin();
    else {
      const f = readTextFile(resolve(io.cwd, arg));
      if (f.problem) {
        io.stderr(`damon-config explain: ${arg}: ${f.problem.message}\n`);
        failed = true;
        continue;
      }
      text = f.text!;
    }
    const name = arg === '-' ? '<stdin>' : arg;
    const explained = explainText(text, { fileName: name, profile, kernel: values.kernel, profileHint: PROFILE_HINT });
    if (explained.length === 0) {
      if (SHELL_FILE.test(name)) io.stderr(`damon-config explain: ${name}: no damo start|tune command that gives a config (see damon-config check ${name})\n`);
      else {
        const first = checkText(text, { fileName: name }).diagnostics.find((d) => d.severity === 'error');
        io.stderr(`damon-config explain: ${name}: not a DAMON config (a mapping with a "kdamonds" key)${first ? `: ${first.message}` : ''}\n`);
      }
      failed = true;
      continue;
    }
    files.push(...explained);
  }
  if (files.length) {
    if (format === 'json') io.stdout(`${JSON.stringify({ profile: profile?.name ?? null, files }, null, 2)}\n`);
    else io.stdout(format === 'markdown' ? renderMarkdown(files) : renderText(files));
  }
  return failed ? 1 : 0;
};
