/** Code lenses: "Explain" above each config document, "▶ Simulate this file" above the first kdamond, "Deploy…" above each kdamond. */
import { mapGet, type OffsetRange } from './core';
import type { Analysis } from './analysis';
import { ClientCommands, ServerCommands, type CommandTarget, type ConvertTarget } from './protocol';

export interface Lens {
  range: OffsetRange;
  title: string;
  command: string;
  args: (CommandTarget | ConvertTarget)[];
}

export const CONVERT_TITLE = 'Convert to config file';
export const EXPLAIN_TITLE = 'Explain';
export const SIMULATE_TITLE = '▶ Simulate this file (all kdamonds)';

export function codeLenses(a: Analysis): Lens[] {
  if (!a.damon) return [];
  if (a.kind === 'shell') {
    // one lens on the first line of each damo start|tune command of a shell script
    return a.commands.map((c) => ({
      range: { start: c.range.start, end: c.range.start },
      title: CONVERT_TITLE,
      command: ServerCommands.convertToConfig,
      args: [{ uri: a.uri, offset: c.range.start }],
    }));
  }
  const out: Lens[] = [];
  for (const doc of a.result.documents) {
    const kds = mapGet(doc.root, 'kdamonds');
    if (!kds || kds.kind !== 'seq') continue;
    if (doc.root)
      out.push({
        range: { start: doc.root.range.start, end: doc.root.range.start },
        title: EXPLAIN_TITLE,
        command: ClientCommands.explain,
        args: [{ uri: a.uri }],
      });
    kds.items.forEach((kd, k) => {
      const at = { start: kd.range.start, end: kd.range.start };
      // the simulator runs every kdamond of the file together (they share the machine): one lens,
      // named for what it does, on the first kdamond
      if (k === 0) out.push({ range: at, title: SIMULATE_TITLE, command: ClientCommands.simulate, args: [{ uri: a.uri }] });
      out.push({ range: at, title: 'Deploy…', command: ClientCommands.deploy, args: [{ uri: a.uri, kdamond: k }] });
    });
  }
  return out;
}
