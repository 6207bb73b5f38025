import {
  ForbiddenError,
  type FrostGroup,
  groupConfigSigningInput,
  groupPublicKeyOf,
  InvalidRequestError,
  type KeyShare,
  loadGroup,
  type SigningCommitment,
  type SigningNonces,
  type UnsignedGroupConfigV2,
} from '@frostmint/core';
import type { SignRequest } from '@frostmint/proto';
import type { WithShare } from './protocol.ts';

/**
 * A ceremony result held in memory until commit: the group configuration this signer
 * computed, its signing input, the new share (absent when this signer's share does not
 * change) and one round-one nonce pair for signing that configuration.
 */
export interface PendingResult {
  readonly config: UnsignedGroupConfigV2;
  readonly message: Buffer;
  readonly frost: FrostGroup;
  readonly share: KeyShare | undefined;
  readonly commitment: SigningCommitment;
  nonces: SigningNonces | undefined;
  wipe(): void;
}

/**
 * Builds the pending result and commits to nonces for signing its configuration
 * (RFC 9591 §5.1), with the new share, or with the current one when it is unchanged.
 *
 * @example
 * ```ts
 * const pending = await pendingResult(1, unsignedConfig, result.share, withCurrentShare);
 * ```
 */
export async function pendingResult(
  id: number,
  config: UnsignedGroupConfigV2,
  share: KeyShare | undefined,
  withCurrentShare: WithShare,
): Promise<PendingResult> {
  const frost = loadGroup(groupPublicKeyOf(config));
  const round1 = share ? frost.commit(share) : await withCurrentShare((s) => frost.commit(s));
  const pending: PendingResult = {
    config,
    message: groupConfigSigningInput(config),
    frost,
    share: share && { id, signingShare: share.signingShare },
    commitment: round1.commitment,
    nonces: round1.nonces,
    wipe() {
      share?.signingShare.fill(0);
      pending.nonces?.hiding.fill(0);
      pending.nonces?.binding.fill(0);
      pending.nonces = undefined;
    },
  };
  return pending;
}

/**
 * Round two for the pending group configuration (RFC 9591 §5.2), after checking that the
 * request is exactly that (its purpose GROUP_CONFIG was checked by the caller): the message this signer computed itself
 * byte for byte, every ceremony participant's commitment and this signer's own. The nonce
 * pair is used at most once.
 *
 * @example
 * ```ts
 * const z = await signPendingConfig(pending, req, [1, 2, 3], withCurrentShare);
 * ```
 */
export async function signPendingConfig(
  pending: PendingResult,
  req: SignRequest,
  participants: readonly number[],
  withCurrentShare: WithShare,
): Promise<Uint8Array> {
  if (!Buffer.from(req.message).equals(pending.message)) {
    throw new ForbiddenError(
      'ceremony_config_mismatch',
      'the message is not the group configuration this signer computed',
    );
  }
  const ids = req.commitments.map((c) => c.signerId).sort((a, b) => a - b);
  const own = req.commitments.find((c) => c.signerId === pending.commitment.id);
  if (
    ids.join(',') !== [...participants].sort((a, b) => a - b).join(',') ||
    !own ||
    !Buffer.from(own.hiding).equals(Buffer.from(pending.commitment.hiding)) ||
    !Buffer.from(own.binding).equals(Buffer.from(pending.commitment.binding))
  ) {
    throw new InvalidRequestError(
      'commitments_invalid',
      'sign the group configuration with every ceremony participant, this signer’s commitment included',
    );
  }
  const nonces = pending.nonces;
  if (!nonces) throw new ForbiddenError('nonce_unavailable', 'the ceremony nonce is used up');
  pending.nonces = undefined;
  const commitments = req.commitments.map((c) => ({
    id: c.signerId,
    hiding: c.hiding,
    binding: c.binding,
  }));
  const sign = (share: KeyShare) =>
    pending.frost.signShare(share, nonces, commitments, pending.message);
  return pending.share ? sign(pending.share) : withCurrentShare(sign);
}
