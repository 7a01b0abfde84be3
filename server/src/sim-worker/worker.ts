/**
 * Worker thread entry (bundled as dist/sim-worker.js): runs one simulation off the main thread and
 * posts progress and the result (see worker-protocol.ts). It imports nothing from vscode or the LSP.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { LineIndex } from '../core/parse/lines';
import { simulate } from '../core/sim/engine';
import { prepareSimulation } from '../core/sim/prepare';
import type { WorkerMessage, WorkerRequest } from '../core/sim/worker-protocol';

function post(m: WorkerMessage): void {
  parentPort?.postMessage(m);
}

export function runRequest(req: WorkerRequest, postMessage: (m: WorkerMessage) => void): void {
  // the shared "check, then simulate" step: the config is checked against the scenario's kernel
  const prepared = prepareSimulation(req.configText, req.fileName, req.scenario);
  if (!prepared.ok && prepared.stage === 'scenario') {
    const file = 'fileName' in req.scenario ? req.scenario.fileName : req.scenario.builtin;
    postMessage({ type: 'error', message: prepared.message, problems: prepared.problems.map((p) => ({ ...p, file })) });
    return;
  }
  if (!prepared.ok) {
    const lines = new LineIndex(req.configText);
    const problems = prepared.findings
      .filter((d) => d.severity === 'error')
      .map((d) => {
        const p = lines.positionAt(d.range.start);
        return { file: req.fileName, line: p.line + 1, column: p.character + 1, message: d.message, code: d.code };
      });
    const first = problems[0];
    postMessage({
      type: 'error',
      message: !first
        ? prepared.message
        : `not simulated: on kernel ${prepared.scenario.kernel} (the scenario's) the config has ${problems.length} error(s) the kernel would refuse or run differently; the first, at line ${first.line}:${first.column} [${first.code}]: ${first.message}`,
      problems,
    });
    return;
  }
  const { kconfig, scenario } = prepared;
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
