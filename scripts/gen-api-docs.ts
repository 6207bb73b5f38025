/**
 * Writes docs/openapi.json and docs/errors.md from the code (the route schemas and core's
 * error-code table). `coordinator/test/http/api-docs.test.ts` fails when they are stale.
 *
 *   npm run api:docs
 */
import { writeFile } from 'node:fs/promises';
import { apiDocFiles } from '@frostmint/coordinator';

for (const [path, text] of Object.entries(apiDocFiles())) {
  await writeFile(new URL(`../${path}`, import.meta.url), text);
  process.stdout.write(`wrote ${path}\n`);
}
