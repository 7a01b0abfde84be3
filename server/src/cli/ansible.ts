/**
 * Fleets through Ansible:
 *   damon-config ansible CONFIG [--out DIR] [--name NAME]       write a role + playbook + inventory
 *   damon-config host-plan CONFIG --host H --probe-output F ...  one host's plan/verdict as JSON (the role's module)
 *   damon-config deploy CONFIG --inventory FILE [--limit P] [--check]   run ansible-playbook with that role
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { MARKER, renderAnsibleRole, renderApplyWrapper, ROLE_NAME_RE } from '../fleet/ansible';
import { fleetRecap, RESULTS_CALLBACK_NAME, RESULTS_CALLBACK_PY, RESULTS_ENV, type FleetRecap } from '../fleet/results';
import { DeployError, loadForDeploy, precheckValues } from '../host/deploy';
import { planForHost, verdictForHost } from '../host/host-plan';
import { VERSION } from '../version';
import { DEFAULT_CGROUP_WAIT_S } from '../core/sysfs/persist';
import type { CliIO, Subcommand } from './io';
import { parseArgs, readTextFile, UsageError } from './util';

export const ANSIBLE_USAGE = `usage: damon-config ansible CONFIG [--out DIR] [--name NAME]

Writes an Ansible role that deploys CONFIG with the guarantees of \`deploy\` (probe, the check
against each host's kernel and profile, the transactional deploy script with rollback, --check and
--diff, changed=0 when a host already runs the config), plus playbook.yml, inventory.example.ini,
ansible.cfg and a README. DIR defaults to ./damon-ansible, NAME (the role) to damon_config.`;

export const HOST_PLAN_USAGE = `usage: damon-config host-plan CONFIG --host NAME --probe-output FILE [--kernel X.Y]
                             [--script-out FILE [--persist-out FILE [--cgroup-wait S]] | --apply-output FILE]

For drivers that run the remote side themselves (the Ansible role's module): prints JSON with the
host's facts, the checks against its probe, the sysfs diff and (--script-out) writes the deploy
script to run on it; --persist-out writes the script that installs the config to be applied at
every boot (deploy --persist's); with --apply-output, reads the deploy script's output and prints
the verdict.`;

/** the argv that runs this CLI again (the bundled dist/cli.js under this Node) */
export function selfArgv(): string[] {
  return [process.execPath, resolve(__dirname, 'cli.js')];
}

function usage(io: CliIO, cmd: string, text: string, e: unknown): number {
  io.stderr(`damon-config ${cmd}: ${(e as Error).message}\n${text}\n`);
  return 2;
}

function readConfig(io: CliIO, file: string): string | null {
  const f = readTextFile(file);
  if (f.problem) {
    io.stderr(`${file}: ${f.problem.message}\n`);
    return null;
  }
  return f.text as string;
}

/** Static checks before any host is involved: config errors and values unsafe for a shell. */
function precheck(io: CliIO, text: string, file: string, kernel?: string): boolean {
  try {
    precheckValues(loadForDeploy(text, file, undefined, kernel));
    return true;
  } catch (e) {
    if (!(e instanceof DeployError)) throw e;
    io.stderr(`${e.message}\n${e.details.map((d) => `  ${d}\n`).join('')}`);
    return false;
  }
}

export function writeRole(out: string, files: Map<string, string>): void {
  if (existsSync(out) && readdirSync(out).length > 0 && !existsSync(join(out, MARKER))) {
    throw new UsageError(`${out} exists and was not written by damon-config ansible: choose another --out`);
  }
  for (const [rel, body] of files) {
    const p = join(out, rel);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, body, { mode: rel.endsWith('.sh') || rel.endsWith('.py') ? 0o755 : 0o644 });
  }
}

export const ansible: Subcommand = async (args, io) => {
  let parsed;
  try {
    parsed = parseArgs(args, { out: 'string', name: 'string', kernel: 'string', help: 'bool' });
    if (parsed.flags.help) {
      io.stdout(`${ANSIBLE_USAGE}\n`);
      return 0;
    }
    if (parsed.positional.length !== 1) throw new UsageError('ansible takes exactly one CONFIG file');
    const name = (parsed.flags.name as string | undefined) ?? 'damon_config';
    if (!ROLE_NAME_RE.test(name)) throw new UsageError(`--name ${JSON.stringify(name)}: use lower-case letters, digits and _ (starting with a letter)`);
  } catch (e) {
    return usage(io, 'ansible', ANSIBLE_USAGE, e);
  }
  const file = parsed.positional[0];
  const text = readConfig(io, file);
  if (text === null) return 2;
  if (!precheck(io, text, file, parsed.flags.kernel as string | undefined)) return 1;
  const name = (parsed.flags.name as string | undefined) ?? 'damon_config';
  const out = resolve(io.cwd, (parsed.flags.out as string | undefined) ?? 'damon-ansible');
  const files = renderAnsibleRole({
    name,
    configText: text,
    configFileName: basename(file) === '-' ? 'config.damon.yaml' : basename(file),
    cli: selfArgv(),
    version: VERSION,
  });
  try {
    writeRole(out, files);
  } catch (e) {
    return usage(io, 'ansible', ANSIBLE_USAGE, e);
  }
  io.stdout(`wrote role ${name} to ${out} (${files.size} files)\n  ansible-playbook -i INVENTORY ${join(out, 'playbook.yml')} --check --diff\n`);
  return 0;
};

