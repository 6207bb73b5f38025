import { ed25519, ed25519_FROST } from '@noble/curves/ed25519.js';
import { FrostError } from './errors.ts';
import type {
  FrostGroup,
  GroupPublicKey,
  KeyShare,
  ParticipantId,
  SigningCommitment,
  SigningNonces,
} from './types.ts';

type NobleCommitment = { identifier: string; hiding: Uint8Array; binding: Uint8Array };

const nobleId = (id: ParticipantId): string => ed25519_FROST.Identifier.fromNumber(id);

/**
 * `loadGroup` on `@noble/curves`' RFC 9591 implementation: validates the group key and
 * verifying shares once, then maps between this module's numeric ids and noble's
 * serialized identifiers.
 *
 * @example
 * ```ts
 * const group = loadGroup(publicKey);
 * const { nonces, commitment } = group.commit(share);
 * ```
 */
export function loadGroup(pub: GroupPublicKey): FrostGroup {
  checkGroup(pub);
  const noblePub = {
    signers: { min: pub.threshold, max: pub.maxSigners },
    commitments: [pub.groupKey],
    verifyingShares: Object.fromEntries(
      [...pub.verifyingShares].map(([id, key]) => [nobleId(id), key]),
    ),
  };
  const toNoble = (commitments: readonly SigningCommitment[]): NobleCommitment[] => {
    checkCommitments(pub, commitments);
    return commitments.map((c) => ({
      identifier: nobleId(c.id),
      hiding: c.hiding,
      binding: c.binding,
    }));
  };
  const secretOf = (share: KeyShare) => {
    if (!pub.verifyingShares.has(share.id))
      throw new FrostError('frost_unknown_id', `participant ${share.id} is not in this group`);
    return { identifier: nobleId(share.id), signingShare: share.signingShare };
  };
  return {
    publicKey: pub,
    commit(share) {
      const { nonces, commitments } = ed25519_FROST.commit(secretOf(share));
      return {
        nonces: { hiding: nonces.hiding, binding: nonces.binding },
        commitment: { id: share.id, hiding: commitments.hiding, binding: commitments.binding },
      };
    },
    signShare(share, nonces: SigningNonces, commitments, message) {
      const list = toNoble(commitments);
      if (!commitments.some((c) => c.id === share.id)) {
        throw new FrostError('frost_missing_self', `commitment list omits participant ${share.id}`);
      }
      try {
        return ed25519_FROST.signShare(
          secretOf(share),
          noblePub,
          { hiding: nonces.hiding, binding: nonces.binding },
          list,
          message,
        );
      } catch (cause) {
        throw new FrostError('frost_invalid_point', 'signing package rejected', { cause });
      } finally {
        nonces.hiding.fill(0);
        nonces.binding.fill(0);
      }
    },
    verifyShare(id, signatureShare, commitments, message) {
      if (signatureShare.length !== 32) return false;
      try {
        return ed25519_FROST.verifyShare(
          noblePub,
          toNoble(commitments),
          message,
          nobleId(id),
          signatureShare,
        );
      } catch {
        return false;
      }
    },
    aggregate(commitments, message, shares) {
      const byId = Object.fromEntries([...shares].map(([id, z]) => [nobleId(id), z]));
      try {
        return ed25519_FROST.aggregate(noblePub, toNoble(commitments), message, byId);
      } catch (cause) {
        throw new FrostError('frost_invalid_scalar', 'signature shares cannot be aggregated', {
          cause,
        });
      }
    },
    verify(message, signature) {
      return signature.length === 64 && ed25519.verify(signature, message, pub.groupKey);
    },
  };
}

function checkGroup(pub: GroupPublicKey): void {
  if (
    pub.threshold < 2 ||
    pub.threshold > pub.maxSigners ||
    pub.verifyingShares.size !== pub.maxSigners
  ) {
    throw new FrostError(
      'frost_dkg_invalid',
      'group needs 2 ≤ threshold ≤ maxSigners and one verifying share each',
    );
  }
  for (const key of [pub.groupKey, ...pub.verifyingShares.values()]) checkPoint(key);
}

/** RFC 9591 §3.1 / §4.1: canonical encoding, on the curve, prime order, not the identity. */
export function checkPoint(bytes: Uint8Array): void {
  if (bytes.length !== 32)
    throw new FrostError('frost_bad_length', `points are 32 bytes, got ${bytes.length}`);
  let point: ReturnType<typeof ed25519.Point.fromBytes>;
  try {
    point = ed25519.Point.fromBytes(bytes, false);
  } catch (cause) {
    throw new FrostError('frost_invalid_point', 'not a canonical Ed25519 point encoding', {
      cause,
    });
  }
  if (point.is0()) throw new FrostError('frost_identity', 'the identity element is not allowed');
  if (!point.isTorsionFree())
    throw new FrostError('frost_invalid_point', 'point is not in the prime-order subgroup');
}

function checkCommitments(pub: GroupPublicKey, commitments: readonly SigningCommitment[]): void {
  if (commitments.length < pub.threshold) {
    throw new FrostError(
      'frost_too_few_signers',
      `need ${pub.threshold} commitments, got ${commitments.length}`,
    );
  }
  const seen = new Set<number>();
  for (const c of commitments) {
    if (!pub.verifyingShares.has(c.id))
      throw new FrostError('frost_unknown_id', `participant ${c.id} is not in this group`);
    if (seen.has(c.id))
      throw new FrostError('frost_duplicate_id', `participant ${c.id} appears twice`);
    seen.add(c.id);
    checkPoint(c.hiding);
    checkPoint(c.binding);
  }
}
