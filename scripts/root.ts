import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The repository root (the folder whose package.json is damon-config's), from source or from a bundle. */
export function repoRoot(from: string = __dirname): string {
  let d = from;
  for (;;) {
    const p = join(d, 'package.json');
    if (existsSync(p) && JSON.parse(readFileSync(p, 'utf8')).name === 'damon-config') return d;
    const up = dirname(d);
    if (up === d) return process.cwd();
    d = up;
  }
}
