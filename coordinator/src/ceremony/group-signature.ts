import {
  FrostmintError,
  type GroupConfigV2,
  groupConfigSigningInput,
  groupPublicKeyOf,
  loadGroup,
  type UnsignedGroupConfigV2,
} from '@frostmint/core';
import { type DkgFinishResponse, SigningPurpose } from '@frostmint/proto';
import type { SignerPool } from '../signing/signer-pool.ts';

const SIGN_DEADLINE_MS = 30_000;

/**
 * Has every ceremony participant sign the new group configuration with its pending share
 * (RFC 9591 round two, purpose GROUP_CONFIG; round one came with `DkgFinish`), verifies each
 * share against the NEW verifying shares (§5.4: a share that does not fit its verifying
 * share — say a replacement whose repaired share is wrong — fails here, naming the signer),
 * aggregates (§5.3) and checks the signature under the group key.
 *
 * @example
 * ```ts
 * const signed = await signGroupConfig(pool, unsigned, finished);
 * ```
 */
export async function signGroupConfig(
  pool: SignerPool,
  unsigned: UnsignedGroupConfigV2,
  finished: ReadonlyMap<number, DkgFinishResponse>,
): Promise<GroupConfigV2> {
  const message = groupConfigSigningInput(unsigned);
  const frost = loadGroup(groupPublicKeyOf(unsigned));
  const wire = [...finished].map(([signerId, f]) => ({
    signerId,
    hiding: f.commitment?.hiding ?? Buffer.alloc(0),
    binding: f.commitment?.binding ?? Buffer.alloc(0),
  }));
  const commitments = wire.map((c) => ({ id: c.signerId, hiding: c.hiding, binding: c.binding }));
  const answers = await Promise.all(
    wire.map((c) =>
      pool.call(
        c.signerId,
        'sign',
        {
          requestId: `group-config-${unsigned.ceremony.id}`,
          message,
          commitments: wire,
          evidence: undefined,
          purpose: SigningPurpose.SIGNING_PURPOSE_GROUP_CONFIG,
          approvals: [],
          requesterAttestation: undefined,
          dpopProof: '',
          checkpointProofs: undefined,
          commitmentId: '',
        },
        SIGN_DEADLINE_MS,
      ),
    ),
  );
  const shares = new Map<number, Uint8Array>();
  for (const [i, answer] of answers.entries()) {
    const id = wire[i]!.signerId;
    if (!frost.verifyShare(id, answer.signatureShare, commitments, message)) {
      throw new FrostmintError(
        'ceremony_share_invalid',
        `signer ${id}'s signature share does not verify against its new verifying share`,
      );
    }
    shares.set(id, answer.signatureShare);
  }
  const signature = frost.aggregate(commitments, message, shares);
  if (!frost.verify(message, signature)) {
    throw new FrostmintError(
      'aggregate_invalid',
      'the group configuration signature does not verify',
    );
  }
  return { ...unsigned, signature: Buffer.from(signature).toString('base64url') };
}
