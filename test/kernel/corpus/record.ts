/**
 * Recording one corpus case on the test host: what `damo start` does, what the kernel does with
 * the same values written by hand, and the read-back sysfs trees. Used by the system-tier tests
 * in test/kernel/; the recorded truth lives in recorded.json for the unit tier.
 */
import { checkText } from '../../../server/src/core/index';
import { capabilitiesForVersion } from '../../../server/src/core/sysfs/features';
import { planSysfs } from '../../../server/src/core/sysfs/plan';
import { shQuote } from '../../../server/src/core/sysfs/script';
import type { TestHost } from '../../testhost/vm';

export const A = '/sys/kernel/mm/damon/admin';

/** files that change while a kdamond runs (or only describe the host) are not part of a tree */
const TREE_SKIP = "! -path '*/tried_regions/*' ! -path '*/stats/*' ! -name 'avail_*' ! -name pid ! -name effective_bytes ! -name current_value";

const SHELL_LIB = `A=${A}
dumptree() {
  [ -d "$A/kdamonds/0" ] || return 0
  # one grep for all files (forks are slow under TCG); empty files print nothing
  cd "$A" && find kdamonds -type f ${TREE_SKIP} | sort | xargs grep -H '' 2>/dev/null | sed 's/^/@@T /'
  cd /
}
states() { n=$(cat "$A/kdamonds/nr_kdamonds"); k=0; while [ "$k" -lt "$n" ]; do printf '@@STATE %s %s\\n' "$k" "$(cat "$A/kdamonds/$k/state")"; k=$((k + 1)); done; }
reset() {
  n=$(cat "$A/kdamonds/nr_kdamonds"); k=0
  while [ "$k" -lt "$n" ]; do [ "$(cat "$A/kdamonds/$k/state")" = on ] && echo off > "$A/kdamonds/$k/state"; k=$((k + 1)); done
  # wait until every kdamond thread has really stopped before the tree goes away
  k=0; while [ "$k" -lt "$n" ]; do j=0; while [ "$(cat "$A/kdamonds/$k/state")" != off ] && [ "$j" -lt 50 ]; do sleep 0.2; j=$((j + 1)); done; k=$((k + 1)); done
  sleep 1
  i=0; until echo 0 > "$A/kdamonds/nr_kdamonds" 2>/dev/null; do i=$((i + 1)); [ "$i" -gt 50 ] && break; sleep 0.2; done
}
`;

export interface Outcome {
  /** every kdamond ended up "on" */
  started: boolean;
  /** damo: its last output lines; by hand: the failing write and the kernel's error */
  message: string;
  /** by hand: where the kernel refused: a file write, or the "on" */
  stage?: 'write' | 'on';
  failedPath?: string;
  /** the read-back tree (relative paths under the admin dir), empty if nothing was left staged */
  tree: Record<string, string>;
}

function parse(out: string): { lines: string[]; states: string[]; tree: Record<string, string>; fail?: { path: string; err: string } } {
  const tree: Record<string, string> = {};
  const states: string[] = [];
  const lines: string[] = [];
  let fail: { path: string; err: string } | undefined;
  for (const l of out.split('\n')) {
    if (l.startsWith('@@T ')) {
      const colon = l.indexOf(':', 4);
      const f = l.slice(4, colon);
      tree[f] = f in tree ? `${tree[f]} ${l.slice(colon + 1)}` : l.slice(colon + 1);
    } else if (l.startsWith('@@STATE ')) states.push(l.split(' ')[2]);
    else if (l.startsWith('@@FAIL ')) {
      const [, path, ...err] = l.split(' ');
      fail = { path, err: err.join(' ') };
    } else if (l.startsWith('|')) lines.push(l.slice(1));
  }
  return { lines, states, tree, fail };
}

/** `damo start FILE.json` in the guest (damo 3.4.1), then read back and stop by sysfs. */
export function runDamo(vm: TestHost, config: unknown): Outcome {
  const script = `${SHELL_LIB}
cat > /tmp/corpus.json
out=$(timeout 240 damo start /tmp/corpus.json 2>&1)
printf '%s\\n' "$out" | grep -v '^\\s*$' | tail -n 4 | sed 's/^/|/'
states
dumptree
reset
`;
  const out = vm.sh(script, JSON.stringify(config, null, 1));
  const p = parse(out);
  const started = p.states.length > 0 && p.states.every((s) => s === 'on');
  return { started, message: p.lines.join('\n').trim(), tree: p.tree };
}

/** The writes `deploy` would make for the config (its sysfs plan), with values replaced or added by hand. */
export function handWrites(configText: string, hand: Record<string, string> = {}, fileName = 'case.json'): { path: string; value: string }[] {
  const res = checkText(configText, { fileName, kernel: '7.2' });
  const k = res.documents[0]?.kconfig;
  if (!k) throw new Error('the config does not lower to a kernel config');
  const plan = planSysfs(k, { caps: capabilitiesForVersion('7.2') });
  const writes = plan.writes.map((w) => ({ path: w.path, value: w.path in hand ? hand[w.path] : w.value }));
  // overrides for files the plan does not write go right before the first state write
  const extra = Object.entries(hand)
    .filter(([p]) => !writes.some((w) => w.path === p))
    .map(([path, value]) => ({ path, value }));
  const firstState = writes.findIndex((w) => w.path.endsWith('/state'));
  writes.splice(firstState < 0 ? writes.length : firstState, 0, ...extra);
  return writes;
}

/** Write sysfs by hand in order (the kernel's own verdict: first refused write, or the "on"). */
export function runHand(vm: TestHost, writes: { path: string; value: string }[]): Outcome {
  const body = writes.map((w) => `w ${shQuote(w.path)} ${shQuote(w.value)}`).join('\n');
  const script = `${SHELL_LIB}
# the builtin write first (no fork); on failure again through cat for the kernel's error text
w() { { printf '%s' "$2" > "$A/$1"; } 2>/dev/null && return 0; { printf '%s' "$2" | cat > "$A/$1"; } 2>/tmp/corpus.err && return 0; printf '@@FAIL %s %s\\n' "$1" "$(tr '\\n' ' ' < /tmp/corpus.err)"; return 1; }
run() {
${body
  .split('\n')
  .map((l) => `${l} || return 1`)
  .join('\n')}
}
run
states
dumptree
reset
`;
  // on stdin: a long script as the ssh command line makes dropbear drop the connection
  const p = parse(vm.sh('sh -s', script));
  const started = !p.fail && p.states.length > 0 && p.states.every((s) => s === 'on');
  const out: Outcome = { started, message: p.fail ? p.fail.err.replace(/^cat: (write error: )?/, '').trim() : '', tree: p.tree };
  if (p.fail) {
    out.failedPath = p.fail.path;
    out.stage = p.fail.path.endsWith('/state') ? 'on' : 'write';
  }
  return out;
}

/** files whose values differ between two trees (a missing file reads as undefined) */
export function treeDiff(a: Record<string, string>, b: Record<string, string>): Record<string, [string | undefined, string | undefined]> {
  const out: Record<string, [string | undefined, string | undefined]> = {};
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) if (a[k] !== b[k]) out[k] = [a[k], b[k]];
  return out;
}
