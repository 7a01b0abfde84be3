/** Writes schemas/damon-config.schema.json from the schema spec (`npm run gen:schema`). */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './root';
import { CONFIG_SCHEMA } from '../server/src/core/schema/spec';

export const SCHEMA_PATH = join(repoRoot(), 'schemas', 'damon-config.schema.json');
export const schemaText = (): string => `${JSON.stringify(CONFIG_SCHEMA, null, 2)}\n`;

if (require.main === module) {
  writeFileSync(SCHEMA_PATH, schemaText());
  process.stderr.write(`wrote ${SCHEMA_PATH}\n`);
}
