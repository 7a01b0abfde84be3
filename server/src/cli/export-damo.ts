/**
 * `damon-config export-damo CONFIG [--format command|json] [--tune] [--document N]`
 * Writes a damo config (YAML or JSON) as the `damo start` command line that reproduces it, or as the
 * JSON file `damo start FILE.json` reads. Exit: 0 ok, 1 something could not be expressed exactly
 * (said on stderr), 2 usage or I/O problem.
 */
import { resolve } from 'node:path';
import { problemLine } from '../core/diagnostic';
import { toJS } from '../core/index';
import { exportCommandLine, exportJson } from '../core/damo/index';
import { formatFor, parseJson, parseYaml } from '../core/parse/tree';
import type { CliIO, Subcommand } from './io';
import { formatDiagnostics } from './import-damo';
import { parseArgs, readTextFile, UsageError } from './util';

export const EXPORT_DAMO_USAGE = `usage: damon-config export-damo CONFIG|- [--format command|json] [--tune] [--document N]

Writes a DAMON config (damo's kdamonds format, YAML or JSON) as a \`damo start\` command line that
damo 3.3 turns back into the same config (--tune: \`damo tune\`), or as canonical JSON for
\`damo start FILE.json\` (every value a plain number in its key's unit).
A YAML file with several documents gives one command line per document; --format json needs one
document (damo reads one config per file): choose it with --document N (1-based).
Exit status: 0 ok, 1 a setting cannot be expressed exactly (see stderr), 2 usage or I/O problem.`;

export const exportDamo: Subcommand = async (args: string[], io: CliIO) => {
  let parsed;
  try {
    parsed = parseArgs(args, { format: 'string', tune: 'bool', document: 'string', help: 'bool' });
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`damon-config export-damo: ${e.message}\n${EXPORT_DAMO_USAGE}\n`);
      return 2;
    }
    throw e;
  }
  const { flags, positional } = parsed;
  if (flags.help) {
    io.stdout(`${EXPORT_DAMO_USAGE}\n`);
    return 0;
  }
  const format = (flags.format as string | undefined) ?? 'command';
  if (format !== 'command' && format !== 'json') {
    io.stderr(`damon-config export-damo: --format must be command or json (got "${format}")\n`);
    return 2;
  }
  if (positional.length !== 1) {
    io.stderr(`damon-config export-damo: give one config file (or - for stdin)\n${EXPORT_DAMO_USAGE}\n`);
    return 2;
  }
  const input = positional[0];
  let text: string;
  if (input === '-') text = await io.readStdin();
  else {
    const f = readTextFile(resolve(io.cwd, input));
    if (f.problem) {
      io.stderr(`damon-config export-damo: ${input}: ${f.problem.message}\n`);
      return 2;
    }
    text = f.text!;
  }
  const shown = input === '-' ? '<stdin>' : input;
  const docs = formatFor(input === '-' ? undefined : input, text) === 'json' ? [parseJson(text)] : parseYaml(text);
  const syntax = docs.flatMap((d) => d.diagnostics).filter((d) => d.severity === 'error');
  if (syntax.length) {
    io.stderr(formatDiagnostics(shown, text, syntax));
    io.stderr(`damon-config export-damo: ${shown} does not parse; run \`damon-config check ${shown}\`\n`);
    return 2;
  }
  let roots = docs.filter((d) => d.root);
  if (roots.length === 0) {
    io.stderr(`damon-config export-damo: ${shown} is empty\n`);
    return 2;
  }
  if (flags.document !== undefined) {
    const n = Number(flags.document);
    if (!Number.isInteger(n) || n < 1 || n > roots.length) {
      io.stderr(`damon-config export-damo: --document wants a number from 1 to ${roots.length} (got "${flags.document}")\n`);
      return 2;
    }
    roots = [roots[n - 1]];
  } else if (format === 'json' && roots.length > 1) {
    // concatenated JSON objects are not JSON, and damo start FILE.json reads one config
    io.stderr(
      `damon-config export-damo: ${shown} has ${roots.length} YAML documents, and damo reads one config per JSON file: choose one with --document N (1 to ${roots.length})\n`,
    );
    return 2;
  }
  let bad = false;
  const outputs: string[] = [];
  roots.forEach((d, i) => {
    const js = toJS(d.root);
    const where = roots.length > 1 ? `${shown} (document ${i + 1})` : shown;
    const { json, config, problems } = exportJson(js);
    for (const p of problems) io.stderr(`${problemLine(`${where}: ${p.path.join('.') || '(root)'}`, p.severity, p.message)}\n`);
    if (problems.some((p) => p.severity === 'error')) bad = true;
    if (format === 'json') outputs.push(json);
    else {
      const r = exportCommandLine(config, { subcommand: flags.tune ? 'tune' : 'start' });
      for (const p of r.problems) io.stderr(`${problemLine(`${where}: ${p.path.join('.') || '(root)'}`, p.severity, p.message)}\n`);
      if (r.problems.some((p) => p.severity === 'error')) bad = true;
      outputs.push(r.command);
    }
  });
  io.stdout(outputs.join(format === 'json' ? '' : '\n'));
  return bad ? 1 : 0;
};
