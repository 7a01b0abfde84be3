/**
 * The VS Code client: a thin shell around the bundled language server (dist/server.js) and the bundled
 * CLI (dist/cli.js) for the commands that touch hosts. Bundled to dist/extension.js.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import * as vscode from 'vscode';
import { DidChangeConfigurationNotification, LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import {
  ClientCommands,
  Notifications,
  ServerCommands,
  looksLikeDamonConfig,
  type CommandTarget,
  type ExplainResult,
  type GoalValuesParams,
  type StatusParams,
} from '../../server/src/ide/protocol';
import { simulatedValuesParams } from '../../server/src/ide/simulated';
import type { SimResult } from '../../server/src/core/sim/result';
import type { WorkerMessage } from '../../server/src/core/sim/worker-protocol';
import type { FleetRecap } from '../../server/src/fleet/results';
import { plural } from '../../server/src/core/model/units';
import { countsLine, deployable, INVENTORY_EXCLUDE, INVENTORY_GLOBS, renderInventoryPage, type InventoryPage } from './inventory';

const activatedAt = Date.now();
let client: LanguageClient | undefined;
let log: vscode.LogOutputChannel;
let statusItem: vscode.StatusBarItem;
const lastStatus = new Map<string, StatusParams>();
const running = new Set<ChildProcess>();

const DAMON_LANGS = new Set(['damon-yaml', 'damon-json']);

function isDamonEditor(e: vscode.TextEditor | undefined): boolean {
  return !!e && DAMON_LANGS.has(e.document.languageId);
}

/** YAML/JSON files whose root has a `kdamonds` key become DAMON documents (so the YAML extension and ours do not both validate them). */
async function promote(doc: vscode.TextDocument): Promise<void> {
  if (doc.languageId !== 'yaml' && doc.languageId !== 'json') return;
  if (doc.uri.scheme !== 'file' && doc.uri.scheme !== 'untitled') return;
  if (!vscode.workspace.getConfiguration('damon').get<boolean>('detectByContent', true)) return;
  if (!looksLikeDamonConfig(doc.getText())) return;
  log.info(`${doc.uri.fsPath}: root "kdamonds" key found, treating it as a DAMON config`);
  await vscode.languages.setTextDocumentLanguage(doc, doc.languageId === 'json' ? 'damon-json' : 'damon-yaml');
}

