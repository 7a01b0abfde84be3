// Bundles every entry point with esbuild into dist/. Entries whose source does not exist yet are skipped.
import { build } from 'esbuild';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const production = process.argv.includes('--production');

/** [source, output, platform-specific options] */
const entries = [
  ['server/src/cli/main.ts', 'dist/cli.js', {}],
  ['server/src/server.ts', 'dist/server.js', {}],
  ['client/src/extension.ts', 'dist/extension.js', { external: ['vscode'] }],
  ['server/src/sim-worker/worker.ts', 'dist/sim-worker.js', {}],
  ['bench/sim.ts', 'dist/bench-sim.js', {}],
  ['client/src/webview/simulation.ts', 'dist/webview/simulation.js', { platform: 'browser', format: 'iife', target: 'es2020' }],
];

const started = Date.now();
const jobs = entries
  .filter(([src]) => existsSync(join(root, src)))
  .map(([src, out, extra]) =>
    build({
      absWorkingDir: root,
      entryPoints: [src],
      outfile: out,
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      // jsonc-parser's UMD main cannot be bundled (dynamic requires): prefer ESM builds
      mainFields: ['module', 'main'],
      sourcemap: production ? false : 'linked',
      minify: production,
      logLevel: 'warning',
      ...extra,
    }),
  );
await Promise.all(jobs);
if (!process.argv.includes('--quiet')) {
  console.error(`built ${jobs.length} bundle(s) in ${Date.now() - started} ms`);
}
