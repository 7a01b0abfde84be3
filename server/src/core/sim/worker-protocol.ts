/**
 * Messages between a host (the language server, the CLI, tests) and dist/sim-worker.js.
 * Start it with `new Worker(path, { workerData: request })`; cancel with `worker.terminate()` or by
 * setting cancelFlag[0] = 1 (a SharedArrayBuffer-backed Int32Array passed in the request).
 */
import type { SimResult } from './result';

export interface WorkerRequest {
  /** the config text and its file name (YAML or JSON by extension) */
  configText: string;
  fileName: string;
  /** a built-in scenario name, or the text of a scenario file */
  scenario: { builtin: string } | { text: string; fileName: string };
  seed?: number;
  durationSec?: number;
  cancelFlag?: Int32Array;
}

export type WorkerMessage =
  | { type: 'progress'; fraction: number; simSec: number }
  | { type: 'result'; result: SimResult; warnings: string[] }
  | { type: 'error'; message: string; problems?: { line: number; column: number; message: string; file: string; code?: string }[] };