function updateStatusItem(): void {
  const e = vscode.window.activeTextEditor;
  if (!isDamonEditor(e)) {
    statusItem.hide();
    return;
  }
  const s = lastStatus.get(e!.document.uri.toString());
  const cfg = vscode.workspace.getConfiguration('damon');
  const kernel = s?.kernel ?? (cfg.get<string>('kernel') || 'newest');
  const profile = s?.profileName ?? (s?.profilePath ? s.profilePath.split('/').pop() : undefined);
  statusItem.text = `$(server-process) DAMON ${kernel}${profile ? ` · ${profile}` : ''}${s?.profileError ? ' $(warning)' : ''}`;
  statusItem.tooltip = new vscode.MarkdownString(
    [
      `Checked against Linux **${kernel}**`,
      profile ? `Machine profile: **${profile}**${s?.profilePath ? ` (\`${s.profilePath}\`)` : ''}` : 'No machine profile (set `damon.profile`)',
      s?.profileError ? `⚠ ${s.profileError}` : '',
      s ? `${s.errors} error(s), ${s.warnings} warning(s)` : '',
    ]
      .filter(Boolean)
      .join('\n\n'),
  );
  statusItem.show();
}

// ------------------------------------------------------------------------------------------- CLI
function cliPath(context: vscode.ExtensionContext): string {
  return context.asAbsolutePath('dist/cli.js');
}

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run the bundled CLI with arguments as an argv array (never through a shell). */
function runCli(
  context: vscode.ExtensionContext,
  args: string[],
  token?: vscode.CancellationToken,
  stdin?: string,
  onStderr?: (text: string) => void,
): Promise<CliRun> {
  const cli = cliPath(context);
  if (!existsSync(cli)) return Promise.resolve({ code: 2, stdout: '', stderr: `the bundled CLI is missing (${cli})` });
  return new Promise((resolve) => {
    log.info(`damon-config ${args.map((a) => (/^[\w./:=@-]+$/.test(a) ? a : JSON.stringify(a))).join(' ')}`);
    const child = spawn(process.execPath, [cli, ...args], { env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' }, stdio: ['pipe', 'pipe', 'pipe'] });
    running.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += String(d)));
    child.stderr.on('data', (d) => {
      stderr += String(d);
      log.info(String(d).trimEnd());
      onStderr?.(String(d));
    });
    const sub = token?.onCancellationRequested(() => child.kill('SIGTERM'));
    child.on('error', (e) => {
      running.delete(child);
      resolve({ code: 2, stdout, stderr: stderr + e.message });
    });
    child.on('close', (code) => {
      running.delete(child);
      sub?.dispose();
      resolve({ code: code ?? 1, stdout, stderr });
    });
    child.stdin.end(stdin ?? '');
  });
}

function targetUri(arg: CommandTarget | vscode.Uri | undefined): vscode.Uri | undefined {
  if (arg instanceof vscode.Uri) return arg;
  if (arg && typeof arg.uri === 'string') return vscode.Uri.parse(arg.uri);
  const e = vscode.window.activeTextEditor;
  return e && DAMON_LANGS.has(e.document.languageId) ? e.document.uri : undefined;
}

/** Read-only `damon-explain:` documents: the server's markdown per config (no unsaved untitled files). */
const explained = new Map<string, string>();
const explainedChanged = new vscode.EventEmitter<vscode.Uri>();

/** "Explain": the server's markdown for the whole file, previewed beside it. */
async function explainConfig(arg?: CommandTarget | vscode.Uri): Promise<void> {
  const uri = targetUri(arg);
  const r =
    uri &&
    (await client?.sendRequest<ExplainResult | null>('workspace/executeCommand', { command: ServerCommands.explain, arguments: [{ uri: uri.toString() }] }));
  if (!r) {
    void vscode.window.showErrorMessage('DAMON: open a DAMON config to explain.');
    return;
  }
  const doc = vscode.Uri.from({ scheme: 'damon-explain', path: `/${r.title}.md`, query: uri.toString() });
  explained.set(doc.toString(), r.markdown);
  explainedChanged.fire(doc);
  await vscode.commands.executeCommand('markdown.showPreviewToSide', doc);
}

/**
 * The error in a CLI run's stderr: the first line that is not a `[host] …` progress line (the ssh or
 * deploy error), without the `host: ` prefix; else the last line.
 */
function cliError(stderr: string, host: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const err = lines.find((l) => !l.startsWith('[')) ?? lines.at(-1) ?? 'see the DAMON output';
  return err.startsWith(`${host}: `) ? err.slice(host.length + 2) : err;
}

/** Commands that touch hosts are refused in Restricted Mode. */
function refuseUntrusted(what: string): boolean {
  if (vscode.workspace.isTrusted) return false;
  const msg = `DAMON: ${what} is disabled in Restricted Mode. Trust this folder to deploy to or stop DAMON on hosts; editing features keep working.`;
  log.warn(msg);
  void vscode.window.showErrorMessage(msg, 'Manage Workspace Trust').then((c) => {
    if (c) void vscode.commands.executeCommand('workbench.trust.manage');
  });
  return true;
}

async function pickHost(): Promise<string | undefined> {
  const hosts = vscode.workspace.getConfiguration('damon').get<string[]>('deploy.hosts', []);
  if (hosts.length === 1) return hosts[0];
  if (hosts.length > 1) return vscode.window.showQuickPick(hosts, { title: 'DAMON: host (ssh alias)' });
  return vscode.window.showInputBox({
    title: 'DAMON: host',
    prompt: 'ssh alias of the host (as in your ssh config)',
    validateInput: (v) => (/^[\w.@-]+$/.test(v) ? undefined : 'an ssh alias: letters, digits, . _ - @'),
  });
}

/** Feed a host's live goal values (damon-config status --json) to the server's inlay hints and hovers. */
async function refreshLiveValues(context: vscode.ExtensionContext, uri: vscode.Uri, host: string, token?: vscode.CancellationToken): Promise<number> {
  const r = await runCli(context, ['status', '--host', host, '--json'], token);
  if (r.code !== 0) return 0;
  type Live = { host: string; kdamonds: { index: number; schemes: { goals: { current: number | null }[] }[] }[] }[];
  let parsed: Live;
  try {
    parsed = JSON.parse(r.stdout) as Live;
  } catch {
    return 0;
  }
  const values: GoalValuesParams['values'] = [];
  for (const h of parsed) {
    for (const kd of h.kdamonds) {
      kd.schemes.forEach((s, si) =>
        s.goals.forEach((g, gi) => {
          if (g.current !== null) values.push({ path: ['kdamonds', kd.index, 'contexts', 0, 'schemes', si, 'quotas', 'goals', gi], value: g.current });
        }),
      );
    }
  }
  await client?.sendNotification(Notifications.liveValues, { uri: uri.toString(), source: host, replace: true, values } satisfies GoalValuesParams);
  return values.length;
}

/** The saved config file a deploy command works on (asks before deploying a config with errors). */
async function configToDeploy(arg: CommandTarget | vscode.Uri | undefined): Promise<vscode.Uri | undefined> {
  const uri = targetUri(arg);
  if (!uri) {
    void vscode.window.showErrorMessage('DAMON: open a DAMON config to deploy.');
    return undefined;
  }
  const doc = await vscode.workspace.openTextDocument(uri);
  if (doc.isUntitled || uri.scheme !== 'file') {
    void vscode.window.showErrorMessage('DAMON: save the config to a file before deploying it.');
    return undefined;
  }
  if (doc.isDirty && !(await doc.save())) return undefined;
  const errors = vscode.languages.getDiagnostics(uri).filter((d) => d.severity === vscode.DiagnosticSeverity.Error);
  if (errors.length) {
    const go = await vscode.window.showWarningMessage(
      `DAMON: the config has ${errors.length} error(s); the kernel would refuse it or behave differently than intended.`,
      { modal: true },
      'Deploy Anyway',
    );
    if (go !== 'Deploy Anyway') return undefined;
  }
  return uri;
}

async function deploy(context: vscode.ExtensionContext, arg?: CommandTarget | vscode.Uri): Promise<void> {
  if (refuseUntrusted('Deploy to Host')) return;
  const uri = await configToDeploy(arg);
  if (!uri) return;
  const host = await pickHost();
  if (!host) return;
  const kernel = vscode.workspace.getConfiguration('damon').get<string>('kernel');
  const base = ['deploy', uri.fsPath, '--host', host, ...(kernel ? ['--kernel', kernel] : [])];
  const dry = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `DAMON: comparing with ${host}…`, cancellable: true },
    (_p, token) => runCli(context, [...base, '--dry-run'], token),
  );
  log.info(dry.stdout.trimEnd());
  if (dry.stderr.trim()) log.info(dry.stderr.trimEnd());
  if (dry.code !== 0) {
    // the dry run failed (unreachable host, refused config, ...): nothing was written, stop here
    log.show(true);
    void vscode.window.showErrorMessage(`DAMON: cannot deploy to ${host}: ${cliError(dry.stderr, host)} Nothing was written.`);
    return;
  }
  const detail = `${dry.stderr}${dry.stdout}`.trim() || `${host}: the dry run found nothing to report`;
  const ok = await vscode.window.showWarningMessage(
    `Deploy ${uri.path.split('/').pop()} to ${host}? The changes are in the DAMON output.`,
    { modal: true, detail: detail.slice(0, 1500) },
    `Deploy to ${host}`,
  );
  if (ok !== `Deploy to ${host}`) return;
  const r = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `DAMON: deploying to ${host}…`, cancellable: true },
    (_p, token) => runCli(context, [...base, '--yes'], token),
  );
  log.info(r.stdout.trimEnd());
  if (r.code === 0) {
    void vscode.window.showInformationMessage(`DAMON: deployed to ${host}.`);
    void refreshLiveValues(context, uri, host);
  } else {
    log.show(true);
    // the CLI's message says whether the host was rolled back (only when the deploy script reported it)
    void vscode.window.showErrorMessage(`DAMON: deploy to ${host} failed: ${cliError(r.stderr, host)}`);
  }
}

async function stop(context: vscode.ExtensionContext): Promise<void> {
  if (refuseUntrusted('Stop DAMON on Host')) return;
  const host = await pickHost();
  if (!host) return;
  const ok = await vscode.window.showWarningMessage(`Stop every running kdamond on ${host}?`, { modal: true }, `Stop DAMON on ${host}`);
  if (ok !== `Stop DAMON on ${host}`) return;
  const r = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `DAMON: stopping on ${host}…`, cancellable: true },
    (_p, token) => runCli(context, ['stop', '--host', host], token),
  );
  log.info(r.stdout.trimEnd());
  if (r.code === 0) void vscode.window.showInformationMessage(`DAMON: stopped on ${host}.`);
  else void vscode.window.showErrorMessage(`DAMON: stop on ${host} failed: ${r.stderr.trim().split('\n')[0]}`);
}

// ------------------------------------------------------------------------------ Deploy to Inventory
/** An inventory file of the workspace (files that look like one, or any file through a dialog). */
async function pickInventory(): Promise<vscode.Uri | undefined> {
  const found = new Map<string, vscode.Uri>();
  for (const glob of INVENTORY_GLOBS) {
    for (const u of await vscode.workspace.findFiles(glob, INVENTORY_EXCLUDE, 200)) found.set(u.toString(), u);
  }
  type Item = vscode.QuickPickItem & { uri?: vscode.Uri };
  const items: Item[] = [...found.values()]
    .sort((a, b) => a.path.localeCompare(b.path))
    .map((uri) => ({ label: vscode.workspace.asRelativePath(uri), description: 'Ansible inventory', uri }));
  items.push({ label: '$(folder-opened) Browse…', description: 'any inventory file (INI or YAML)' });
  const pick = await vscode.window.showQuickPick(items, {
    title: 'DAMON: Deploy to Inventory — inventory file',
    placeHolder: 'an Ansible inventory of the hosts',
  });
  if (!pick) return undefined;
  if (pick.uri) return pick.uri;
  const chosen = await vscode.window.showOpenDialog({
    title: 'DAMON: Ansible inventory',
    canSelectMany: false,
    defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
  });
  return chosen?.[0];
}

type InventoryRun = { recap: FleetRecap & { error?: string }; run: CliRun } | { recap: undefined; run: CliRun };

/** `deploy --inventory --json` (with --check first): the per-host outcomes, or the CLI's error. */
async function runInventory(context: vscode.ExtensionContext, args: string[], title: string): Promise<InventoryRun> {
  const run = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, (progress, token) =>
    runCli(context, args, token, undefined, (text) => {
      // Ansible's task headers as progress (the outcomes come from the JSON, not from this text)
      const task = [...text.matchAll(/^TASK \[(?:[\w.]+ : )?([^\]]+)\]/gm)].at(-1)?.[1];
      if (task) progress.report({ message: task });
    }),
  );
  if (run.stdout.trim()) log.info(run.stdout.trimEnd());
  try {
    return { recap: JSON.parse(run.stdout) as FleetRecap & { error?: string }, run };
  } catch {
    return { recap: undefined, run };
  }
}

let inventoryPanel: vscode.WebviewPanel | undefined;

function showInventoryPage(page: Omit<InventoryPage, 'nonce'>): void {
  if (!inventoryPanel) {
    // no scripts: a table and the diffs, nothing the page could send back
    inventoryPanel = vscode.window.createWebviewPanel('damon.inventory', page.title, vscode.ViewColumn.Beside, { enableScripts: false });
    inventoryPanel.onDidDispose(() => (inventoryPanel = undefined));
  }
  inventoryPanel.title = page.title;
  const nonce = randomBytes(16)
    .toString('base64')
    .replace(/[^A-Za-z0-9]/g, '');
  inventoryPanel.webview.html = renderInventoryPage({ ...page, nonce });
  inventoryPanel.reveal(vscode.ViewColumn.Beside, true);
}

/**
 * Deploy to Inventory…: pick an inventory of the workspace and an optional --limit, run the check
 * (ansible-playbook --check --diff through `deploy --inventory --check --json`), show each host's
 * diff, confirm with the number of hosts, deploy, and show the recap per host.
 */
async function deployInventory(context: vscode.ExtensionContext, arg?: CommandTarget | vscode.Uri): Promise<void> {
  if (refuseUntrusted('Deploy to Inventory')) return;
  const uri = await configToDeploy(arg);
  if (!uri) return;
  const inventory = await pickInventory();
  if (!inventory) return;
  const limit = await vscode.window.showInputBox({
    title: 'DAMON: Deploy to Inventory — limit (optional)',
    prompt: 'Ansible --limit pattern (a host, a group, web*:!web3); empty: every host of the inventory',
    // an argv word, never a shell's: only what cannot be a pattern is refused
    validateInput: (v) => (/^(?!-)\S*$/.test(v) ? undefined : 'an Ansible host pattern: no spaces, not starting with "-"'),
  });
  if (limit === undefined) return;
  const config = uri.path.split('/').pop() ?? uri.fsPath;
  const invName = vscode.workspace.asRelativePath(inventory);
  const kernel = vscode.workspace.getConfiguration('damon').get<string>('kernel');
  const base = ['deploy', uri.fsPath, '--inventory', inventory.fsPath, ...(limit ? ['--limit', limit] : []), ...(kernel ? ['--kernel', kernel] : []), '--json'];
  const page = { config, inventory: invName, limit: limit || undefined };

  const check = await runInventory(context, [...base, '--check'], `DAMON: checking ${invName} (ansible-playbook --check --diff)…`);
  if (!check.recap) {
    // the CLI refused before Ansible ran: ansible-playbook missing (with the install hint), a bad config
    log.show(true);
    void vscode.window.showErrorMessage(`DAMON: cannot deploy to ${invName}: ${cliError(check.run.stderr, '')}`);
    return;
  }
  const checked = check.recap;
  showInventoryPage({ ...page, title: `DAMON Check: ${config} → ${invName}`, recap: checked, error: checked.error });
  if (checked.hosts.length === 0) {
    void vscode.window.showErrorMessage(
      `DAMON: no host of ${invName}${limit ? ` matches --limit ${limit}` : ''} was checked${checked.error ? `: ${checked.error}` : ''}. Nothing was written.`,
    );
    return;
  }
  const ready = deployable(checked);
  const n = checked.hosts.length;
  if (ready.length === 0) {
    void vscode.window.showErrorMessage(
      `DAMON: none of the ${plural(n, 'host')} can take ${config} (${countsLine(checked)}); see the check. Nothing was written.`,
    );
    return;
  }
  if (ready.every((h) => h.status === 'unchanged') && ready.length === n) {
    void vscode.window.showInformationMessage(`DAMON: ${n === 1 ? 'the host already runs' : `all ${n} hosts already run`} ${config}; nothing to deploy.`);
    return;
  }
  const button = `Deploy to ${plural(n, 'host')}`;
  const ok = await vscode.window.showWarningMessage(
    `Deploy to ${plural(n, 'host')}?`,
    {
      modal: true,
      detail: `${config} to ${invName}${limit ? ` (--limit ${limit})` : ''}. The check: ${countsLine(checked)}. Each host's changes are in the check beside the editor; a host that fails is rolled back and the others go on.`,
    },
    button,
  );
  if (ok !== button) return;

  const done = await runInventory(context, base, `DAMON: deploying ${config} to ${plural(n, 'host')}…`);
  if (!done.recap) {
    log.show(true);
    void vscode.window.showErrorMessage(`DAMON: deploy to ${invName} failed: ${cliError(done.run.stderr, '')}`);
    return;
  }
  const recap = done.recap;
  showInventoryPage({ ...page, title: `DAMON Deploy: ${config} → ${invName}`, recap, error: recap.error });
  const bad = recap.hosts.filter((h) => h.status !== 'applied' && h.status !== 'unchanged');
  if (bad.length === 0 && recap.hosts.length > 0)
    void vscode.window.showInformationMessage(`DAMON: deployed ${config} to ${plural(n, 'host')}: ${countsLine(recap)}.`);
  else {
    log.show(true);
    void vscode.window.showErrorMessage(`DAMON: deploy to ${invName}: ${countsLine(recap) || recap.error || 'no host reported'}; see the recap.`);
  }
}

