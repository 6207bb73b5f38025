import type { AttestationEvidence, Attester } from '@frostmint/core';

/**
 * The `none` attester: always available, attests nothing. Its evidence verifies to an
 * unverified verdict, so any scope whose policy requires attestation is denied.
 *
 * @example
 * ```ts
 * await new NoneAttester().attest(binding); // { kind: 'none' }
 * ```
 */
export class NoneAttester implements Attester {
  readonly kind = 'none';

  async probe(): Promise<void> {}

  async attest(): Promise<AttestationEvidence> {
    return { kind: 'none' };
  }
}
