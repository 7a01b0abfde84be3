/** The DAMON/DAMOS simulator: public entry points. */
export { simulate, simKernel, type SimOptions } from './engine';
export { loadScenarioText, builtinScenario, type LoadedScenario, type ScenarioProblem } from './scenario';
export { BUILTIN_SCENARIOS, seedScenario } from './builtin';
export { formatSummaryTable, resultToCsv, resultToJson, fmtBytes } from './report';
export type { SimResult, SimSeries, SummaryRow, SchemeSeries, GoalSummary } from './result';
export type { Scenario, WorkloadSpec, ProcessSpec, ScenarioNode } from './types';
export type { WorkerRequest, WorkerMessage } from './worker-protocol';