const DAMO_COMMAND = /\bdamo\s+(?:start|tune)\b/;

/**
 * The clipboard, when it holds a damo command and can be read without asking the user: never in a
 * browser (code-server, vscode.dev: reading asks for a permission, or fails with a toast), and never
 * waiting more than 300 ms. Only ever used as the input box's default value.
 */
async function clipboardDamoCommand(): Promise<string | undefined> {
  if (vscode.env.uiKind === vscode.UIKind.Web) return undefined;
  const text = await Promise.race([
    Promise.resolve(vscode.env.clipboard.readText()).then(
      (t) => t,
      () => undefined,
    ),
    new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 300)),
  ]);
  if (!text || !DAMO_COMMAND.test(text)) return undefined;
  // one line for the input box: join continuation lines
  return text
    .replace(/\\\r?\n\s*/g, ' ')
    .split('\n')
    .find((l) => DAMO_COMMAND.test(l))
    ?.trim();
}

/**
 * Import damo Command. The command line comes from, in this order: an explorer file, the selection,
 * the active shell script (or any document with a damo start|tune command), or an input box (with
 * the clipboard as its default where that needs no permission). Never blocks on the clipboard.
 */
async function importDamo(context: vscode.ExtensionContext, arg?: vscode.Uri): Promise<void> {
  let args: string[];
  let stdin: string | undefined;
  const editor = vscode.window.activeTextEditor;
  const active = editor?.document;
  const selected = editor && !editor.selection.isEmpty ? active!.getText(editor.selection) : undefined;
  if (arg instanceof vscode.Uri) args = ['import-damo', arg.fsPath];
  else if (selected && /\bdamo\b/.test(selected)) {
    args = ['import-damo', '-'];
    stdin = selected;
  } else if (active && (active.languageId === 'shellscript' || DAMO_COMMAND.test(active.getText()))) {
    args = ['import-damo', '-'];
    stdin = active.getText();
  } else {
    const line = await vscode.window.showInputBox({
      title: 'DAMON: Import damo Command',
      prompt: 'a damo start/tune command line (or select one in an editor, or run this in a shell script)',
      placeHolder: 'damo start --numa_node 1 --damos_action migrate_hot 0 …',
      value: await clipboardDamoCommand(),
      ignoreFocusOut: true,
    });
    if (!line) return;
    args = ['import-damo', '-'];
    stdin = line;
  }
  const profile = vscode.workspace.getConfiguration('damon').get<string>('profile');
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  if (profile) args.push('--profile', profile.startsWith('/') || !folder ? profile : `${folder}/${profile}`);
  const r = await runCli(context, args, undefined, stdin);
  if (!r.stdout.trim()) {
    void vscode.window.showErrorMessage(`DAMON: no config imported: ${r.stderr.trim().split('\n')[0] || 'no damo command found'}`);
    return;
  }
  const doc = await vscode.workspace.openTextDocument({ language: 'damon-yaml', content: r.stdout });
  await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.Beside });
  if (r.code !== 0) void vscode.window.showWarningMessage('DAMON: imported, but damo or the kernel would refuse parts of it: see the problems.');
}

