/**
 * Global setup of the unit tier: bundles dist/ once (scripts/build.mjs), before any test file runs.
 * Several files run bin/damon-config (dist/cli.js) the way a user does; building here means they test
 * the current source, and no file rebuilds dist/ while another one, running in parallel, executes it.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

export default function setup(): void {
  const root = join(__dirname, '..', '..');
  execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs'), '--quiet'], { cwd: root, stdio: 'inherit' });
}
