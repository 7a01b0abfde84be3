/**
 * Persistence: what `deploy --persist` (and the Ansible role's `damon_persist: true`) installs on a
 * systemd host so the config is applied again at every boot, and what `stop --persist` removes.
 *
 *   /etc/damon-config/config.damon.yaml|json   the config as deployed (read back by `status`)
 *   /etc/damon-config/boot.sh                  waits for the config's cgroups (bounded), then runs
 *                                              the transactional deploy script (lock, rollback on
 *                                              any failure) with its COMMIT given up front
 *   /etc/systemd/system/damon-config.service   Type=simple, RemainAfterExit, WantedBy=multi-user
 *
 * One persisted config per host (a deploy replaces the whole DAMON tree, so does its boot-time
 * copy). The boot plan is the config planned for a fresh boot (no kdamond exists) against the
 * host's probed capabilities; the deploy script then refuses to run on a tree that is not fresh
 * (@@NOTFRESH), so a boot-time apply never takes over kdamonds something else started, and its
 * rollback puts the fresh tree back. Every value is single-quoted (shQuote) or checked; the config's
 * name reaches the unit only through unitText(). Pure: no I/O.
 */
import type { SysfsPlan } from './plan';
import { heredocDelimiter, lockFn, renderDeployScript, SAY_FN, shQuote, STATE_DIR, TMP_FN, type RestoreSpec } from './script';

export const PERSIST_DIR = '/etc/damon-config';
export const PERSIST_UNIT = 'damon-config.service';
export const PERSIST_UNIT_PATH = `/etc/systemd/system/${PERSIST_UNIT}`;
export const BOOT_SCRIPT_PATH = `${PERSIST_DIR}/boot.sh`;
/** the default bound on the wait for each cgroup the config names, at boot (seconds) */
export const DEFAULT_CGROUP_WAIT_S = 120;
/** the boot session's id (names its outcome file under /run/damon-config) */
export const BOOT_SESSION = 'b007b007b007b007';

/** where the persisted copy of a config is kept: its format follows the deployed file's name */
export function persistedConfigPath(fileName: string): string {
  return `${PERSIST_DIR}/config.damon.${/\.json$/i.test(fileName) ? 'json' : 'yaml'}`;
}

/** The memcg paths the plan writes (filters' memcg_path, quota goals' path), in first-use order. */
export function planCgroups(plan: SysfsPlan): string[] {
  const out: string[] = [];
  for (const w of plan.writes) {
    if (!/\/memcg_path$|\/quotas\/goals\/\d+\/path$/.test(w.path)) continue;
    if (w.value === '' || out.includes(w.value)) continue;
    out.push(w.value);
  }
  return out;
}

/**
 * systemd units named in cgroup paths (`/system.slice/postgresql.service` → system.slice,
 * postgresql.service): the unit is ordered after them, so a cgroup systemd makes for a unit exists
 * before the wait starts. Names systemd would not accept are left out (the wait still covers them).
 */
export function cgroupUnits(cgroups: string[]): string[] {
  const out: string[] = [];
  for (const c of cgroups)
    for (const seg of c.split('/')) if (/^[A-Za-z0-9:_.@-]{1,250}\.(service|scope|slice)$/.test(seg) && seg !== '-.slice' && !out.includes(seg)) out.push(seg);
  return out;
}

/**
 * Text safe inside a unit file's value: printable ASCII only (no line break can start a new
 * directive), `%` doubled (systemd's specifiers), no backslash (line continuation, escapes).
 */
export function unitText(s: string): string {
  return s
    .replace(/[^\x20-\x7e]|\\/g, '?')
    .replace(/%/g, '%%')
    .slice(0, 200);
}

/** a comment line's text: printable, one line */
function commentText(s: string): string {
  return s.replace(/[^\x20-\x7e]/g, '?').slice(0, 200);
}

/** FNV-1a 64 of the boot plan's writes (16 hex digits): names a persisted plan in logs and status */
export function planDigest(plan: SysfsPlan): string {
  let h = 0xcbf29ce484222325n;
  const text = plan.writes.map((w) => `${w.path}=${w.value}\n`).join('');
  for (const b of new TextEncoder().encode(text)) h = ((h ^ BigInt(b)) * 0x100000001b3n) & 0xffffffffffffffffn;
  return h.toString(16).padStart(16, '0');
}

