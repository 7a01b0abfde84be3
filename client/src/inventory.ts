/**
 * *DAMON: Deploy to Inventory…*, the parts without VS Code: which workspace files look like an
 * Ansible inventory, the words for the per-host outcomes of `deploy --inventory --json`
 * (server/src/fleet/results.ts), and the page that shows the check's per-host diff and the recap.
 */
import { plural } from '../../server/src/core/model/units';
import type { FleetRecap, HostOutcome, HostStatus } from '../../server/src/fleet/results';

/** Globs (one per findFiles call: VS Code globs do not nest braces) of files that may be inventories. */
export const INVENTORY_GLOBS = ['**/*.ini', '**/hosts', '**/hosts.{yml,yaml}', '**/inventory*', '**/inventory/**/*.{yml,yaml}', '**/inventories/**/*'];
export const INVENTORY_EXCLUDE = '{**/node_modules/**,**/.git/**,**/ansible.cfg,**/*.damon.yaml,**/*.damon.yml,**/*.damon.json}';

/** What each outcome is called in the table; a --check run speaks in the conditional. */
export function statusLabel(s: HostStatus, check: boolean): string {
  switch (s) {
    case 'applied':
      return 'applied';
    case 'unchanged':
      return 'unchanged';
    case 'would-change':
      return 'would apply';
    case 'rolled-back':
      return 'rolled back';
    case 'failed':
      return check ? 'would fail' : 'failed';
    case 'unreachable':
      return 'unreachable';
    case 'unknown':
      return 'unknown';
  }
}

/** "1 would apply, 1 unchanged" */
export function countsLine(r: FleetRecap): string {
  const counts = new Map<string, number>();
  for (const h of r.hosts) {
    const l = statusLabel(h.status, r.check);
    counts.set(l, (counts.get(l) ?? 0) + 1);
  }
  return [...counts].map(([l, n]) => `${n} ${l}`).join(', ');
}

/** Hosts the deploy may still change: none of them failed or was unreachable in the check. */
export function deployable(r: FleetRecap): HostOutcome[] {
  return r.hosts.filter((h) => h.status === 'would-change' || h.status === 'unchanged');
}

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function diffHtml(diff: string): string {
  return diff
    .replace(/\n$/, '')
    .split('\n')
    .map((l) => {
      const c = l.trimStart()[0];
      return `<span class="${c === '+' ? 'add' : c === '-' ? 'del' : c === '~' || c === '!' ? 'mod' : ''}">${esc(l)}</span>`;
    })
    .join('\n');
}

export interface InventoryPage {
  title: string;
  config: string;
  inventory: string;
  limit?: string;
  /** the result of the check (phase "check") or of the deploy (phase "deploy") */
  recap: FleetRecap;
  /** when no host could be reported: why (Ansible's last error line) */
  error?: string;
  nonce: string;
}

/** The page: a per-host table (host, outcome, why) and, for a check, each host's sysfs diff. */
export function renderInventoryPage(p: InventoryPage): string {
  const r = p.recap;
  const rows = r.hosts
    .map((h) => {
      const why = [h.message, ...h.details].filter(Boolean).map(esc).join('<br>');
      return `<tr data-host="${esc(h.host)}" data-status="${h.status}"><td class="host">${esc(h.host)}</td><td class="status ${h.status}">${esc(statusLabel(h.status, r.check))}</td><td class="why">${why}</td></tr>`;
    })
    .join('\n');
  const diffs = r.check
    ? r.hosts
        .filter((h) => h.diff)
        .map((h) => `<section class="diff" data-host="${esc(h.host)}"><h2>${esc(h.host)}: sysfs changes</h2><pre>${diffHtml(h.diff ?? '')}</pre></section>`)
        .join('\n')
    : '';
  const what = r.check ? 'Check (ansible-playbook --check --diff): nothing was written.' : 'Deploy recap.';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'nonce-${p.nonce}';">
<title>${esc(p.title)}</title>
<style nonce="${p.nonce}">
body { font-family: var(--vscode-font-family); color: var(--vscode-foreground); padding: 0 1em; }
table { border-collapse: collapse; margin: 1em 0; }
td, th { border: 1px solid var(--vscode-panel-border, #8884); padding: 0.3em 0.6em; text-align: left; vertical-align: top; }
.status.applied, .status.would-change { color: var(--vscode-testing-iconPassed, #3a3); font-weight: bold; }
.status.failed, .status.unreachable, .status.rolled-back, .status.unknown { color: var(--vscode-errorForeground, #c33); font-weight: bold; }
pre { background: var(--vscode-textCodeBlock-background, #8881); padding: 0.5em; overflow-x: auto; }
.add { color: var(--vscode-gitDecoration-addedResourceForeground, #3a3); }
.del { color: var(--vscode-gitDecoration-deletedResourceForeground, #c33); }
.mod { color: var(--vscode-gitDecoration-modifiedResourceForeground, #c93); }
.meta { opacity: 0.8; }
</style></head><body>
<h1 id="title">${esc(p.title)}</h1>
<p class="meta" id="meta">${esc(what)} Config <code>${esc(p.config)}</code>, inventory <code>${esc(p.inventory)}</code>${p.limit ? `, limit <code>${esc(p.limit)}</code>` : ''}: ${esc(plural(r.hosts.length, 'host'))}${r.hosts.length ? ` (${esc(countsLine(r))})` : ''}.</p>
${p.error ? `<p class="error" id="error">${esc(p.error)}</p>` : ''}
<table id="hosts"><thead><tr><th>host</th><th>outcome</th><th>why</th></tr></thead><tbody>
${rows}
</tbody></table>
${diffs}
</body></html>`;
}
