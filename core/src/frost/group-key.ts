import { FrostError } from './errors.ts';
import { lagrangeCoefficient } from './lagrange.ts';
import { addPoints, checkPoint, mulPoint } from './point.ts';
import type { GroupPublicKey, ParticipantId } from './types.ts';

/**
 * Validates a group public key once, when it is loaded, and returns a private copy:
 * 2 ≤ threshold ≤ maxSigners ≤ 255, one verifying share per signer with identifiers in
 * 1..255 (RFC 9591 §3.1 `frost_invalid_group`), every point valid (§3.1, `checkPoint`
 * errors), and all verifying shares on one polynomial of degree threshold − 1 whose value
 * at 0 is the group key (`frost_invalid_group`), which catches a corrupted configuration.
 *
 * @example
 * ```ts
 * const pub = checkGroupPublicKey(groupPublicKeyOf(config));
 * ```
 */
export function checkGroupPublicKey(pub: GroupPublicKey): GroupPublicKey {
  const { threshold, maxSigners } = pub;
  const ids = [...pub.verifyingShares.keys()].sort((a, b) => a - b);
  if (
    !Number.isInteger(threshold) ||
    !Number.isInteger(maxSigners) ||
    threshold < 2 ||
    threshold > maxSigners ||
    maxSigners > 255 ||
    ids.length !== maxSigners ||
    ids.some((id) => !Number.isInteger(id) || id < 1 || id > 255)
  ) {
    throw new FrostError(
      'frost_invalid_group',
      'a group needs 2 ≤ threshold ≤ maxSigners ≤ 255 and one verifying share per signer id 1..255',
    );
  }
  checkPoint(pub.groupKey, 'group key');
  for (const [id, share] of pub.verifyingShares) checkPoint(share, `verifying share ${id}`);
  const copy: GroupPublicKey = {
    threshold,
    maxSigners,
    groupKey: Uint8Array.from(pub.groupKey),
    verifyingShares: new Map(ids.map((id) => [id, Uint8Array.from(pub.verifyingShares.get(id)!)])),
  };
  checkConsistent(copy, ids);
  return copy;
}

/** Interpolates from the first `threshold` verifying shares to 0 and to every other id. */
function checkConsistent(pub: GroupPublicKey, ids: readonly ParticipantId[]): void {
  const basis = ids.slice(0, pub.threshold);
  const interpolate = (x: ParticipantId | 0): Uint8Array =>
    basis
      .map((i) => mulPoint(lagrangeCoefficient(basis, i, x), pub.verifyingShares.get(i)!))
      .reduce(addPoints);
  const expected: [ParticipantId | 0, Uint8Array][] = [
    [0, pub.groupKey],
    ...ids
      .slice(pub.threshold)
      .map((id): [ParticipantId, Uint8Array] => [id, pub.verifyingShares.get(id)!]),
  ];
  for (const [x, point] of expected) {
    if (!Buffer.from(interpolate(x)).equals(point)) {
      throw new FrostError(
        'frost_invalid_group',
        x === 0
          ? 'the verifying shares do not interpolate to the group key'
          : `verifying share ${x} is not on the polynomial of the others`,
      );
    }
  }
}
