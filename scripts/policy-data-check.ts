// Validates a policy data file against the schema the evaluators use; used by policy-build.sh.
import { readFileSync } from 'node:fs';
import { parsePolicyData } from '@frostmint/core';

const path = process.argv[2] ?? 'policy/data.json';
try {
  parsePolicyData(JSON.parse(readFileSync(path, 'utf8')));
} catch (err) {
  console.error(`policy: ${path}: ${(err as Error).message}`);
  process.exit(1);
}
