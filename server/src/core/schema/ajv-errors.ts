/**
 * ajv error helpers shared by the schema checks: the config's structural pass (validate.ts) and
 * the scenario loader (sim/scenario.ts): JSON-pointer to path, the most specific error of a oneOf,
 * and a one-line message naming the place.
 */
import type { ErrorObject } from 'ajv';

/** "/a/0/b~1c" -> ["a", 0, "b/c"] */
export function pointerToPath(ptr: string): (string | number)[] {
  if (!ptr) return [];
  return ptr
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

/** of the errors of a failed oneOf/anyOf, the most specific one (the deepest path, not the union itself) */
export function mostSpecificError(errors: readonly ErrorObject[]): ErrorObject {
  const errs = [...errors].sort((a, b) => b.instancePath.length - a.instancePath.length);
  return errs.find((x) => x.keyword !== 'oneOf' && x.keyword !== 'const') ?? errs[0];
}

/** "machine.nodes.0: unknown key "x"" ; `whole` names the document when the error is at its root */
export function ajvMessage(e: ErrorObject, whole: string): string {
  const where = e.instancePath ? e.instancePath.slice(1).replace(/\//g, '.') : whole;
  const params = e.params as Record<string, unknown>;
  if (e.keyword === 'additionalProperties') return `${where}: unknown key "${String(params.additionalProperty)}"`;
  if (e.keyword === 'required') return `${where}: missing "${String(params.missingProperty)}"`;
  if (e.keyword === 'enum') return `${where}: must be one of ${(params.allowedValues as unknown[]).map((x) => JSON.stringify(x)).join(', ')}`;
  return `${where}: ${e.message ?? 'invalid'}`;
}
