/**
 * The one "check, then simulate" step of every front end (the CLI's `simulate`, the worker behind the
 * editor's simulation page): load the scenario, then check the config against the scenario's own
 * kernel, and hand back the KConfig to simulate only when that kernel would accept it. Pure: no I/O.
 */
import { checkText, type CheckResult } from '../check';
import type { CoreDiagnostic } from '../diagnostic';
import { BUILTIN_SCENARIOS } from './builtin';
import { builtinScenario, loadScenarioText, type ScenarioProblem } from './scenario';
import type { KConfig } from '../model/kernel';
import type { Scenario } from './types';

export type ScenarioSource = { builtin: string } | { text: string; fileName: string };

export type PreparedSimulation =
  | { ok: true; scenario: Scenario; kconfig: KConfig; checked: CheckResult; findings: CoreDiagnostic[]; errors: 0 }
  /** the scenario could not be loaded */
  | { ok: false; stage: 'scenario'; message: string; problems: ScenarioProblem[] }
  /** the config has errors on the scenario's kernel (or no DAMON config at all) */
  | { ok: false; stage: 'config'; scenario: Scenario; checked: CheckResult; findings: CoreDiagnostic[]; errors: number; message: string };

export function prepareSimulation(configText: string, fileName: string, source: ScenarioSource): PreparedSimulation {
  let scenario: Scenario;
  if ('builtin' in source) {
    const s = builtinScenario(source.builtin);
    if (!s)
      return {
        ok: false,
        stage: 'scenario',
        message: `no built-in scenario "${source.builtin}" (built-ins: ${Object.keys(BUILTIN_SCENARIOS).join(', ')})`,
        problems: [],
      };
    scenario = s;
  } else {
    const loaded = loadScenarioText(source.text, source.fileName);
    if (!loaded.scenario) return { ok: false, stage: 'scenario', message: 'the scenario file has errors', problems: loaded.problems };
    scenario = loaded.scenario;
  }
  // the scenario's kernel decides what the kernel accepts; its machine is not used as a profile here
  // (cgroups or ranges the scenario lacks become simulator warnings, so a config written for another
  // machine can still be tried on a built-in one)
  const checked = checkText(configText, { fileName, kernel: scenario.kernel });
  const findings = checked.diagnostics.filter((d) => d.severity === 'error' || d.severity === 'warning');
  const errors = findings.filter((d) => d.severity === 'error').length;
  const kconfig = checked.documents[0]?.kconfig ?? null;
  if (errors > 0 || !kconfig) {
    const message = kconfig ? `the kernel (${scenario.kernel}, the scenario's) would refuse this config or run it differently` : 'no DAMON config to simulate';
    return { ok: false, stage: 'config', scenario, checked, findings, errors, message };
  }
  return { ok: true, scenario, kconfig, checked, findings, errors: 0 };
}
