/**
 * Structural pass: ajv validates the plain value of a document against the schema generated from
 * spec.ts, and every error is mapped back to the exact key or value in the source tree.
 */
import Ajv, { type ValidateFunction } from 'ajv';
import type { CoreDiagnostic, Fix, OffsetRange } from '../diagnostic';
import { nodeAtPath, toJS, type SNode, type SourceFormat, type SPair } from '../parse/tree';
import { CONFIG_SCHEMA, keysAt, schemaAt } from './spec';
import { closest } from '../util/text';
import { pointerToPath } from './ajv-errors';

let validator: ValidateFunction | undefined;

function getValidator(): ValidateFunction {
  if (!validator) {
    const ajv = new Ajv({ allErrors: true, strict: false, allowUnionTypes: true, validateSchema: false });
    validator = ajv.compile(CONFIG_SCHEMA);
  }
  return validator;
}

/** Old key names damo no longer reads, with the current name. */
const DEAD_LEGACY: Record<string, { to: string; why: string }> = {
  target_idx: { to: 'damon_target_idx', why: "renamed in damo 1.9.2; damo 3.3 fails with KeyError 'damon_target_idx'" },
  filter_out: { to: 'allow', why: 'removed: use `allow` (true allows, false rejects)' },
};

export function keyEdit(pair: SPair, newName: string, format: SourceFormat): Fix['edits'][number] {
  const text = format === 'json' || pair.key.quoted ? JSON.stringify(newName) : newName;
  return { range: pair.key.range, newText: text };
}

function describeType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return `the string ${JSON.stringify(v)}`;
  return `${typeof v} ${String(v)}`;
}

function expectedTypes(t: unknown): string {
  const list = Array.isArray(t) ? t : [t];
  const names: Record<string, string> = {
    object: 'a mapping',
    array: 'a list',
    string: 'a string',
    number: 'a number',
    integer: 'an integer',
    boolean: 'a boolean',
    null: 'null',
  };
  return list.map((x) => names[String(x)] ?? String(x)).join(' or ');
}

export function schemaDiagnostics(root: SNode | null, format: SourceFormat): CoreDiagnostic[] {
  if (!root) return [];
  const value = toJS(root);
  const validate = getValidator();
  validate(value);
  const out: CoreDiagnostic[] = [];
  const seen = new Set<string>();
  const errors = validate.errors ?? [];
  // Union-type errors that come with a more specific error at the same place are noise.
  for (const e of errors) {
    const path = pointerToPath(e.instancePath);
    const key = `${e.keyword}:${e.instancePath}:${JSON.stringify(e.params)}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const at = nodeAtPath(root, path);
    const valueRange: OffsetRange = at.node?.range ?? at.pair?.key.range ?? root.range;
    switch (e.keyword) {
      case 'additionalProperties': {
        const name = String((e.params as { additionalProperty: string }).additionalProperty);
        const map = at.node;
        const pair = map?.kind === 'map' ? [...map.pairs].reverse().find((p) => p.key.value === name) : undefined;
        const range = pair?.key.range ?? valueRange;
        const dead = DEAD_LEGACY[name];
        const allowed = keysAt(path).filter((k) => !(schemaAt([...path, k]) ?? {}).deprecated);
        const suggestion = dead?.to ?? closest(name, allowed);
        let message = `unknown key "${name}": damo ignores it silently, so this setting is lost`;
        if (dead) message = `"${name}" is an old key name (${dead.why}); use "${dead.to}"`;
        else if (suggestion) message += `. Did you mean "${suggestion}"?`;
        const fixes: Fix[] = [];
        if (pair && suggestion) fixes.push({ title: `Rename to "${suggestion}"`, edits: [keyEdit(pair, suggestion, format)], preferred: true });
        out.push({ code: dead ? 'schema-legacy-key' : 'schema-unknown-key', severity: 'error', message, range, path: [...path, name], fixes });
        break;
      }
      case 'required': {
        const name = String((e.params as { missingProperty: string }).missingProperty);
        const range = at.pair?.key.range ?? (at.node ? { start: at.node.range.start, end: Math.min(at.node.range.end, at.node.range.start + 1) } : valueRange);
        const where = path.length ? `"${String(path.filter((p) => typeof p === 'string').pop())}"` : 'the document';
        out.push({
          code: 'schema-missing-key',
          severity: 'error',
          message: `${where} is missing the required key "${name}" (damo fails with KeyError '${name}')`,
          range,
          path: [...path, name],
        });
        break;
      }
      case 'type': {
        const expected = expectedTypes((e.params as { type: unknown }).type);
        const actual = at.node?.kind === 'scalar' ? at.node.value : at.node?.kind === 'seq' ? [] : at.node ? {} : null;
        let message = `expected ${expected}, found ${describeType(actual)}`;
        if (typeof actual === 'boolean' && at.node?.kind === 'scalar' && !at.node.quoted && /^(?:yes|no|on|off)$/i.test(at.node.source)) {
          message += ` (YAML 1.1, which damo uses, reads unquoted ${at.node.source} as a boolean: quote it)`;
        }
        out.push({ code: 'schema-type', severity: 'error', message, range: valueRange, path });
        break;
      }
      case 'enum': {
        const allowed = (e.params as { allowedValues: string[] }).allowedValues;
        const actual = at.node?.kind === 'scalar' ? at.node.value : undefined;
        const field = String(path.filter((p) => typeof p === 'string').pop());
        const suggestion = typeof actual === 'string' ? closest(actual, allowed) : undefined;
        let message = `${JSON.stringify(actual)} is not a valid ${field}: expected one of ${allowed.join(', ')}`;
        if (suggestion) message += `. Did you mean "${suggestion}"?`;
        const fixes: Fix[] =
          suggestion && at.node
            ? [
                {
                  title: `Change to "${suggestion}"`,
                  edits: [
                    {
                      range: at.node.range,
                      newText: format === 'json' || (at.node.kind === 'scalar' && at.node.quoted) ? JSON.stringify(suggestion) : suggestion,
                    },
                  ],
                  preferred: true,
                },
              ]
            : [];
        out.push({ code: 'schema-enum', severity: 'error', message, range: valueRange, path, fixes });
        break;
      }
      case 'pattern':
        // The model reports these with damo's own parser and a precise message.
        break;
      case 'minItems':
      case 'maxItems': {
        const limit = (e.params as { limit: number }).limit;
        out.push({
          code: 'schema-items',
          severity: 'error',
          message: `expected ${e.keyword === 'minItems' ? 'at least' : 'at most'} ${limit} item(s)`,
          range: valueRange,
          path,
        });
        break;
      }
      default:
        out.push({ code: 'schema', severity: 'error', message: e.message ?? 'invalid value', range: valueRange, path });
    }
  }
  return out;
}
