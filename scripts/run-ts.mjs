// Bundles a TypeScript entry with esbuild and runs it with the remaining arguments (benchmarks, tools).
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  console.error('usage: node scripts/run-ts.mjs FILE.ts [ARGS...]');
  process.exit(2);
}
mkdirSync(join(root, 'dist', 'run'), { recursive: true });
const out = join(root, 'dist', 'run', `${basename(entry, '.ts')}.js`);
await build({
  absWorkingDir: root,
  entryPoints: [entry],
  outfile: out,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  logLevel: 'warning',
  mainFields: ['module', 'main'],
  external: ['vscode', 'playwright-core', 'yaml-language-server'],
});
const r = spawnSync(process.execPath, ['--expose-gc', out, ...args], { stdio: 'inherit', cwd: root });
process.exit(r.status ?? 1);
