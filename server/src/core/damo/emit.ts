/** Imported config → commented YAML or JSON text. */
import YAML from 'yaml';
import type { ConfigPath } from '../diagnostic';
import type { ConfigComment } from './import';
import { PLACEHOLDER_PREFIX } from './import';
import type { DamoConfig } from './model';

export interface EmitOptions {
  /** comment lines for the top of the YAML document */
  header?: string[];
  comments?: ConfigComment[];
}

function placeholders(value: unknown, path: ConfigPath, out: ConfigPath[]): void {
  if (typeof value === 'string' && value.startsWith(PLACEHOLDER_PREFIX)) out.push(path);
  else if (Array.isArray(value)) value.forEach((v, i) => placeholders(v, [...path, i], out));
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) placeholders(v, [...path, k], out);
}

const asComment = (text: string): string =>
  text
    .split('\n')
    .map((l) => ` ${l}`)
    .join('\n');

export function configToYaml(config: DamoConfig, opts: EmitOptions = {}): string {
  const doc = new YAML.Document(config);
  if (opts.header?.length) doc.commentBefore = asComment(opts.header.join('\n'));
  for (const c of opts.comments ?? []) {
    if (c.path.length === 0) {
      doc.commentBefore = doc.commentBefore ? `${doc.commentBefore}\n${asComment(c.text)}` : asComment(c.text);
      continue;
    }
    const node = doc.getIn(c.path, true) as YAML.Node | undefined;
    if (node && YAML.isNode(node)) node.commentBefore = node.commentBefore ? `${node.commentBefore}\n${asComment(c.text)}` : asComment(c.text);
  }
  const ph: ConfigPath[] = [];
  placeholders(config, [], ph);
  for (const p of ph) {
    const node = doc.getIn(p, true) as YAML.Node | undefined;
    if (node && YAML.isScalar(node)) {
      node.comment = /NUMA node|System RAM/.test(String(node.value))
        ? ' placeholder: damo reads this on the live host; import with --profile FILE'
        : ' placeholder: only known when damo runs on the host';
    }
  }
  return doc.toString({ lineWidth: 0, indentSeq: true });
}

export function configToJson(config: DamoConfig): string {
  return `${JSON.stringify(config, null, 2)}\n`;
}
