import { parseAllDocuments } from 'yaml';
import { generateConfig } from './gen';

/**
 * The six edit kinds the editor benchmarks measure (issue 16): each takes a generated config and
 * returns the edited text, touching the middle of the file (or its end, for the appended kinds).
 */
export type EditKind = 'value change' | 'appended comment line' | 'emptied value' | 'half-typed key' | 'new kdamond being typed' | 'paste of a 100-line block';

export const EDIT_KINDS: EditKind[] = [
  'value change',
  'appended comment line',
  'emptied value',
  'half-typed key',
  'new kdamond being typed',
  'paste of a 100-line block',
];

function middleLine(text: string, re: RegExp): number {
  const hits = [...text.matchAll(re)].map((m) => m.index);
  if (!hits.length) throw new Error(`no ${re} in the config`);
  return hits[Math.floor(hits.length / 2)];
}

/** `n` varies the edit (a different value each time) so no cache can keep the edited result. */
export function applyEdit(text: string, kind: EditKind, n = 0): string {
  switch (kind) {
    case 'value change': {
      const at = middleLine(text, /sz_bytes: 200 MiB/g);
      return `${text.slice(0, at)}sz_bytes: ${201 + (n % 50)} MiB${text.slice(at + 'sz_bytes: 200 MiB'.length)}`;
    }
    case 'appended comment line':
      return `${text}  # note ${n}\n`;
    case 'emptied value': {
      const at = middleLine(text, /target_nid: 1\n/g);
      return `${text.slice(0, at)}target_nid: ${' '.repeat(n % 2)}\n${text.slice(at + 'target_nid: 1\n'.length)}`;
    }
    case 'half-typed key': {
      const at = middleLine(text, /\n {12}quotas:\n/g) + 1;
      return `${text.slice(0, at)}            ${'quotas'.slice(0, 2 + (n % 3))}\n${text.slice(at)}`;
    }
    case 'new kdamond being typed':
      return `${text}  - ${'contexts:'.slice(0, 5 + (n % 5))}\n`;
    case 'paste of a 100-line block': {
      const at = middleLine(text, /\n {10}- action: /g) + 1;
      const lines = text.slice(at).split('\n');
      const block = lines.slice(17 * (n % 2), 17 * (n % 2) + 100).join('\n');
      return `${text.slice(0, at)}${block}\n${text.slice(at)}`;
    }
  }
}

/** The JSON edit kinds: the states a JSON config is in while someone types in it. */
export type JsonEditKind = 'value change' | 'emptied value' | 'half-typed key';

export const JSON_EDIT_KINDS: JsonEditKind[] = ['value change', 'emptied value', 'half-typed key'];

/** The generated config of about `lines` YAML lines as JSON, pretty-printed (one kdamond per block of lines). */
export function jsonConfig(lines: number): string {
  return `${JSON.stringify(parseAllDocuments(generateConfig(lines))[0].toJS(), null, 2)}\n`;
}

/**
 * A JSON edit in the middle of the file: a value changed, a value deleted (`"target_nid": ,`, an
 * error until the new value is typed), a half-typed key on a line of its own above `"quotas"` (an
 * editor closes the quote: `"quo"`).
 */
export function applyJsonEdit(text: string, kind: JsonEditKind, n = 0): string {
  switch (kind) {
    case 'value change': {
      const at = middleLine(text, /"sz_bytes": "200 MiB"/g) + '"sz_bytes": '.length;
      return `${text.slice(0, at)}"${201 + (n % 50)} MiB"${text.slice(at + '"200 MiB"'.length)}`;
    }
    case 'emptied value': {
      const at = middleLine(text, /"target_nid": 1,/g);
      return `${text.slice(0, at)}"target_nid": ${' '.repeat(n % 2)},${text.slice(at + '"target_nid": 1,'.length)}`;
    }
    case 'half-typed key': {
      const at = middleLine(text, /\n *"quotas": \{/g) + 1;
      const indent = /^ */.exec(text.slice(at))![0];
      return `${text.slice(0, at)}${indent}"${'quotas'.slice(0, 2 + (n % 3))}"\n${text.slice(at)}`;
    }
  }
}

/**
 * The change an editor sends for an edit (both servers ask for incremental sync, as VS Code then
 * sends it): the replaced range of the old text and the new text of that range.
 */
export function rangeChange(old: string, text: string): { range: { start: Position; end: Position }; text: string } {
  const n = Math.min(old.length, text.length);
  let pre = 0;
  while (pre < n && old.charCodeAt(pre) === text.charCodeAt(pre)) pre++;
  let suf = 0;
  while (suf < n - pre && old.charCodeAt(old.length - 1 - suf) === text.charCodeAt(text.length - 1 - suf)) suf++;
  const at = (offset: number): Position => {
    const lineStart = offset === 0 ? 0 : old.lastIndexOf('\n', offset - 1) + 1;
    let line = 0;
    for (let i = old.indexOf('\n'); i >= 0 && i < lineStart; i = old.indexOf('\n', i + 1)) line++;
    return { line, character: offset - lineStart };
  };
  return { range: { start: at(pre), end: at(old.length - suf) }, text: text.slice(pre, text.length - suf) };
}

interface Position {
  line: number;
  character: number;
}
