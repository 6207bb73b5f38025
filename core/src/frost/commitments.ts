import { FrostError } from './errors.ts';
import { checkPoint, POINT_BYTES } from './point.ts';
import { scalarFromId } from './scalar-ops.ts';
import type { GroupPublicKey, SigningCommitment } from './types.ts';

/**
 * Full RFC 9591 §3.1 validation of one round-one commitment, for a coordinator to run on
 * arrival: both points 32 bytes, not the identity, canonical, prime order.
 *
 * @example
 * ```ts
 * checkCommitment({ id, hiding: res.hiding, binding: res.binding }); // throws FrostError
 * ```
 */
export function checkCommitment(c: SigningCommitment): void {
  checkPoint(c.hiding, `hiding commitment of participant ${c.id}`);
  checkPoint(c.binding, `binding commitment of participant ${c.id}`);
}

/**
 * Structural checks of a commitment list against the group (point validity is checked
 * where the points are used): at least `threshold` entries (`frost_too_few_signers`), only
 * group members (`frost_unknown_id`), no duplicates (`frost_duplicate_id`), 32-byte points
 * (`frost_bad_length`). Returns a copy sorted by identifier, as RFC 9591 §5.2/§4.3 require.
 *
 * @example
 * ```ts
 * const sorted = sortedCommitmentList(pub, commitments);
 * ```
 */
export function sortedCommitmentList(
  pub: GroupPublicKey,
  commitments: readonly SigningCommitment[],
): SigningCommitment[] {
  if (commitments.length < pub.threshold) {
    throw new FrostError(
      'frost_too_few_signers',
      `need at least ${pub.threshold} commitments, got ${commitments.length}`,
    );
  }
  const seen = new Set<number>();
  for (const c of commitments) {
    if (!pub.verifyingShares.has(c.id))
      throw new FrostError('frost_unknown_id', `participant ${c.id} is not in this group`);
    if (seen.has(c.id))
      throw new FrostError('frost_duplicate_id', `participant ${c.id} appears twice`);
    seen.add(c.id);
    for (const point of [c.hiding, c.binding]) {
      if (point.length !== POINT_BYTES) {
        throw new FrostError(
          'frost_bad_length',
          `commitments of participant ${c.id} must be 32-byte points`,
        );
      }
    }
  }
  return [...commitments].sort((a, b) => a.id - b.id);
}

/**
 * RFC 9591 §4.3 `encode_group_commitment_list`: for each commitment in identifier order,
 * SerializeScalar(identifier) || SerializeElement(hiding) || SerializeElement(binding).
 *
 * @example
 * ```ts
 * const encoded = encodeCommitmentList(sorted); // 96 bytes per participant
 * ```
 */
export function encodeCommitmentList(sorted: readonly SigningCommitment[]): Uint8Array {
  return Buffer.concat(sorted.flatMap((c) => [scalarFromId(c.id), c.hiding, c.binding]));
}
