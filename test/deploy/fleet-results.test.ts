/**
 * `deploy --inventory --json`: the per-host outcomes read from what the Ansible callback recorded
 * (server/src/fleet/results.ts), and the page *DAMON: Deploy to Inventory…* shows them on
 * (client/src/inventory.ts). The fixtures are the callback's files from real runs of the role
 * against the 7.2 test host and a host that refuses connections (paths shortened).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { countsLine, deployable, renderInventoryPage } from '../../client/src/inventory';
import { ansibleWarnings } from '../../server/src/cli/ansible';
import { fleetRecap } from '../../server/src/fleet/results';
import { runCli } from './cli';

const fixture = (name: string): string => readFileSync(join(__dirname, 'fixtures', 'fleet-results', `${name}.json`), 'utf8');
const HOST = 'damon-testhost-7.2';
const UNREACHABLE = 'unreachable-host';

describe('fleetRecap: one outcome per host', () => {
  it('--check: the host that would change carries its sysfs diff; the unreachable one its ssh error', () => {
    const r = fleetRecap(fixture('check'), true);
    expect(r.check).toBe(true);
    expect(r.hosts.map((h) => [h.host, h.status])).toEqual([
      [UNREACHABLE, 'unreachable'],
      [HOST, 'would-change'],
    ]);
    expect(r.hosts[0].message).toMatch(/^Failed to connect to the host via ssh: .*Connection refused$/);
    expect(r.hosts[1].message).toBe('53 sysfs writes (start)');
    expect(r.hosts[1].diff).toContain('kdamonds/0/state: off -> on');
    expect(deployable(r).map((h) => h.host)).toEqual([HOST]);
    expect(countsLine(r)).toBe('1 unreachable, 1 would apply');
  });

  it('a deploy: applied with the verdict of the deploy script; a second run: unchanged', () => {
    const applied = fleetRecap(fixture('apply'), false).hosts.find((h) => h.host === HOST)!;
    expect(applied).toMatchObject({ status: 'applied', message: 'applied (53 writes)' });
    const again = fleetRecap(fixture('again'), false).hosts.find((h) => h.host === HOST)!;
    expect(again).toMatchObject({ status: 'unchanged' });
  });

  it('a host that refuses the config fails with the rule and the config line, in --check and in a deploy', () => {
    for (const [name, check] of [
      ['cgroupcheck', true],
      ['cgroup', false],
    ] as const) {
      const h = fleetRecap(fixture(name), check).hosts.find((x) => x.host === HOST)!;
      expect(h.status).toBe('failed');
      expect(h.message).toMatch(/1 error against 7\.2\.\d+.*nothing was deployed/);
      expect(h.details).toEqual([expect.stringMatching(/^cg\.damon\.yaml:20:50: error \[memcg-path-unknown\] cgroup "\/no_such_cgroup" does not exist/)]);
    }
  });

  it('a rolled-back host says why; a task that failed outside the plan is named; no record at all is unknown', () => {
    const raw = JSON.stringify({
      version: 1,
      hosts: [
        {
          host: 'a',
          plan: { changed: true, failed: false, summary: '3 sysfs writes (commit)' },
          verdict: {
            failed: true,
            status: 'rolled-back',
            msg: 'a: rolled back to its state before the deploy (x.damon.yaml:9:7: the kernel refused kdamonds/0/contexts/0/schemes/0/action: EINVAL — …)',
            details: ['Invalid argument'],
          },
        },
        { host: 'b', failed: { task: 'damon_config : Probe the host', msg: 'non-zero return code' } },
        { host: 'c' },
      ],
    });
    const r = fleetRecap(raw, false);
    expect(r.hosts.map((h) => h.status)).toEqual(['rolled-back', 'failed', 'unknown']);
    expect(r.hosts[0].message).toMatch(/^rolled back to its state before the deploy \(x\.damon\.yaml:9:7: the kernel refused/);
    expect(r.hosts[1].message).toBe('damon_config : Probe the host failed: non-zero return code');
    expect(countsLine(r)).toBe('1 rolled back, 1 failed, 1 unknown');
  });

  it('refuses a file that is not the callback’s', () => {
    expect(() => fleetRecap('{"hosts": []}', false)).toThrow(/not a damon-config results file/);
  });
});

describe('the Deploy to Inventory page', () => {
  it('check: a row per host (would apply / unreachable) and the diff of the host that would change, escaped', () => {
    const html = renderInventoryPage({
      title: 'DAMON Check',
      config: 'a<b>.damon.yaml',
      inventory: 'hosts.ini',
      recap: fleetRecap(fixture('check'), true),
      nonce: 'n1',
    });
    expect(html).toMatch(
      new RegExp(`<tr data-host="${HOST}" data-status="would-change"><td class="host">${HOST}</td><td class="status would-change">would apply</td>`),
    );
    expect(html).toMatch(/data-status="unreachable">.*Connection refused/);
    expect(html).toMatch(/<section class="diff" data-host="damon-testhost-7\.2">[^]*kdamonds\/0\/state: off -&#62; on/);
    expect(html).toContain('a&#60;b&#62;.damon.yaml');
    expect(html).not.toContain('<b>');
    expect(html).toContain("default-src 'none'; style-src 'nonce-n1'");
  });

  it('deploy: the recap says applied; a refused host "failed" with its rule (in a check: "would fail")', () => {
    const applied = renderInventoryPage({ title: 'DAMON Deploy', config: 'c', inventory: 'i', recap: fleetRecap(fixture('apply'), false), nonce: 'n' });
    expect(applied).toMatch(/<td class="status applied">applied<\/td><td class="why">applied \(53 writes\)/);
    expect(applied).not.toContain('class="diff"');
    const refused = renderInventoryPage({ title: 'x', config: 'c', inventory: 'i', recap: fleetRecap(fixture('cgroupcheck'), true), nonce: 'n' });
    expect(refused).toMatch(
      /<td class="status failed">would fail<\/td><td class="why">[^<]*nothing was deployed<br>cg\.damon\.yaml:20:50: error \[memcg-path-unknown\]/,
    );
  });
});

describe('deploy --json', () => {
  it("says why no host ran from Ansible's own warnings, each unwrapped to one line (its output for an unreadable inventory)", () => {
    const stderr = [
      '[WARNING]:  * Failed to parse /w/bad.yml with ini plugin:',
      '/w/bad.yml:1: Expected key=value host variable assignment, got: is:',
      '[WARNING]: Unable to parse /w/bad.yml as an inventory source',
      '[WARNING]: No inventory was parsed, only implicit localhost is available',
      '[WARNING]: provided hosts list is empty, only localhost is available. Note that',
      "the implicit localhost does not match 'all'",
      '',
      'PLAY [Deploy a DAMON config] ***',
    ].join('\n');
    expect(ansibleWarnings(stderr)).toEqual([
      'Unable to parse /w/bad.yml as an inventory source',
      'No inventory was parsed, only implicit localhost is available',
      "provided hosts list is empty, only localhost is available. Note that the implicit localhost does not match 'all'",
    ]);
  });

  it('joins a warning Ansible wrapped after a hyphen or inside a long path without a space', () => {
    const long = `/work/${'x'.repeat(60)}/fleet/broken-inventory.yml`;
    const stderr = [
      '[WARNING]: Unable to parse /work/main/.testhost/test-7.2-CGRVNi/fleet/broken-',
      'inventory.yml as an inventory source',
      `[WARNING]: Unable to parse ${long.slice(0, 69)}`,
      `${long.slice(69)} as an inventory source`,
    ].join('\n');
    expect(ansibleWarnings(stderr)).toEqual([
      'Unable to parse /work/main/.testhost/test-7.2-CGRVNi/fleet/broken-inventory.yml as an inventory source',
      `Unable to parse ${long} as an inventory source`,
    ]);
  });

  it('goes with --inventory only', async () => {
    const r = await runCli(['deploy', join(__dirname, 'fixtures', 'stat-node1.damon.yaml'), '--host', 'h', '--json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--limit, --check and --json go with --inventory');
  });
});