/**
 * Probe a host (bundled CLI `probe`, an argument list, never a shell) into the extension's global
 * storage and make it the workspace's machine profile: the language server re-checks every open
 * config against that host's cgroups, nodes, physical memory and kernel release.
 */
async function useHostProfile(context: vscode.ExtensionContext): Promise<void> {
  if (refuseUntrusted('Use Host Profile')) return;
  const host = await pickHost();
  if (!host) return;
  const dir = join(context.globalStorageUri.fsPath, 'profiles');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${host.replace(/[^\w.@-]/g, '_')}.profile.yaml`);
  const r = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `DAMON: probing ${host}…`, cancellable: true },
    (_p, token) => runCli(context, ['probe', '--host', host, '--out', file], token),
  );
  if (r.code !== 0) {
    log.show(true);
    void vscode.window.showErrorMessage(`DAMON: could not probe ${host}: ${r.stderr.trim().split('\n')[0] || 'see the DAMON output'}`);
    return;
  }
  const kernel = /^# kernel ([^\s;]+)/m.exec(readFileSync(file, 'utf8'))?.[1];
  const target = vscode.workspace.workspaceFolders?.length ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
  const cfg = vscode.workspace.getConfiguration('damon');
  if (cfg.get<string>('profile') === file) {
    // same host probed again: the setting does not change, so ask the server to re-read it (it
    // reloads a profile whose file changed)
    await client?.sendNotification(DidChangeConfigurationNotification.type, { settings: null });
  } else await cfg.update('profile', file, target);
  log.info(
    `machine profile of ${host} written to ${file}; damon.profile set for the ${target === vscode.ConfigurationTarget.Workspace ? 'workspace' : 'user'}`,
  );
  void vscode.window.showInformationMessage(`DAMON: configs are now checked against ${host}${kernel ? ` (Linux ${kernel})` : ''}.`);
}

let simPanel: vscode.WebviewPanel | undefined;

function simulationHtml(context: vscode.ExtensionContext, webview: vscode.Webview): string {
  const page = readFileSync(context.asAbsolutePath('client/src/webview/simulation.html'), 'utf8');
  const nonce = randomBytes(16)
    .toString('base64')
    .replace(/[^A-Za-z0-9]/g, '');
  const assets = webview.asWebviewUri(vscode.Uri.file(context.asAbsolutePath('dist/webview'))).toString();
  return page
    .replace(/\{\{nonce\}\}/g, nonce)
    .replace(/\{\{cspSource\}\}/g, webview.cspSource)
    .replace(/\{\{assetsUri\}\}/g, assets);
}

/** Run the simulator (dist/sim-worker.js, a worker thread) on the document and chart the result in a webview. */
async function simulate(context: vscode.ExtensionContext, arg?: CommandTarget | vscode.Uri): Promise<void> {
  const uri = targetUri(arg);
  if (!uri) {
    void vscode.window.showErrorMessage('DAMON: open a DAMON config to simulate.');
    return;
  }
  const doc = await vscode.workspace.openTextDocument(uri);
  const workerFile = context.asAbsolutePath('dist/sim-worker.js');
  const durationSec = vscode.workspace.getConfiguration('damon').get<number>('simulator.durationSec', 0);
  const request = {
    configText: doc.getText(),
    fileName: doc.languageId === 'damon-json' ? 'config.json' : 'config.yaml',
    scenario: { builtin: vscode.workspace.getConfiguration('damon').get<string>('simulator.scenario', 'seed-memcg-tiering') },
    ...(durationSec > 0 ? { durationSec } : {}),
  };
  const started = Date.now();
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'DAMON: simulating…', cancellable: true },
    (progress, token) =>
      new Promise<SimResult | undefined>((resolve) => {
        const worker = new Worker(workerFile, { workerData: request });
        let last = 0;
        token.onCancellationRequested(() => void worker.terminate().then(() => resolve(undefined)));
        worker.on('message', (m: WorkerMessage) => {
          if (m.type === 'progress') {
            progress.report({ increment: Math.max(0, (m.fraction - last) * 100), message: `${Math.round(m.simSec)} simulated s` });
            last = m.fraction;
          } else if (m.type === 'result') {
            for (const w of m.warnings ?? []) log.warn(`simulation: ${w}`);
            log.info(`simulated ${m.result.durationSec} s of ${m.result.scenario} (seed ${m.result.seed}) in ${Date.now() - started} ms`);
            resolve(m.result);
            void worker.terminate();
          } else if (m.type === 'error') {
            // a config with errors is refused: the message names the first one and its place
            log.error(`simulation of ${uri.toString()}: ${m.message}`);
            const first = m.problems?.[0];
            void vscode.window.showErrorMessage(`DAMON: ${m.message}`, ...(first ? ['Show Problem'] : [])).then(async (choice) => {
              if (!choice || !first) return;
              const pos = new vscode.Position(first.line - 1, first.column - 1);
              await vscode.window.showTextDocument(doc, { selection: new vscode.Range(pos, pos) });
            });
            resolve(undefined);
            void worker.terminate();
          }
        });
        worker.on('error', (e) => {
          log.error(`simulation worker: ${e.message}`);
          resolve(undefined);
        });
      }),
  );
  if (!result) return;
  // inlay hints next to each goal: "sim 9.8 %" (the converged value, the table's window)
  await client?.sendNotification(Notifications.simulatedValues, simulatedValuesParams(uri.toString(), result.goals));
  if (!simPanel) {
    simPanel = vscode.window.createWebviewPanel('damon.simulation', 'DAMON Simulation', vscode.ViewColumn.Beside, {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.file(context.asAbsolutePath('dist/webview'))],
    });
    simPanel.onDidDispose(() => (simPanel = undefined));
    simPanel.webview.onDidReceiveMessage(async (m: { type?: string; format?: string; fileName?: string; data?: string }) => {
      // messages from the page are untrusted: only a save dialog for an export
      if (m?.type !== 'export' || typeof m.data !== 'string' || (m.format !== 'png' && m.format !== 'csv')) return;
      const target = await vscode.window.showSaveDialog({
        defaultUri: vscode.Uri.file(String(m.fileName ?? `simulation.${m.format}`).replace(/[^\w.-]/g, '_')),
      });
      if (!target) return;
      const bytes = m.format === 'png' ? Buffer.from(m.data.replace(/^data:image\/png;base64,/, ''), 'base64') : Buffer.from(m.data, 'utf8');
      await vscode.workspace.fs.writeFile(target, bytes);
    });
  }
  const panel = simPanel;
  const ready = new Promise<void>((resolve) => {
    const sub = panel.webview.onDidReceiveMessage((m: { type?: string }) => {
      if (m?.type === 'ready') {
        sub.dispose();
        resolve();
      }
    });
  });
  panel.webview.html = simulationHtml(context, panel.webview);
  panel.reveal(vscode.ViewColumn.Beside, true);
  await ready;
  await panel.webview.postMessage({ type: 'result', result });
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const started = Date.now();
  log = vscode.window.createOutputChannel('DAMON', { log: true });
  statusItem = vscode.window.createStatusBarItem('damon.status', vscode.StatusBarAlignment.Right, 100);
  statusItem.name = 'DAMON';
  statusItem.command = ClientCommands.showOutput;
  context.subscriptions.push(log, statusItem);

  const serverModule = context.asAbsolutePath('dist/server.js');
  const serverOptions: ServerOptions = {
    run: { module: serverModule, transport: TransportKind.ipc },
    debug: { module: serverModule, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6011'] } },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { language: 'damon-yaml' },
      { language: 'damon-json' },
      // shell scripts: the server serves only those with damo start|tune commands (a text scan for
      // "damo" first) and publishes nothing for the rest
      { language: 'shellscript' },
    ],
    outputChannel: log,
    initializationOptions: { settings: vscode.workspace.getConfiguration('damon') },
    synchronize: { configurationSection: 'damon' },
    markdown: { isTrusted: false, supportHtml: false },
    middleware: {
      // Restricted Mode: no Deploy… lens (the command would only be refused)
      provideCodeLenses: async (document, token, next) => {
        const lenses = await next(document, token);
        return vscode.workspace.isTrusted ? lenses : lenses?.filter((l) => l.command?.command !== ClientCommands.deploy);
      },
    },
  };
  client = new LanguageClient('damon', 'DAMON Language Server', serverOptions, clientOptions);

  context.subscriptions.push(
    vscode.commands.registerCommand(ClientCommands.simulate, (arg?: CommandTarget | vscode.Uri) => simulate(context, arg)),
    vscode.commands.registerCommand(ClientCommands.deploy, (arg?: CommandTarget | vscode.Uri) => deploy(context, arg)),
    vscode.commands.registerCommand(ClientCommands.deployInventory, (arg?: CommandTarget | vscode.Uri) => deployInventory(context, arg)),
    vscode.commands.registerCommand(ClientCommands.stop, () => stop(context)),
    vscode.commands.registerCommand('damon.useHostProfile', () => useHostProfile(context)),
    vscode.commands.registerCommand(ClientCommands.importDamo, (arg?: vscode.Uri) => importDamo(context, arg)),
    vscode.commands.registerCommand(ClientCommands.showOutput, () => log.show()),
    vscode.commands.registerCommand(ClientCommands.explain, (arg?: CommandTarget | vscode.Uri) => explainConfig(arg)),
    vscode.commands.registerCommand('damon.openExample', async () => {
      const file = context.asAbsolutePath('examples/seed-rfc-example.damon.yaml');
      const content = existsSync(file) ? readFileSync(file, 'utf8') : 'kdamonds:\n  - contexts: []\n';
      await vscode.window.showTextDocument(await vscode.workspace.openTextDocument({ language: 'damon-yaml', content }));
    }),
    vscode.commands.registerCommand('damon.refreshLiveValues', async () => {
      if (refuseUntrusted('Reading live values from a host')) return;
      const uri = targetUri(undefined);
      const host = uri && (await pickHost());
      if (uri && host) {
        const n = await refreshLiveValues(context, uri, host);
        void vscode.window.showInformationMessage(`DAMON: ${n} live goal value(s) from ${host}.`);
      }
    }),
    vscode.workspace.registerTextDocumentContentProvider('damon-explain', {
      onDidChange: explainedChanged.event,
      provideTextDocumentContent: (uri) => explained.get(uri.toString()) ?? '',
    }),
    vscode.workspace.registerTextDocumentContentProvider('damon-rule', {
      provideTextDocumentContent: async (uri) => {
        const id = uri.path.replace(/^\//, '').replace(/\.md$/, '');
        const text = await client?.sendRequest<string | null>('damon/ruleDoc', { id });
        return text ?? `No explanation for rule "${id}".`;
      },
    }),
    vscode.window.onDidChangeActiveTextEditor(() => updateStatusItem()),
    vscode.workspace.onDidOpenTextDocument((d) => void promote(d)),
    vscode.workspace.onDidGrantWorkspaceTrust(() => {
      log.info('workspace trusted: deploy commands enabled');
      // the server re-reads the settings and asks for fresh code lenses: Deploy… appears
      void client?.sendNotification(DidChangeConfigurationNotification.type, { settings: null });
    }),
  );

  client.onNotification(Notifications.status, (s: StatusParams) => {
    lastStatus.set(s.uri, s);
    updateStatusItem();
  });
  // the server starts in the background: activation does not wait for the server process
  const starting = Date.now();
  void client.start().then(
    () => log.info(`language server ready in ${Date.now() - starting} ms`),
    (e: Error) => log.error(`language server failed to start: ${e.message}`),
  );
  for (const d of vscode.workspace.textDocuments) void promote(d);
  updateStatusItem();
  log.info(
    `DAMON extension activated in ${Date.now() - started} ms (${Date.now() - activatedAt} ms since load); workspace ${vscode.workspace.isTrusted ? 'trusted' : 'restricted'}`,
  );
}

export async function deactivate(): Promise<void> {
  for (const c of running) c.kill('SIGTERM');
  await client?.stop();
}
