/**
 * `damon-config import-damo [FILE|-] [--format yaml|json] [--profile FILE] [--kernel X.Y]`
 * Reads damo start/tune command lines (pasted text or a shell script), prints the config they mean
 * (commented YAML, or JSON) on stdout and the problems found on stderr.
 * Exit: 0 imported without errors, 1 imported with errors (damo or the kernel would refuse it),
 * 2 usage or I/O problem, or no damo command found.
 */
import { resolve } from 'node:path';
import { LineIndex, type CoreDiagnostic, type MachineProfile } from '../core/index';
import { diagnosticLines } from '../core/diagnostic';
import { parseKernelVersion } from '../core/kernel-version';
import { importDamoText } from '../core/damo/index';
import type { CliIO, Subcommand } from './io';
import { loadProfileFile, parseArgs, readTextFile, UsageError } from './util';

export const IMPORT_DAMO_USAGE = `usage: damon-config import-damo [FILE|-] [--format yaml|json] [--profile FILE] [--kernel X.Y]

Turns \`damo start\`/\`damo tune\` command lines (pasted text, a mail, or a shell script; stdin when no
FILE or "-") into a damo config file, partitioning the options exactly as damo 3.3 does. The config
goes to stdout (YAML keeps the command's \`# comments\`; several commands become several YAML
documents); problems go to stderr at their place in the command text.
  --profile FILE  machine profile: physical ranges for --numa_node and paddr targets
  --kernel X.Y    kernel to check the imported config against
Exit status: 0 imported, 1 imported but damo or the kernel would refuse it, 2 usage/I/O problem or
no damo command found.`;

export function formatDiagnostics(file: string, text: string, ds: CoreDiagnostic[]): string {
  const idx = new LineIndex(text);
  const out = ds.flatMap((d) => diagnosticLines(file, idx, d, { fixes: true }));
  return out.length ? `${out.join('\n')}\n` : '';
}

export const importDamo: Subcommand = async (args: string[], io: CliIO) => {
  let parsed;
  try {
    parsed = parseArgs(args, { format: 'string', profile: 'string', kernel: 'string', help: 'bool' });
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`damon-config import-damo: ${e.message}\n${IMPORT_DAMO_USAGE}\n`);
      return 2;
    }
    throw e;
  }
  const { flags, positional } = parsed;
  if (flags.help) {
    io.stdout(`${IMPORT_DAMO_USAGE}\n`);
    return 0;
  }
  const format = (flags.format as string | undefined) ?? 'yaml';
  if (format !== 'yaml' && format !== 'json') {
    io.stderr(`damon-config import-damo: --format must be yaml or json (got "${format}")\n`);
    return 2;
  }
  const kernel = flags.kernel as string | undefined;
  if (kernel !== undefined && !parseKernelVersion(kernel)) {
    io.stderr(`damon-config import-damo: --kernel takes a version like 6.12 or 7.2 (got "${kernel}")\n`);
    return 2;
  }
  if (positional.length > 1) {
    io.stderr(`damon-config import-damo: one input at a time (got ${positional.length})\n${IMPORT_DAMO_USAGE}\n`);
    return 2;
  }
  let profile: MachineProfile | undefined;
  if (flags.profile !== undefined) {
    const p = loadProfileFile(resolve(io.cwd, flags.profile as string));
    if ('error' in p) {
      io.stderr(`damon-config import-damo: ${p.error}\n`);
      return 2;
    }
    profile = p.profile;
  }
  const input = positional[0] ?? '-';
  let text: string;
  let shown: string;
  if (input === '-') {
    text = await io.readStdin();
    shown = '<stdin>';
  } else {
    const f = readTextFile(resolve(io.cwd, input));
    if (f.problem) {
      io.stderr(`damon-config import-damo: ${input}: ${f.problem.message}\n`);
      return 2;
    }
    text = f.text!;
    shown = input;
  }
  const r = importDamoText(text, { profile, kernel, sourceName: shown === '<stdin>' ? undefined : shown });
  io.stderr(formatDiagnostics(shown, text, r.diagnostics));
  const withConfig = r.commands.filter((c) => c.config);
  if (r.commands.length === 0) {
    io.stderr(`damon-config import-damo: ${shown}: no \`damo start\` or \`damo tune\` command found\n`);
    return 2;
  }
  if (withConfig.length === 0) {
    io.stderr(`damon-config import-damo: ${shown}: the damo command takes its configuration from a file; nothing to import\n`);
    return 2;
  }
  if (format === 'json') {
    if (withConfig.length > 1) {
      io.stderr(`damon-config import-damo: ${shown} has ${withConfig.length} damo commands; JSON holds one config: use --format yaml (one document each)\n`);
      return 2;
    }
    io.stdout(withConfig[0].json);
  } else {
    io.stdout(withConfig.map((c) => c.yaml).join('---\n'));
  }
  return r.diagnostics.some((d) => d.severity === 'error') ? 1 : 0;
};