export const hostPlan: Subcommand = async (args, io) => {
  let parsed;
  try {
    parsed = parseArgs(args, {
      host: 'string',
      'probe-output': 'string',
      'script-out': 'string',
      'apply-output': 'string',
      kernel: 'string',
      replace: 'bool',
      'persist-out': 'string',
      'cgroup-wait': 'string',
      help: 'bool',
    });
    if (parsed.flags.help) {
      io.stdout(`${HOST_PLAN_USAGE}\n`);
      return 0;
    }
    if (parsed.positional.length !== 1) throw new UsageError('host-plan takes exactly one CONFIG file');
    if (!parsed.flags.host) throw new UsageError('--host NAME is required');
    if (!parsed.flags['probe-output']) throw new UsageError('--probe-output FILE is required');
    const cw = parsed.flags['cgroup-wait'] as string | undefined;
    if (cw !== undefined && (!/^\d+$/.test(cw) || Number(cw) < 1 || Number(cw) > 86400))
      throw new UsageError(`--cgroup-wait wants whole seconds between 1 and 86400, got "${cw}"`);
  } catch (e) {
    return usage(io, 'host-plan', HOST_PLAN_USAGE, e);
  }
  const file = parsed.positional[0];
  const host = parsed.flags.host as string;
  const kernel = parsed.flags.kernel as string | undefined;
  const text = readConfig(io, file);
  if (text === null) return 2;
  const probe = readTextFile(parsed.flags['probe-output'] as string);
  if (probe.problem) {
    io.stderr(`${parsed.flags['probe-output']}: ${probe.problem.message}\n`);
    return 2;
  }
  const applyOut = parsed.flags['apply-output'] as string | undefined;
  if (applyOut !== undefined) {
    const a = readTextFile(applyOut);
    const verdict = verdictForHost(host, text, file, probe.text as string, a.text ?? '', kernel || undefined);
    io.stdout(`${JSON.stringify({ verdict })}\n`);
    return 0;
  }
  const persistOut = parsed.flags['persist-out'] as string | undefined;
  const cgroupWaitS = parsed.flags['cgroup-wait'] ? Number(parsed.flags['cgroup-wait']) : DEFAULT_CGROUP_WAIT_S;
  const r = planForHost(host, text, file, probe.text as string, kernel || undefined, !!parsed.flags.replace, persistOut ? { cgroupWaitS } : undefined);
  if (r.ok && parsed.flags['script-out']) {
    writeFileSync(parsed.flags['script-out'] as string, renderApplyWrapper(host, r.script), { mode: 0o700 });
  }
  if (r.ok && persistOut && r.persist) writeFileSync(persistOut, r.persist.script, { mode: 0o700 });
  const { script: _script, ...rest } = r.ok ? { ...r, persist: r.persist && { ...r.persist, script: undefined } } : { ...r, script: undefined };
  io.stdout(`${JSON.stringify(rest)}\n`);
  return 0;
};

/**
 * Ansible's warnings in its output, each one line; not the ` * ` details. Ansible wraps a warning
 * with Python's textwrap at 80 columns (the prefix included): a break at a space is joined with a
 * space, a break after a hyphen ("broken-" / "inventory.yml") or inside a word longer than the
 * line (a line of exactly 80 characters) is joined with nothing.
 */
export function ansibleWarnings(text: string): string[] {
  const out: string[] = [];
  let cur: string | null = null;
  let prevRaw = '';
  const flush = () => {
    if (cur !== null) out.push(cur);
    cur = null;
  };
  for (const line of text.split('\n')) {
    if (line.startsWith('[WARNING]: ')) {
      flush();
      const first = line.slice('[WARNING]: '.length);
      cur = first.startsWith(' ') ? null : first.trim();
      prevRaw = line;
    } else if (cur !== null && line.trim() && !line.startsWith('[')) {
      const glued = (/[A-Za-z0-9]-$/.test(prevRaw) && /^[A-Za-z0-9]/.test(line)) || prevRaw.length >= ANSIBLE_COLUMNS;
      cur = glued ? cur + line.trim() : `${cur} ${line.trim()}`;
      prevRaw = line;
    } else flush();
  }
  flush();
  return out;
}

/** the width Ansible wraps its warnings to when its output is not a terminal */
const ANSIBLE_COLUMNS = 80;

