import { generateKeyPairSync, sign } from 'node:crypto';
import {
  type GuardianKey,
  GuardianKeySchema,
  type MintApprovalSubject,
  mintApprovalInput,
} from '@frostmint/core';
import { calculateJwkThumbprint } from 'jose';

/** A guardian with its P-256 approval key, as `frostmint-guardian` would hold it. */
export interface TestGuardian {
  readonly key: GuardianKey;
  /** ES256 (`r‖s`) approval of a mint subject. */
  approve(subject: MintApprovalSubject): Uint8Array;
}

/**
 * A fresh guardian named `name`.
 *
 * @example
 * ```ts
 * const g = await guardian('Guardian 1');
 * await gate.approve(id, { guardianKid: g.key.approvalKey.kid, signature: g.approve(subject) });
 * ```
 */
export async function guardian(name: string): Promise<TestGuardian> {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const { x, y } = publicKey.export({ format: 'jwk' });
  const jwk = { kty: 'EC' as const, crv: 'P-256' as const, x: x!, y: y! };
  const key = GuardianKeySchema.parse({
    name,
    approvalKey: {
      kid: await calculateJwkThumbprint(jwk),
      spki: publicKey.export({ format: 'der', type: 'spki' }).toString('base64'),
      jwk,
    },
  });
  return {
    key,
    approve: (subject) =>
      new Uint8Array(
        sign('sha256', mintApprovalInput(subject), { key: privateKey, dsaEncoding: 'ieee-p1363' }),
      ),
  };
}
