import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import {
  approvalInput,
  type CeremonyTranscript,
  ecJwkThumbprint,
  type GuardianApproval,
  type GuardianKey,
} from '@frostmint/core';

/** A software guardian (ECDSA P-256 in memory) for tests that need no token. */
export interface TestGuardian {
  readonly key: GuardianKey;
  approve(transcript: CeremonyTranscript): GuardianApproval;
  /** ES256 (`r‖s`) over SHA-256 of `input`, as the guardian's token signs. */
  sign(input: Uint8Array): Uint8Array;
}

/**
 * A guardian with a fresh P-256 approval key.
 *
 * @example
 * ```ts
 * const alice = testGuardian('Alice');
 * checkApprovals(t, [alice.approve(t)], { approvals: 1, guardians: [alice.key] });
 * ```
 */
export function testGuardian(name: string): TestGuardian {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const { x, y } = publicKey.export({ format: 'jwk' }) as { x: string; y: string };
  const key: GuardianKey = {
    name,
    approvalKey: {
      kid: ecJwkThumbprint({ kty: 'EC', crv: 'P-256', x, y }),
      spki: publicKey.export({ format: 'der', type: 'spki' }).toString('base64'),
      jwk: { kty: 'EC', crv: 'P-256', x, y },
    },
  };
  return {
    key,
    approve: (t) => approval(key, privateKey, t),
    sign: (input) => sign('sha256', input, { key: privateKey, dsaEncoding: 'ieee-p1363' }),
  };
}

function approval(key: GuardianKey, privateKey: KeyObject, t: CeremonyTranscript) {
  return {
    guardianKid: key.approvalKey.kid,
    signature: sign('sha256', approvalInput(t), { key: privateKey, dsaEncoding: 'ieee-p1363' }),
  };
}