export function findAnsiblePlaybook(): string | null {
  const r = spawnSync('sh', ['-c', 'command -v ansible-playbook'], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() ? r.stdout.trim() : null;
}

/**
 * `deploy CONFIG --inventory FILE [--limit P] [--check] [--json]`: the role in a temporary folder, run
 * by ansible-playbook. With --json, Ansible's output goes to stderr and stdout gets the per-host
 * outcomes ({@link FleetRecap}) a callback plugin recorded (fleet/results.ts), not scraped text.
 */
export async function deployInventory(
  io: CliIO,
  file: string,
  opts: { inventory: string; limit?: string; check?: boolean; kernel?: string; json?: boolean; persist?: { cgroupWaitS: number } },
): Promise<number> {
  const text = readConfig(io, file);
  if (text === null) return 2;
  if (!precheck(io, text, file, opts.kernel)) return 1;
  const playbook = findAnsiblePlaybook();
  if (!playbook) {
    io.stderr(
      'damon-config deploy: ansible-playbook is not installed (Debian/Ubuntu: `apt install ansible-core`; elsewhere: `pipx install ansible-core`); more than one host is deployed through Ansible\n',
    );
    return 2;
  }
  const inventory = resolve(io.cwd, opts.inventory);
  if (!existsSync(inventory)) {
    io.stderr(`damon-config deploy: inventory ${opts.inventory} does not exist\n`);
    return 2;
  }
  const dir = mkdtempSync(join(tmpdir(), 'damon-config-ansible-'));
  try {
    writeRole(dir, renderAnsibleRole({ name: 'damon_config', configText: text, configFileName: basename(file), cli: selfArgv(), version: VERSION }));
    const argv = ['-i', inventory, join(dir, 'playbook.yml')];
    if (opts.limit) argv.push('--limit', opts.limit);
    if (opts.kernel) argv.push('-e', JSON.stringify({ damon_kernel: opts.kernel }));
    if (opts.persist) argv.push('-e', JSON.stringify({ damon_persist: true, damon_persist_cgroup_wait: opts.persist.cgroupWaitS }));
    if (opts.check) argv.push('--check', '--diff');
    const env: NodeJS.ProcessEnv = { ...process.env, ANSIBLE_CONFIG: join(dir, 'ansible.cfg') };
    const results = join(dir, 'results.json');
    if (opts.json) {
      mkdirSync(join(dir, 'callback_plugins'));
      writeFileSync(join(dir, 'callback_plugins', `${RESULTS_CALLBACK_NAME}.py`), RESULTS_CALLBACK_PY);
      env.ANSIBLE_CALLBACK_PLUGINS = join(dir, 'callback_plugins');
      env.ANSIBLE_CALLBACKS_ENABLED = RESULTS_CALLBACK_NAME;
      env[RESULTS_ENV] = results;
    }
    // with --json, stdout is the JSON alone: Ansible's text goes to stderr
    const out = (t: string): void => (opts.json ? io.stderr(t) : io.stdout(t));
    let stderr = '';
    const code = await new Promise<number>((res) => {
      const p = spawn(playbook, argv, { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
      // stopped (the editor's Cancel, Ctrl+C): Ansible stops as on its own Ctrl+C and the recap of
      // what ran is still written; each host's deploy script commits or rolls back on its own
      const stop = (): void => void p.kill('SIGINT');
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
      p.on('close', () => {
        process.off('SIGTERM', stop);
        process.off('SIGINT', stop);
      });
      p.stdout.on('data', (c: Buffer) => out(c.toString('utf8')));
      p.stderr.on('data', (c: Buffer) => {
        stderr += c.toString('utf8');
        io.stderr(c.toString('utf8'));
      });
      p.on('error', (e) => {
        io.stderr(`damon-config deploy: ${e.message}\n`);
        res(2);
      });
      p.on('close', (c) => res(c ?? 1));
    });
    if (opts.json) {
      let recap: FleetRecap & { error?: string } = { check: !!opts.check, hosts: [] };
      if (existsSync(results)) {
        recap = fleetRecap(readFileSync(results, 'utf8'), !!opts.check);
        // the role checks its own copy of the config: name the user's file in the places it reports
        const copy = join(dir, 'roles', 'damon_config', 'files', basename(file));
        const own = (t: string): string => t.split(copy).join(file);
        for (const h of recap.hosts) {
          h.message = own(h.message);
          h.details = h.details.map(own);
        }
      }
      // no results file: Ansible stopped before the recap (an unknown --limit: its last line says so)
      else recap.error = stderr.trim().split('\n').filter(Boolean).at(-1) ?? `ansible-playbook exited ${code}`;
      // no host ran (an inventory Ansible could not read): its own warnings say why
      if (recap.hosts.length === 0 && !recap.error) recap.error = ansibleWarnings(stderr).slice(0, 2).join('; ') || `no host of ${opts.inventory} matched`;
      io.stdout(`${JSON.stringify(recap, null, 2)}\n`);
    }
    return code === 0 ? 0 : 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
