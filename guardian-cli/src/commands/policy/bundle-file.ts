import { readFile } from 'node:fs/promises';
import { decodePolicyBundle, InvalidRequestError, type PolicyBundle } from '@frostmint/core';

/**
 * Reads a signed policy bundle file; a missing or malformed file is `policy_bundle_invalid`.
 *
 * @example
 * ```ts
 * const bundle = await readBundleFile('policy-bundle.json');
 * ```
 */
export async function readBundleFile(path: string): Promise<PolicyBundle & { id: string }> {
  let encoded: Buffer;
  try {
    encoded = await readFile(path);
  } catch (cause) {
    throw new InvalidRequestError('policy_bundle_invalid', `cannot read ${path}`, { cause });
  }
  return decodePolicyBundle(encoded);
}

/**
 * What a guardian sees before approving: the policy id and the data's roles and scopes.
 *
 * @example
 * ```ts
 * io.stderr(describeBundle(bundle));
 * ```
 */
export function describeBundle(bundle: PolicyBundle & { id: string }): string {
  const config = (bundle.data as { config: Record<string, unknown> }).config;
  const lines = [`  policy   ${bundle.id}`, `  wasm     ${bundle.wasm.length} bytes`];
  for (const [section, value] of Object.entries(config)) {
    lines.push(`  ${section.padEnd(8)} ${JSON.stringify(value)}`);
  }
  lines.push(`  approved by ${bundle.approvals.length} guardian key(s) so far`);
  return `${lines.join('\n')}\n`;
}
