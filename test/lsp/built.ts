/** The bundles under test. `npm test` builds before running vitest; a lone test run builds if needed. */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..');
export const SERVER_JS = join(ROOT, 'dist', 'server.js');
export const EXTENSION_JS = join(ROOT, 'dist', 'extension.js');

export function ensureBuilt(): void {
  if (existsSync(SERVER_JS) && existsSync(EXTENSION_JS)) return;
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs'), '--quiet'], { cwd: ROOT, stdio: 'inherit' });
}
