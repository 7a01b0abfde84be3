/**
 * `damon-config simulate CONFIG --scenario FILE|NAME [--duration D] [--seed N] [--json OUT] [--csv OUT]`:
 * runs the DAMON/DAMOS simulator on a config and prints the seed-style table.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { LineIndex } from '../core/index';
import { diagnosticLines, problemLine } from '../core/diagnostic';
import { parseUs } from '../core/model/units';
import { simulate as runSimulation, type SimOptions } from '../core/sim/engine';
import { builtinScenario } from '../core/sim/scenario';
import { prepareSimulation, type ScenarioSource } from '../core/sim/prepare';
import { BUILTIN_SCENARIOS } from '../core/sim/builtin';
import { formatSummaryTable, resultToCsv, resultToJson } from '../core/sim/report';
import { isSeedMeasuredConfig, SEED_MEASURED_LINE } from '../core/sim/seed-measured';
import type { CliIO, Subcommand } from './io';
import { parseArgs, readTextFile, UsageError } from './util';
import { FILE_LIMITS } from '../io/files';

const HELP = `usage: damon-config simulate CONFIG --scenario FILE|NAME [options]

Simulates DAMON monitoring and DAMOS schemes of CONFIG (damo kdamonds format, YAML or JSON) on the
machine and workloads of a scenario, and prints per cgroup and node: mean and stdev of the usage over
the measurement window, the goal's target, and when the usage first reached it.

options:
  --scenario FILE|NAME  scenario file (schemas/scenario.schema.json) or a built-in: ${Object.keys(BUILTIN_SCENARIOS).join(', ')}
  --duration D          simulated time: seconds, or a time like 10m, 900s (default: the scenario's)
  --seed N              PRNG seed (default: the scenario's, else 1); the same seed gives the same result
  --json OUT            write {summary, series, ...} as JSON
  --csv OUT             write the time series as CSV
`;

/** `--duration`: a bare number is seconds; else a number with a time unit (900s, 15m, 1h). */
function parseDuration(s: string): number {
  if (/^\s*\d+(\.\d+)?\s*$/.test(s)) return Number(s);
  const r = /\d/.test(s) ? parseUs(s) : undefined;
  if (!r?.ok) throw new UsageError(`--duration: "${s}" is not a duration: write seconds (900) or a time with a unit (900s, 15m, 1h)`);
  return r.v.value / 1e6;
}

export const simulate: Subcommand = async (args, io: CliIO) => {
  let parsed;
  try {
    parsed = parseArgs(args, { scenario: 'string', duration: 'string', seed: 'string', json: 'string', csv: 'string', help: 'bool' });
  } catch (e) {
    io.stderr(`damon-config simulate: ${(e as Error).message}\n${HELP}`);
    return 2;
  }
  const { flags, positional } = parsed;
  if (flags.help) {
    io.stdout(HELP);
    return 0;
  }
  if (positional.length !== 1 || typeof flags.scenario !== 'string') {
    io.stderr(`damon-config simulate: ${positional.length !== 1 ? 'give exactly one CONFIG file' : '--scenario is required'}\n${HELP}`);
    return 2;
  }
  const opts: SimOptions = {};
  try {
    if (typeof flags.duration === 'string') {
      opts.durationSec = parseDuration(flags.duration);
      if (!(opts.durationSec > 0) || opts.durationSec > 86400) throw new UsageError('--duration must be above 0 and at most 24 h');
    }
    if (typeof flags.seed === 'string') {
      if (!/^\d+$/.test(flags.seed) || Number(flags.seed) > 4294967295) throw new UsageError('--seed must be an integer from 0 to 4294967295');
      opts.seed = Number(flags.seed);
    }
  } catch (e) {
    io.stderr(`damon-config simulate: ${(e as Error).message}\n`);
    return 2;
  }

  // the config and the scenario: one shared step checks the config against the scenario's kernel
  const configPath = positional[0];
  const cf = configPath === '-' ? { text: await io.readStdin() } : readTextFile(resolve(io.cwd, configPath));
  if (cf.text === undefined) {
    io.stderr(`${configPath}: ${cf.problem?.message ?? 'cannot read'}\n`);
    return 2;
  }
  const name = flags.scenario;
  let source: ScenarioSource = { builtin: name };
  if (!builtinScenario(name)) {
    const sf = readTextFile(resolve(io.cwd, name), FILE_LIMITS.scenario);
    if (sf.text === undefined) {
      io.stderr(`${name}: ${sf.problem?.message ?? 'cannot read'} (built-in scenarios: ${Object.keys(BUILTIN_SCENARIOS).join(', ')})\n`);
      return 2;
    }
    source = { text: sf.text, fileName: name };
  }
  const prepared = prepareSimulation(cf.text, configPath, source);
  if (!prepared.ok && prepared.stage === 'scenario') {
    for (const p of prepared.problems) io.stderr(`${problemLine(`${name}:${p.line}:${p.column}`, 'error', p.message)}\n`);
    if (!prepared.problems.length) io.stderr(`${name}: ${prepared.message}\n`);
    return 2;
  }
  // check first: the validator's findings explain much of what the simulation then shows
  const lines = new LineIndex(cf.text);
  const kernelNote = ` (kernel ${prepared.scenario.kernel}, scenario ${prepared.scenario.name})`;
  for (const d of prepared.findings) io.stderr(`${diagnosticLines(configPath, lines, d).join('\n')}\n`);
  if (prepared.findings.length) io.stderr(`check${kernelNote}: ${prepared.errors} error(s), ${prepared.findings.length - prepared.errors} warning(s)\n\n`);
  else io.stderr(`check${kernelNote}: no errors or warnings\n\n`);
  if (!prepared.ok) {
    io.stderr(`${configPath}: ${prepared.message}; fix the errors first (damon-config check ${configPath} --kernel ${prepared.scenario.kernel})\n`);
    return 1;
  }
  const { kconfig, scenario, checked } = prepared;
  if (checked.documents.length > 1) io.stderr(`${configPath}: simulating the first of ${checked.documents.length} documents\n`);

  let lastDrawn = -1;
  if (io.isTTY) {
    opts.onProgress = (f, sec) => {
      const pct = Math.floor(f * 100);
      if (pct === lastDrawn) return;
      lastDrawn = pct;
      const w = 30;
      const full = Math.round(f * w);
      io.stderr(`\r[${'#'.repeat(full)}${'.'.repeat(w - full)}] ${String(pct).padStart(3)}%  ${Math.round(sec)} s simulated`);
    };
  }
  let result;
  try {
    result = runSimulation(kconfig, scenario, opts);
  } catch (e) {
    if (io.isTTY) io.stderr('\n');
    io.stderr(`damon-config simulate: the simulation failed: ${(e as Error).message}\n`);
    return 1;
  }
  if (io.isTTY) io.stderr(`\r${' '.repeat(60)}\r`);
  for (const w of result.warnings) io.stderr(`warning: ${w}\n`);
  io.stdout(formatSummaryTable(result));
  // the RFC's measurement belongs beside the table only when this is the config it measured
  if (name === 'seed-memcg-tiering' && isSeedMeasuredConfig(kconfig)) io.stdout(`${SEED_MEASURED_LINE}\n`);
  try {
    if (typeof flags.json === 'string') writeFileSync(resolve(io.cwd, flags.json), resultToJson(result));
    if (typeof flags.csv === 'string') writeFileSync(resolve(io.cwd, flags.csv), resultToCsv(result));
  } catch (e) {
    io.stderr(`damon-config simulate: cannot write output: ${(e as Error).message}\n`);
    return 2;
  }
  return 0;
};
