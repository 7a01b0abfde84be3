/** Code lenses: "Explain" above each config document, and above each kdamond ("▶ Simulate", "Deploy…") and each scheme ("▶ Simulate scheme"). */
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
    if (doc.root) out.push({ range: { start: doc.root.range.start, end: doc.root.range.start }, title: EXPLAIN_TITLE, command: ClientCommands.explain, args: [{ uri: a.uri }] });
    kds.items.forEach((kd, k) => {
      const at = { start: kd.range.start, end: kd.range.start };
      out.push({ range: at, title: `▶ Simulate kdamond ${k}`, command: ClientCommands.simulate, args: [{ uri: a.uri, kdamond: k }] });
      out.push({ range: at, title: 'Deploy…', command: ClientCommands.deploy, args: [{ uri: a.uri, kdamond: k }] });
      const ctxs = mapGet(kd, 'contexts');
      if (!ctxs || ctxs.kind !== 'seq') return;
      ctxs.items.forEach((c, ci) => {
        const schemes = mapGet(c, 'schemes');
        if (!schemes || schemes.kind !== 'seq') return;
        schemes.items.forEach((s, si) => {
          const action = mapGet(s, 'action');
          const name = action && action.kind === 'scalar' ? String(action.value) : `scheme ${si}`;
          out.push({ range: { start: s.range.start, end: s.range.start }, title: `▶ Simulate ${name}`, command: ClientCommands.simulate, args: [{ uri: a.uri, kdamond: k, scheme: { context: ci, index: si } }] });
        });
      });
    });
  }
  return out;
}
