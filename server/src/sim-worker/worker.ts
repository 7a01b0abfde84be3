/**
 * Worker thread entry (bundled as dist/sim-worker.js): runs one simulation off the main thread and
 * posts progress and the result (see worker-protocol.ts). It imports nothing from vscode or the LSP.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { checkText } from '../core/check';
import { LineIndex } from '../core/parse/lines';
import { simulate } from '../core/sim/engine';
import { builtinScenario, loadScenarioText } from '../core/sim/scenario';
import type { WorkerMessage, WorkerRequest } from '../core/sim/worker-protocol';

function post(m: WorkerMessage): void {
  parentPort?.postMessage(m);
}

export function runRequest(req: WorkerRequest, postMessage: (m: WorkerMessage) => void): void {
  const checked = checkText(req.configText, { fileName: req.fileName });
  const errors = checked.diagnostics.filter((d) => d.severity === 'error');
  const kconfig = checked.documents[0]?.kconfig ?? null;
  if (errors.length || !kconfig) {
    const lines = new LineIndex(req.configText);
    const problems = errors.map((d) => {
      const p = lines.positionAt(d.range.start);
      return { file: req.fileName, line: p.line + 1, column: p.character + 1, message: d.message, code: d.code };
    });
    const first = problems[0];
    postMessage({
      type: 'error',
      message: !first
        ? 'no DAMON config to simulate'
        : `not simulated: the config has ${problems.length} error(s) the kernel would refuse or run differently; the first, at line ${first.line}:${first.column} [${first.code}]: ${first.message}`,
      problems,
    });
    return;
  }
  let scenario;
  if ('builtin' in req.scenario) {
    scenario = builtinScenario(req.scenario.builtin);
    if (!scenario) {
      postMessage({ type: 'error', message: `no built-in scenario "${req.scenario.builtin}"` });
      return;
    }
  } else {
    const loaded = loadScenarioText(req.scenario.text, req.scenario.fileName);
    if (!loaded.scenario) {
      const file = req.scenario.fileName;
      postMessage({ type: 'error', message: 'the scenario file has errors', problems: loaded.problems.map((p) => ({ ...p, file })) });
      return;
    }
    scenario = loaded.scenario;
  }
  const flag = req.cancelFlag;
  const result = simulate(kconfig, scenario, {
    seed: req.seed,
    durationSec: req.durationSec,
    onProgress: (fraction, simSec) => postMessage({ type: 'progress', fraction, simSec }),
    shouldStop: flag ? () => Atomics.load(flag, 0) !== 0 : undefined,
  });
  postMessage({ type: 'result', result, warnings: result.warnings });
}

if (parentPort && workerData) {
  try {
    runRequest(workerData as WorkerRequest, post);
  } catch (e) {
    post({ type: 'error', message: (e as Error).message });
  }
}