function checkedWait(s: number): number {
  if (!Number.isInteger(s) || s < 1 || s > 86400) throw new Error('bad cgroup wait');
  return s;
}

export interface BootScriptOptions {
  /** the deployed file's name (comments and log lines only) */
  source: string;
  /** the kernel release the plan was made for */
  release: string;
  /** bound on the wait for each cgroup (seconds, counted from the first wait) */
  cgroupWaitS: number;
  version: string;
}

/** The restore spec of a boot-time apply: the tree it started from is the fresh one. */
export const FRESH_RESTORE: RestoreSpec = { tree: [{ path: 'kdamonds/nr_kdamonds', value: '0', source: [] }], runningBefore: [], nrBefore: 0, inPlace: false };

/**
 * /etc/damon-config/boot.sh. Logs to stderr (the journal, as `damon-config`): each cgroup it waits
 * for and how long it took; a cgroup that never appears (or never gets the memory controller) is
 * named and nothing is written; a write the kernel refuses is named with the kernel's error and
 * the tree is rolled back to the fresh one. Exit 0 only when the config runs.
 */
export function renderBootScript(plan: SysfsPlan, o: BootScriptOptions): string {
  const wait = checkedWait(o.cgroupWaitS);
  const deploy = renderDeployScript(plan, null, FRESH_RESTORE, { session: BOOT_SESSION, commitWaitS: 60, lockWaitS: 60 });
  const eof = heredocDelimiter('DAMON_CONFIG_BOOT_DEPLOY', deploy);
  const cgroups = planCgroups(plan);
  const digest = planDigest(plan);
  const out: string[] = [
    '#!/bin/sh',
    `# DAMON config persisted by \`damon-config deploy --persist\` (damon-config ${commentText(o.version)}), planned for Linux ${commentText(o.release)}.`,
    `# Source: ${commentText(o.source)} (plan ${digest}, ${plan.writes.length} sysfs writes). Run at boot by ${PERSIST_UNIT}.`,
    '# Do not edit: deploy again with --persist, or remove it with `damon-config stop --persist`.',
    'set -u',
    // for log lines: printable, one line, and quoted
    `SOURCE=${shQuote(commentText(o.source))}`,
    `WAIT=${wait}`,
    `log() { printf 'damon-config: %s\\n' "$*" >&2; }`,
    // the cgroup v2 mount (systemd: /sys/fs/cgroup)
    'CG=$(awk \'$3 == "cgroup2" { print $2; exit }\' /proc/mounts 2>/dev/null)',
    '[ -n "$CG" ] || CG=/sys/fs/cgroup',
    'START=$(date +%s)',
    'END=$((START + WAIT))',
    // waitcg PATH: a directory with the memory controller (memory.current), or give up at END
    'waitcg() {',
    '  said=',
    '  while ! { [ -d "$CG$1" ] && [ -e "$CG$1/memory.current" ]; }; do',
    '    if [ "$(date +%s)" -ge "$END" ]; then',
    '      if [ -d "$CG$1" ]; then log "cgroup $1 exists but never got the memory controller (no $CG$1/memory.current) within $WAIT s: the config from $SOURCE was NOT applied; nothing was written to DAMON"',
    '      else log "cgroup $1 never appeared ($CG$1, waited $WAIT s): the config from $SOURCE was NOT applied; nothing was written to DAMON"; fi',
    '      exit 1',
    '    fi',
    '    [ -n "$said" ] || { log "waiting for cgroup $1 (at most $WAIT s from start)"; said=1; }',
    '    sleep 1',
    '  done',
    '  [ -z "$said" ] || log "cgroup $1 is there after $(( $(date +%s) - START )) s"',
    '}',
  ];
  for (const c of cgroups) out.push(`waitcg ${shQuote(c)}`);
  out.push(
    'for m in damon_stat damon_reclaim damon_lru_sort; do',
    '  [ "$(cat /sys/module/$m/parameters/enabled 2>/dev/null)" = Y ] && { log "$m is enabled and holds DAMON: the config from $SOURCE was NOT applied (boot with $m.enabled=N)"; exit 1; }',
    'done',
    'wpath() {',
    '  case "$1" in',
    ...plan.writes.map((w, i) => `    ${i}) printf '%s' ${shQuote(w.path)} ;;`),
    '    *) printf \'write %s\' "$1" ;;',
    '  esac',
    '}',
    TMP_FN,
    `cat > "$W/deploy.sh" <<'${eof}'`,
    deploy.replace(/\n$/, ''),
    eof,
    // the client's COMMIT is given up front: the host commits once every write succeeded
    'printf \'COMMIT\\n\' | sh "$W/deploy.sh" > "$W/out" 2>&1',
    'rc=$?',
    'ok=1',
    'while IFS= read -r l; do',
    '  case "$l" in',
    `    @@DONE) ok=0; log "applied the config from $SOURCE (plan ${digest}, ${plan.writes.length} writes)" ;;`,
    '    "@@FAIL "*) s=${l#@@FAIL }; i=${s%% *}; e=${s#"$i"}; log "the kernel refused writing $(wpath "$i"):$e" ;;',
    '    @@ROLLEDBACK) log "rolled back: DAMON is as it was before this boot-time apply (nothing of the config runs)" ;;',
    '    "@@ROLLBACKFAILED"*) log "ROLLBACK FAILED (${l#@@ROLLBACKFAILED }): check /sys/kernel/mm/damon/admin" ;;',
    '    "@@NOTFRESH"*) log "DAMON already has ${l#@@NOTFRESH } kdamond(s) (started before this unit, by another tool or by hand): the config from $SOURCE was NOT applied" ;;',
    `    "@@BUSYLOCK"*) log "another damon-config session (pid \${l#@@BUSYLOCK }) holds ${STATE_DIR}/lock: the config from $SOURCE was NOT applied" ;;`,
    '    "@@LOCKERR"*) log "${l#@@LOCKERR }: the config from $SOURCE was NOT applied" ;;',
    '    "@@RECOVERED"*|@@LOCKED|"@@S "*|@@APPLIED) ;;',
    '    *) [ -n "$l" ] && log "$l" ;;',
    '  esac',
    'done < "$W/out"',
    '[ "$ok" = 0 ] && [ "$rc" = 0 ] && exit 0',
    'log "the config from $SOURCE is not running (deploy script exit $rc)"',
    'exit 1',
    '',
  );
  return out.join('\n');
}

