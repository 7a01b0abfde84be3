/**
 * Machine-readable per-host results of `deploy --inventory` (its `--json`): an Ansible callback
 * plugin, enabled only for the runs `deploy --inventory` starts, records per host what the role's
 * tasks returned (the plan's diff or its refusal with the rule and config line, the apply's verdict,
 * an unreachable host's ssh error, the recap counts) into a JSON file; `fleetRecap` turns that file
 * into one outcome per host. Ansible's own output stays for humans; nothing here reads it.
 * Pure: the plugin is returned as text, the CLI writes it.
 */

export const RESULTS_CALLBACK_NAME = 'damon_config_results';
/** the environment variable naming the file the callback writes */
export const RESULTS_ENV = 'DAMON_CONFIG_RESULTS';

/**
 * The callback plugin (aggregate: it prints nothing; Ansible's default output is unchanged).
 * Ignores the recap play (it runs on localhost); keeps the first failure per host, so a host the
 * rescue then fails on purpose is reported with the task that failed first.
 */
export const RESULTS_CALLBACK_PY = `# -*- coding: utf-8 -*-
# ${RESULTS_CALLBACK_NAME}: per-host results of a damon-config role run, as JSON, for \`damon-config deploy --inventory --json\`.
DOCUMENTATION = r"""
name: ${RESULTS_CALLBACK_NAME}
type: aggregate
short_description: write the per-host results of the damon-config role to the file in $${RESULTS_ENV}
description:
  - Records, per host, what the damon_config_host module returned (plan, verdict), the recorded
    damon_result, the first failed task and an unreachable host's message, and the recap counts.
requirements:
  - enabled by damon-config deploy --inventory
"""
import json
import os

from ansible.plugins.callback import CallbackBase

RECAP_PLAY = "DAMON recap"
PLAN_KEYS = ("changed", "failed", "msg", "details", "stage", "summary", "diff_text")
VERDICT_KEYS = ("failed", "msg", "status", "details")


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "${RESULTS_CALLBACK_NAME}"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super(CallbackModule, self).__init__(*args, **kwargs)
        self.hosts = {}
        self.in_recap = False

    def v2_playbook_on_play_start(self, play):
        self.in_recap = play.get_name() == RECAP_PLAY

    def _host(self, result):
        name = result._host.get_name()
        return self.hosts.setdefault(name, {"host": name})

    def _record(self, result, outcome):
        if self.in_recap:
            return
        h = self._host(result)
        r = result._result if isinstance(result._result, dict) else {}
        task = result._task
        action = (task.action or "").split(".")[-1]
        if action == "damon_config_host":
            mode = (task.args or {}).get("mode") or r.get("invocation", {}).get("module_args", {}).get("mode")
            keys = PLAN_KEYS if mode == "plan" else VERDICT_KEYS
            if mode in ("plan", "verdict"):
                h[mode] = dict((k, r[k]) for k in keys if k in r)
                h[mode]["failed"] = outcome == "failed"
        facts = r.get("ansible_facts") or {}
        if "damon_result" in facts:
            h["result"] = facts["damon_result"]
        if outcome == "unreachable":
            h["unreachable"] = r.get("msg") or "unreachable"
        if outcome == "failed" and "failed" not in h:
            h["failed"] = {"task": task.get_name(), "msg": r.get("msg") or r.get("stderr") or ""}

    def v2_runner_on_ok(self, result):
        self._record(result, "ok")

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record(result, "ignored" if ignore_errors else "failed")

    def v2_runner_on_unreachable(self, result):
        self._record(result, "unreachable")

    def v2_playbook_on_stats(self, stats):
        out = os.environ.get("${RESULTS_ENV}")
        if not out:
            return
        for name, h in self.hosts.items():
            h["stats"] = stats.summarize(name)
        with open(out, "w", encoding="utf-8") as f:
            json.dump({"version": 1, "hosts": list(self.hosts.values())}, f)
`;

/** What a host ended as. In a --check run: `would-change` or `unchanged`, or `failed` (would fail). */
export type HostStatus = 'applied' | 'unchanged' | 'would-change' | 'rolled-back' | 'failed' | 'unreachable' | 'unknown';

export interface HostOutcome {
  host: string;
  status: HostStatus;
  /** one line: why (the refusal, the ssh error, the rollback's cause) or what (`3 sysfs writes (start)`) */
  message: string;
  /** the lines under it: `file:line:col: error [rule] message` for a refused config, the kernel's error */
  details: string[];
  /** --check: the sysfs diff on this host (`+path = value` lines) */
  diff?: string;
}

export interface FleetRecap {
  check: boolean;
  hosts: HostOutcome[];
}

interface RawHost {
  host: string;
  plan?: { changed?: boolean; failed?: boolean; msg?: string; details?: string[]; summary?: string; diff_text?: string };
  verdict?: { failed?: boolean; msg?: string; status?: string; details?: string[] };
  result?: string;
  failed?: { task?: string; msg?: string };
  unreachable?: string;
}

const strs = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);

function outcomeOf(h: RawHost, check: boolean): HostOutcome {
  const host = h.host;
  if (h.unreachable !== undefined) return { host, status: 'unreachable', message: String(h.unreachable).trim(), details: [] };
  const plan = h.plan;
  if (plan?.failed) return { host, status: 'failed', message: String(plan.msg ?? 'the plan failed'), details: strs(plan.details) };
  if (plan && !plan.failed) {
    if (!plan.changed) return { host, status: 'unchanged', message: 'already runs this config', details: [] };
    if (check) return { host, status: 'would-change', message: String(plan.summary ?? ''), details: [], diff: plan.diff_text ?? '' };
    const v = h.verdict;
    if (v) {
      // the verdict names its host ("db1: applied (12 writes)"): the table already does
      const message = String(v.msg ?? '').replace(`${host}: `, '');
      const details = strs(v.details);
      if (v.status === 'applied' && !v.failed) return { host, status: 'applied', message, details };
      if (v.status === 'rolled-back') return { host, status: 'rolled-back', message, details };
      if (v.status === 'unknown') return { host, status: 'unknown', message, details };
      return { host, status: 'failed', message, details };
    }
  }
  if (h.failed) return { host, status: 'failed', message: `${h.failed.task ?? 'a task'} failed: ${String(h.failed.msg ?? '').trim()}`, details: [] };
  return { host, status: 'unknown', message: h.result ?? 'no result: check the host with damon-config status', details: [] };
}

/** The callback's file as one outcome per host (in the order Ansible reported them). */
export function fleetRecap(json: string, check: boolean): FleetRecap {
  const raw = JSON.parse(json) as { version?: number; hosts?: RawHost[] };
  if (raw.version !== 1 || !Array.isArray(raw.hosts)) throw new Error('not a damon-config results file (version 1)');
  return { check, hosts: raw.hosts.map((h) => outcomeOf(h, check)) };
}
