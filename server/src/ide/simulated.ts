/**
 * The `damon/simulatedValues` notification a client sends after a simulation run: each quota goal's
 * converged value (the simulator's result.goals: the metric averaged over the same window as the
 * seed-style table, in the goal's unit) keyed by the goal's config path. Plain data: the VS Code
 * client bundles it.
 */
import type { GoalSummary } from '../core/sim/result';
import type { GoalValuesParams } from './protocol';

export function simulatedValuesParams(
  uri: string,
  goals: readonly Pick<GoalSummary, 'configPath' | 'meanValue'>[] | undefined,
  time = Date.now(),
): GoalValuesParams {
  const values: GoalValuesParams['values'] = [];
  for (const g of goals ?? []) if (g.meanValue !== null && Number.isFinite(g.meanValue)) values.push({ path: [...g.configPath], value: g.meanValue, time });
  // a new run replaces every value of the previous one (goals may have been added or removed)
  return { uri, source: 'simulator', replace: true, values };
}