export interface UnitOptions {
  source: string;
  cgroups: string[];
  version: string;
}

/** /etc/systemd/system/damon-config.service */
export function renderPersistUnit(o: UnitOptions): string {
  const after = cgroupUnits(o.cgroups);
  return [
    `# Installed by \`damon-config deploy --persist\` (damon-config ${unitText(o.version)}); removed by \`damon-config stop --persist\`.`,
    '[Unit]',
    `Description=DAMON config ${unitText(o.source)} (damon-config)`,
    `ConditionPathExists=${BOOT_SCRIPT_PATH}`,
    'After=local-fs.target',
    // cgroups systemd makes for units the config names: ordered after those units
    ...(after.length ? [`After=${after.join(' ')}`] : []),
    '',
    '[Service]',
    // simple, not oneshot: the unit counts as started at once, so units ordered after it (one may
    // make the cgroups this config waits for) and multi-user.target are not held up by the bounded
    // cgroup wait; RemainAfterExit keeps it "active (exited)" after a good run, "failed" otherwise
    'Type=simple',
    'RemainAfterExit=yes',
    // no start timeout: the script bounds its own waits (cgroups: the wait given, the lock: 60 s)
    `ExecStart=/bin/sh ${BOOT_SCRIPT_PATH}`,
    'SyslogIdentifier=damon-config',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}

export interface InstallOptions {
  configText: string;
  configFileName: string;
  bootScript: string;
  unit: string;
  lockWaitS?: number;
}

/**
 * The install script (run as root on the host, under the deploy lock). Output:
 *   @@NOSYSTEMD            the host does not run systemd (nothing written)
 *   @@LOCKERR / @@BUSYLOCK as the deploy script
 *   @@PERSISTFAIL TEXT     a step failed (what was already replaced stays; the unit is enabled last)
 *   @@PERSISTED changed|unchanged
 * Files are written next to their place and renamed over it; the unit file last.
 */
export function renderInstallScript(o: InstallOptions): string {
  if (o.configText.includes('\0')) throw new Error('a NUL character cannot be persisted');
  const cfgPath = persistedConfigPath(o.configFileName);
  const eof = heredocDelimiter('DAMON_CONFIG_PERSIST', o.configText, o.bootScript, o.unit);
  // a here-document ends every text with a newline (a config without one gains it: same config)
  const put = (path: string, text: string, mode: string) => [
    `cat > ${shQuote(`${path}.new`)} <<'${eof}' || fail "cannot write ${path}.new"`,
    text.endsWith('\n') ? text.slice(0, -1) : text,
    eof,
    `chmod ${mode} ${shQuote(`${path}.new`)} || fail "cannot chmod ${path}.new"`,
    `if cmp -s ${shQuote(`${path}.new`)} ${shQuote(path)} 2>/dev/null; then rm -f ${shQuote(`${path}.new`)}; else mv -f ${shQuote(`${path}.new`)} ${shQuote(path)} || fail "cannot install ${path}"; CH=1; fi`,
  ];
  return [
    'set -u',
    SAY_FN,
    '[ -d /run/systemd/system ] || { say "@@NOSYSTEMD"; exit 0; }',
    lockFn(o.lockWaitS ?? 60),
    'fail() { say "@@PERSISTFAIL $*"; unlock; exit 1; }',
    'lock',
    'CH=',
    `P=${shQuote(PERSIST_DIR)}`,
    'if [ -h "$P" ] || { [ -e "$P" ] && [ ! -d "$P" ]; }; then fail "$P exists and is not a directory"; fi',
    '[ -d "$P" ] || mkdir -m 755 "$P" || fail "cannot create $P"',
    // a persisted config of another format is replaced, not kept beside
    `for f in "$P"/config.damon.yaml "$P"/config.damon.json; do [ "$f" = ${shQuote(cfgPath)} ] || { [ -e "$f" ] && rm -f "$f" && CH=1; }; done`,
    ...put(cfgPath, o.configText, '644'),
    ...put(BOOT_SCRIPT_PATH, o.bootScript, '755'),
    ...put(PERSIST_UNIT_PATH, o.unit, '644'),
    'systemctl daemon-reload >/dev/null 2>&1 || fail "systemctl daemon-reload failed"',
    `if [ "$(systemctl is-enabled ${PERSIST_UNIT} 2>/dev/null)" != enabled ]; then systemctl enable ${PERSIST_UNIT} >/dev/null 2>&1 || fail "systemctl enable ${PERSIST_UNIT} failed"; CH=1; fi`,
    'unlock',
    'if [ -n "$CH" ]; then say "@@PERSISTED changed"; else say "@@PERSISTED unchanged"; fi',
    '',
  ].join('\n');
}

/**
 * Removes what renderInstallScript installed (under the lock): @@UNPERSISTED removed|none,
 * @@PERSISTFAIL TEXT. Works without systemd too (then only files are removed).
 */
export function renderRemoveScript(lockWaitS = 60): string {
  return [
    'set -u',
    SAY_FN,
    lockFn(lockWaitS),
    'fail() { say "@@PERSISTFAIL $*"; unlock; exit 1; }',
    'lock',
    'R=',
    `P=${shQuote(PERSIST_DIR)}`,
    `U=${shQuote(PERSIST_UNIT_PATH)}`,
    'if [ -d /run/systemd/system ] && [ -e "$U" ]; then',
    `  systemctl disable ${PERSIST_UNIT} >/dev/null 2>&1 || fail "systemctl disable ${PERSIST_UNIT} failed"`,
    'fi',
    'if [ -e "$U" ] || [ -h "$U" ]; then rm -f "$U" || fail "cannot remove $U"; R=1; fi',
    'for f in "$P"/config.damon.yaml "$P"/config.damon.json "$P"/boot.sh; do if [ -e "$f" ]; then rm -f "$f" || fail "cannot remove $f"; R=1; fi; done',
    '[ -d "$P" ] && [ ! -h "$P" ] && rmdir "$P" 2>/dev/null',
    'if [ -d /run/systemd/system ] && [ -n "$R" ]; then',
    '  systemctl daemon-reload >/dev/null 2>&1',
    `  systemctl reset-failed ${PERSIST_UNIT} >/dev/null 2>&1`,
    'fi',
    'unlock',
    'if [ -n "$R" ]; then say "@@UNPERSISTED removed"; else say "@@UNPERSISTED none"; fi',
    '',
  ].join('\n');
}

/**
 * Reads what is persisted (for `status`): @@PSYSTEMD yes|no, @@PUNIT enabled|disabled|none,
 * @@PRUN ActiveState SubState Result (this boot's run of the unit), @@PCONFIG NAME followed by the config's
 * lines prefixed with `|`, @@PSOURCE and @@PDIGEST (the deployed file's name and the plan digest,
 * from the boot script's header), @@PEND.
 */
export function renderPersistReadScript(): string {
  return [
    'set -u',
    SAY_FN,
    'if [ -d /run/systemd/system ]; then say "@@PSYSTEMD yes"; else say "@@PSYSTEMD no"; fi',
    `U=${shQuote(PERSIST_UNIT_PATH)}`,
    'if [ -f "$U" ]; then',
    `  e=$(systemctl is-enabled ${PERSIST_UNIT} 2>/dev/null); say "@@PUNIT \${e:-unknown}"`,
    // one `systemctl show` (one GetAll from systemd): three calls could read "active" before the unit
    // failed and "failed" after it, a state it never was in
    `  s=$(systemctl show -p ActiveState -p SubState -p Result ${PERSIST_UNIT} 2>/dev/null)`,
    `  v() { printf '%s\\n' "$s" | sed -n "s/^$1=//p"; }`,
    '  say "@@PRUN $(v ActiveState) $(v SubState) $(v Result)"',
    'else say "@@PUNIT none"; fi',
    `for f in ${shQuote(PERSIST_DIR)}/config.damon.yaml ${shQuote(PERSIST_DIR)}/config.damon.json; do`,
    '  [ -f "$f" ] && [ ! -h "$f" ] || continue',
    '  say "@@PCONFIG ${f##*/}"',
    `  head -c 1048576 "$f" | while IFS= read -r l || [ -n "$l" ]; do printf '|%s\\n' "$l"; done`,
    'done',
    `if [ -f ${shQuote(BOOT_SCRIPT_PATH)} ]; then`,
    `  say "@@PSOURCE $(sed -n 's/^# Source: \\(.*\\) (plan [0-9a-f]*, .*/\\1/p' ${shQuote(BOOT_SCRIPT_PATH)} | head -n 1)"`,
    `  say "@@PDIGEST $(sed -n 's/^# Source: .* (plan \\([0-9a-f]*\\), .*/\\1/p' ${shQuote(BOOT_SCRIPT_PATH)} | head -n 1)"`,
    'fi',
    'say "@@PEND"',
    '',
  ].join('\n');
}

export interface PersistedState {
  systemd: boolean;
  /** the unit's enablement as systemctl is-enabled says it (enabled, disabled ...); none: no unit file */
  unit: string;
  /** this boot's run of the unit: ActiveState, SubState and Result (active exited success: applied; active running: still waiting; failed failed exit-code) */
  run: { active: string; sub: string; result: string } | null;
  config: { name: string; text: string } | null;
  /** the deployed file's name (from the boot script's header) */
  source: string | null;
  digest: string | null;
}

export function parsePersistRead(text: string): PersistedState {
  const st: PersistedState = { systemd: false, unit: 'none', run: null, config: null, source: null, digest: null };
  // the `|` lines right after @@PCONFIG are the config's
  let configLines: string[] = [];
  let inConfig = false;
  let ended = false;
  for (const line of text.split('\n')) {
    if (line.startsWith('|')) {
      if (inConfig) configLines.push(line.slice(1));
      continue;
    }
    if (line === '') continue;
    const [tag, ...rest] = line.split(' ');
    const arg = rest.join(' ');
    inConfig = tag === '@@PCONFIG';
    if (inConfig) {
      configLines = [];
      st.config = { name: arg, text: '' };
    } else if (tag === '@@PSYSTEMD') st.systemd = arg === 'yes';
    else if (tag === '@@PUNIT') st.unit = arg;
    else if (tag === '@@PRUN') st.run = { active: rest[0] ?? '', sub: rest[1] ?? '', result: rest[2] ?? '' };
    else if (tag === '@@PSOURCE') st.source = arg || null;
    else if (tag === '@@PDIGEST') st.digest = /^[0-9a-f]{16}$/.test(arg) ? arg : null;
    else if (tag === '@@PEND') ended = true;
  }
  if (st.config) st.config.text = configLines.length ? `${configLines.join('\n')}\n` : '';
  if (!ended) throw new Error('the persisted-state read ended early');
  return st;
}
