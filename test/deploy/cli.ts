/** Run the built CLI the way a user does (a child process) and collect its output. */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from '../testhost/vm';

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export function runCli(
  args: string[],
  opts: { input?: string; env?: NodeJS.ProcessEnv; onSpawn?: (pid: number) => void; onStderr?: (text: string) => void } = {},
): Promise<CliRun> {
  const started = Date.now();
  return new Promise((resolve) => {
    const c = spawn(process.execPath, [join(ROOT, 'dist/cli.js'), ...args], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'], env: opts.env ?? process.env });
    if (c.pid) opts.onSpawn?.(c.pid);
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (d) => (stdout += d));
    c.stderr.on('data', (d) => {
      stderr += d;
      opts.onStderr?.(stderr);
    });
    c.on('close', (code) => resolve({ code, stdout, stderr, ms: Date.now() - started }));
    c.stdin.end(opts.input ?? '');
  });
}

/** a vaddr `stat` config for PID (the VM tests that deploy to a process of the test host) */
export function vaddrConfig(pid: number, aggr = '100 ms'): string {
  return `kdamonds:
  - contexts:
      - ops: vaddr
        targets:
          - pid: ${pid}
            regions: []
        intervals: {sample_us: 5 ms, aggr_us: ${aggr}, ops_update_us: 1 s}
        nr_regions: {min: 10, max: 1000}
        schemes:
          - action: stat
            access_pattern:
              sz_bytes: {min: min, max: max}
              nr_accesses: {min: 0 %, max: 100 %}
              age: {min: 0, max: max}
`;
}
