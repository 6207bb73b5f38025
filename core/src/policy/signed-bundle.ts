import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../atomic-file.ts';
import type { GuardianSet } from '../ceremony/guardian-key.ts';
import { InvalidRequestError } from '../errors.ts';
import type { GroupConfig } from '../group/config.ts';
import type { PolicyBundle } from './bundle-update.ts';
import { parsePolicyData } from './data.ts';
import { policyId } from './engine.ts';

/** Upper bound of an encoded bundle; the shipped one is about 250 KiB. */
export const MAX_POLICY_BUNDLE_BYTES = 4 * 1024 * 1024;

/** File a signer or coordinator keeps its installed bundle in, inside its state directory. */
export const POLICY_BUNDLE_FILE = 'policy-bundle.json';

const b64 = z.string().regex(/^[A-Za-z0-9+/]+=*$/, 'expected base64');
const b64u = z.string().regex(/^[A-Za-z0-9_-]+$/, 'expected base64url');

/**
 * The wire and file form of a policy bundle (version 1): compiled wasm (base64), the data
 * document, the policy id they hash to, and the guardians' approvals of that id (guardian =
 * RFC 7638 thumbprint of the approval key, signature = ES256 r ‖ s, base64url, over
 * SHA-256 of `policyApprovalInput(policy)`).
 */
export const SignedPolicyBundleSchema = z
  .object({
    version: z.literal(1),
    policy: z.string().regex(/^sha256:[0-9a-f]{64}$/),
    wasm: b64,
    data: z.unknown(),
    approvals: z
      .array(z.object({ guardian: b64u.max(64), signature: b64u.max(128) }).strict())
      .max(16),
  })
  .strict();
export type SignedPolicyBundle = z.infer<typeof SignedPolicyBundleSchema>;

/**
 * Decodes a signed bundle (JSON bytes or text); see `parsePolicyBundle`.
 *
 * @example
 * ```ts
 * const bundle = decodePolicyBundle(await readFile('policy-bundle.json'));
 * await holder.update(bundle);
 * ```
 */
export function decodePolicyBundle(encoded: Uint8Array | string): PolicyBundle & { id: string } {
  if (encoded.length > MAX_POLICY_BUNDLE_BYTES) {
    throw invalid(`the bundle exceeds ${MAX_POLICY_BUNDLE_BYTES} bytes`);
  }
  let json: unknown;
  try {
    json = JSON.parse(typeof encoded === 'string' ? encoded : Buffer.from(encoded).toString());
  } catch {
    throw invalid('the bundle is not JSON');
  }
  return parsePolicyBundle(json);
}

/**
 * Validates a parsed signed bundle and checks that its wasm and data hash to the policy id
 * it names. Throws `policy_bundle_invalid`; approvals are checked on install.
 *
 * @example
 * ```ts
 * const bundle = parsePolicyBundle(request.body);
 * ```
 */
export function parsePolicyBundle(json: unknown): PolicyBundle & { id: string } {
  const parsed = SignedPolicyBundleSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw invalid(`${issue?.path.join('.') || 'bundle'}: ${issue?.message}`);
  }
  const wasm = Buffer.from(parsed.data.wasm, 'base64');
  let id: string;
  try {
    id = policyId(wasm, parsePolicyData(parsed.data.data));
  } catch (cause) {
    throw invalid(`the bundle's data is not valid policy data: ${(cause as Error).message}`);
  }
  if (id !== parsed.data.policy) throw invalid(`the bundle's wasm and data hash to ${id}`);
  return {
    id,
    wasm,
    data: parsed.data.data,
    approvals: parsed.data.approvals.map((a) => ({
      guardian: a.guardian,
      signature: Buffer.from(a.signature, 'base64url'),
    })),
  };
}

/**
 * Encodes a bundle in the signed-bundle JSON form (see `SignedPolicyBundleSchema`).
 *
 * @example
 * ```ts
 * await writeFile('policy-bundle.json', encodePolicyBundle({ wasm, data, approvals: [] }));
 * ```
 */
export function encodePolicyBundle(bundle: PolicyBundle): string {
  const signed: SignedPolicyBundle = {
    version: 1,
    policy: policyId(bundle.wasm, parsePolicyData(bundle.data)),
    wasm: Buffer.from(bundle.wasm).toString('base64'),
    data: bundle.data,
    approvals: bundle.approvals.map((a) => ({
      guardian: a.guardian,
      signature: Buffer.from(a.signature).toString('base64url'),
    })),
  };
  return `${JSON.stringify(signed, null, 2)}\n`;
}

/**
 * Who may approve policy bundles: the guardians of a signed (version 2) group configuration,
 * as many of them as a key ceremony needs (at least one). Undefined when the group has no
 * guardians: such a deployment cannot take bundle updates at all.
 *
 * @example
 * ```ts
 * const approvers = policyApproversOf(await readGroupConfig(stateDir));
 * ```
 */
export function policyApproversOf(config: GroupConfig | undefined): GuardianSet | undefined {
  if (config?.version !== 2 || config.guardians.keys.length === 0) return undefined;
  return { approvals: Math.max(1, config.guardians.approvals), guardians: config.guardians.keys };
}

/**
 * Reads the bundle a process installed earlier from its state directory, if any.
 *
 * @example
 * ```ts
 * const saved = await readInstalledBundle(config.stateDir);
 * if (saved) await holder.update(saved);
 * ```
 */
export async function readInstalledBundle(
  stateDir: string,
): Promise<(PolicyBundle & { id: string }) | undefined> {
  let encoded: Buffer;
  try {
    encoded = await readFile(join(stateDir, POLICY_BUNDLE_FILE));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  return decodePolicyBundle(encoded);
}

/**
 * Persists an installed bundle (with its approvals, so a restart re-verifies it).
 *
 * @example
 * ```ts
 * await writeInstalledBundle(config.stateDir, bundle);
 * ```
 */
export function writeInstalledBundle(stateDir: string, bundle: PolicyBundle): Promise<void> {
  return writeFileAtomic(join(stateDir, POLICY_BUNDLE_FILE), encodePolicyBundle(bundle), 0o644);
}

function invalid(message: string): InvalidRequestError {
  return new InvalidRequestError('policy_bundle_invalid', message);
}
