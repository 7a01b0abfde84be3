/**
 * Server-side store of goal metric values that come from outside the text: the simulator's last run
 * (`damon/simulatedValues`) and a host's live readings (`damon/liveValues`). Keyed by document URI and
 * config path of the quota goal; inlay hints and hover read it.
 */
import type { ConfigPath, GoalValuesParams } from './protocol';

export type ValueOrigin = 'simulated' | 'live';

export interface StoredValue {
  value: number;
  time: number;
  source?: string;
}

const key = (p: ConfigPath): string => p.map(String).join('/');

export class GoalValueStore {
  private readonly docs = new Map<string, Record<ValueOrigin, Map<string, StoredValue>>>();

  private entry(uri: string): Record<ValueOrigin, Map<string, StoredValue>> {
    let e = this.docs.get(uri);
    if (!e) {
      e = { simulated: new Map(), live: new Map() };
      this.docs.set(uri, e);
    }
    return e;
  }

  /** Apply one notification; returns the number of values accepted (malformed entries are skipped). */
  apply(origin: ValueOrigin, params: GoalValuesParams, now = Date.now()): number {
    if (!params || typeof params.uri !== 'string' || !Array.isArray(params.values)) return 0;
    const e = this.entry(params.uri);
    if (params.replace) e[origin].clear();
    let n = 0;
    for (const v of params.values) {
      if (!v || !Array.isArray(v.path) || typeof v.value !== 'number' || !Number.isFinite(v.value)) continue;
      e[origin].set(key(v.path), { value: v.value, time: typeof v.time === 'number' ? v.time : now, source: params.source });
      n++;
    }
    return n;
  }

  get(uri: string, origin: ValueOrigin, goalPath: ConfigPath): StoredValue | undefined {
    return this.docs.get(uri)?.[origin].get(key(goalPath));
  }

  clear(uri: string): void {
    this.docs.delete(uri);
  }
}
