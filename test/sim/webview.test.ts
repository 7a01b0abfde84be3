import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { build } from 'esbuild';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedScenario } from '../../server/src/core/sim/builtin';
import { simulate } from '../../server/src/core/sim/engine';
import { resultToCsv } from '../../server/src/core/sim/report';
import { ROOT, configFile } from './helpers';

const CHROMIUM = '/usr/bin/chromium';
const OUT = join(ROOT, 'test-results', 'sim');

describe('simulation chart page in headless Chromium', () => {
  let server: Server;
  let base = '';
  let browser: Browser;
  const nonce = 'T3stN0nce4Sim';
  const result = simulate(configFile('examples/seed-test-script.damon.yaml'), seedScenario(), { seed: 1, durationSec: 300 });

  beforeAll(async () => {
    mkdirSync(OUT, { recursive: true });
    // the same bundle scripts/build.mjs makes, into a private directory
    const assets = join(OUT, 'assets');
    await build({
      absWorkingDir: ROOT,
      entryPoints: ['client/src/webview/simulation.ts'],
      outfile: join(assets, 'simulation.js'),
      bundle: true,
      platform: 'browser',
      format: 'iife',
      target: 'es2020',
      mainFields: ['module', 'main'],
      logLevel: 'warning',
    });
    const html = readFileSync(join(ROOT, 'client/src/webview/simulation.html'), 'utf8')
      .replaceAll('{{nonce}}', nonce)
      .replaceAll('{{cspSource}}', "'self'")
      .replaceAll('{{assetsUri}}', '/assets');
    server = createServer((req, res) => {
      const url = req.url ?? '/';
      if (url === '/' || url === '/index.html') {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end(html);
        return;
      }
      const file = join(assets, url.replace(/^\/assets\//, ''));
      if (url.startsWith('/assets/') && existsSync(file)) {
        res.writeHead(200, { 'content-type': file.endsWith('.css') ? 'text/css' : 'text/javascript' });
        res.end(readFileSync(file));
        return;
      }
      // the browser asks for /favicon.ico on its own
      res.writeHead(url === '/favicon.ico' ? 204 : 404);
      res.end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  });

  it('renders usage with target bands, effective quota and migrations, exports PNG and CSV, breaks no CSP rule', async () => {
    const page = await browser.newPage({ viewport: { width: 1100, height: 1400 }, acceptDownloads: true });
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(e.message));
    const external: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith(base) && !r.url().startsWith('data:') && !r.url().startsWith('blob:')) external.push(r.url());
    });
    await page.goto(base);
    await page.evaluate((r) => window.postMessage({ type: 'result', result: r }, '*'), JSON.parse(JSON.stringify(result)));
    await page.waitForSelector('body[data-rendered="true"]', { timeout: 20_000 });

    const canvases = await page.$$eval('canvas', (cs) =>
      cs.map((c) => {
        const g = c.getContext('2d')!;
        const d = g.getImageData(0, 0, c.width, c.height).data;
        let painted = 0;
        for (let i = 0; i < d.length; i += 4) if (d[i + 3] > 0) painted++;
        return { w: c.width, h: c.height, painted };
      }),
    );
    expect(canvases).toHaveLength(3);
    for (const c of canvases) expect(c.painted).toBeGreaterThan(2000);
    const legend = await page.locator('#chart-usage .u-legend').innerText();
    expect(legend).toContain('/workload_a node0');
    expect(legend).toContain('/workload_b node1');
    expect(legend).toContain('/workload_a node0 target');
    expect(await page.locator('#chart-quota .u-legend').innerText()).toContain('kdamond1 scheme0 migrate_cold');
    expect(await page.locator('#chart-migrations .u-legend').innerText()).toContain('all migrations');
    // readable axes: units named once on linear axes; the log quota axis ticks only at powers of 1024
    // (it printed overlapping labels from "9313225.75 GiB" to "1 B")
    const axis = async (id: string) =>
      page.locator(id).evaluate((e) => ({ label: (e as HTMLElement).dataset.yLabel ?? '', ticks: ((e as HTMLElement).dataset.yTicks ?? '').split('|') }));
    const usage = await axis('#chart-usage');
    expect(usage.label).toBe('memory (GiB)');
    for (const tk of usage.ticks) expect(tk).toMatch(/^\d+(\.\d+)?$/);
    const quota = await axis('#chart-quota');
    expect(quota.ticks.length).toBeGreaterThan(0);
    expect(quota.ticks.length).toBeLessThanOrEqual(6);
    for (const tk of quota.ticks) expect(tk).toMatch(/^1 (B|KiB|MiB|GiB|TiB)$/);
    expect(new Set(quota.ticks).size).toBe(quota.ticks.length);
    // the goal target is a line of its own in the legend, next to the band's edges
    expect(legend).toContain('/workload_a node0 band low');
    expect(await page.locator('#summary').innerText()).toMatch(/\/workload_a\s+0\s+\d+\.\d\d GiB/);
    expect(await page.locator('#meta').innerText()).toContain('seed 1');
    await page.screenshot({ path: join(OUT, 'simulation.png'), fullPage: true });

    const [png] = await Promise.all([page.waitForEvent('download'), page.click('#export-png')]);
    expect(png.suggestedFilename()).toBe('seed-memcg-tiering-seed1.png');
    const pngBytes = readFileSync(await png.path());
    expect(pngBytes.subarray(1, 4).toString()).toBe('PNG');
    expect(pngBytes.length).toBeGreaterThan(10_000);
    const [csv] = await Promise.all([page.waitForEvent('download'), page.click('#export-csv')]);
    const text = readFileSync(await csv.path(), 'utf8');
    expect(text.split('\n')[0]).toMatch(/^t_sec,usage_bytes\[\/workload_a\]\[node0\]/);
    expect(text.trim().split('\n')).toHaveLength(result.series.t.length + 1);
    // the same writer as `simulate --csv` (core/sim/report.ts), so the two files agree
    expect(text).toBe(resultToCsv(result));
    writeFileSync(join(OUT, 'export.csv'), text);

    expect(external).toEqual([]);
    expect(problems.filter((p) => /Content Security Policy|Refused/.test(p))).toEqual([]);
    expect(problems).toEqual([]);
    await page.close();
  }, 60_000);

  it('the page keeps its CSP: an inline script without the nonce does not run', async () => {
    const page = await browser.newPage();
    await page.goto(base);
    const ran = await page.evaluate(() => {
      const s = document.createElement('script');
      s.textContent = 'window.__inline = 1';
      document.body.appendChild(s);
      return (window as unknown as { __inline?: number }).__inline === 1;
    });
    expect(ran).toBe(false);
    await page.close();
  });
});
