/**
 * Global setup of the unit tier: bundles dist/ (scripts/build.mjs) before any test file runs, unless
 * it is newer than every source file. Several files run bin/damon-config (dist/cli.js) the way a user
 * does; building here means they test the current source, and no file rebuilds dist/ while another
 * one, running in parallel, executes it.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const OUTPUTS = ['dist/cli.js', 'dist/server.js', 'dist/extension.js', 'dist/sim-worker.js', 'dist/webview/simulation.js'];
const SOURCES = ['server/src', 'client/src', 'scripts/build.mjs', 'package.json', 'package-lock.json'];

function newest(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let m = 0;
  for (const e of readdirSync(path)) m = Math.max(m, newest(join(path, e)));
  return m;
}

export default function setup(): void {
  const outs = OUTPUTS.map((o) => join(ROOT, o));
  if (outs.every((o) => existsSync(o))) {
    const built = Math.min(...outs.map((o) => statSync(o).mtimeMs));
    if (built > Math.max(...SOURCES.map((s) => newest(join(ROOT, s))))) return;
  }
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs'), '--quiet'], { cwd: ROOT, stdio: 'inherit' });
}
