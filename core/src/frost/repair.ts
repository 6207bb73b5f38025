import type { DkgRound2Package } from './dkg.ts';
import { FrostError } from './errors.ts';
import {
  baseTimes,
  decodePoint,
  decodeScalar,
  encodeScalar,
  Fn,
  lagrangeAt,
  randomScalar,
} from './scalar.ts';
import type { KeyShare, ParticipantId } from './types.ts';

/**
 * Share repair for a lost participant (Laing & Stinson, "A Survey and Refinement of
 * Repairable Threshold Schemes", J. Math. Cryptol. 2018, §4, the "enrollment repair" that
 * frost-core's `keys::repairable` implements): a set H of t helpers rebuilds f(r) for the
 * lost id r without any of them learning it or anyone else's share.
 *
 * 1. helper i computes λ_i(r)·s_i (Lagrange weight of i in H at x = r) and splits it into
 *    |H| random additive parts, one per helper (its own part stays with it);
 * 2. helper j adds the parts addressed to it and sends the sum σ_j to r;
 * 3. r adds the σ_j: Σ_j σ_j = Σ_i λ_i(r)·s_i = f(r), checked against r's verifying share.
 */

/**
 * Step 1 at helper `share.id`: the additive parts of `λ_i(lost)·s_i`, one per helper
 * (including itself; seal the others' before they leave).
 *
 * @example
 * ```ts
 * const parts = repairStep1([1, 3], 2, share); // packages 1→1 and 1→3
 * ```
 */
export function repairStep1(
  helpers: readonly ParticipantId[],
  lost: ParticipantId,
  share: KeyShare,
): DkgRound2Package[] {
  checkHelpers(helpers, lost, share.id);
  const weighted = Fn.mul(lagrangeAt(helpers, share.id, lost), decodeScalar(share.signingShare));
  const random = helpers.slice(1).map(randomScalar);
  const first = random.reduce((acc, x) => Fn.sub(acc, x), weighted);
  return [first, ...random].map((part, k) => ({
    from: share.id,
    to: helpers[k]!,
    signingShare: encodeScalar(part),
  }));
}

/**
 * Step 2 at helper `id`: the sum of the parts addressed to it, one from every helper.
 *
 * @example
 * ```ts
 * const sigma = repairStep2([1, 3], 3, partsFor3); // package 3→lost
 * ```
 */
export function repairStep2(
  helpers: readonly ParticipantId[],
  id: ParticipantId,
  lost: ParticipantId,
  parts: readonly DkgRound2Package[],
): DkgRound2Package {
  checkHelpers(helpers, lost, id);
  const from = new Set(parts.map((p) => p.from));
  if (
    parts.length !== helpers.length ||
    from.size !== helpers.length ||
    !helpers.every((h) => from.has(h)) ||
    parts.some((p) => p.to !== id)
  ) {
    throw invalid('need one part from every helper, addressed here');
  }
  const sigma = parts.reduce((acc, p) => Fn.add(acc, decodeScalar(p.signingShare)), 0n);
  return { from: id, to: lost, signingShare: encodeScalar(sigma) };
}

/**
 * Step 3 at the replacement for `lost`: its share, checked against the group's verifying
 * share for `lost`. Throws `frost_repair_invalid` when it does not match.
 *
 * @example
 * ```ts
 * const share = repairStep3([1, 3], 2, sums, verifyingShares.get(2)!);
 * ```
 */
export function repairStep3(
  helpers: readonly ParticipantId[],
  lost: ParticipantId,
  sums: readonly DkgRound2Package[],
  verifyingShare: Uint8Array,
): KeyShare {
  const from = new Set(sums.map((p) => p.from));
  if (
    sums.length !== helpers.length ||
    !helpers.every((h) => from.has(h)) ||
    sums.some((p) => p.to !== lost)
  ) {
    throw invalid('need one sum from every helper, addressed to the replacement');
  }
  const share = sums.reduce((acc, p) => Fn.add(acc, decodeScalar(p.signingShare)), 0n);
  if (!baseTimes(share).equals(decodePoint(verifyingShare)))
    throw invalid(`the repaired share does not match the verifying share of ${lost}`);
  return { id: lost, signingShare: encodeScalar(share) };
}

function checkHelpers(helpers: readonly ParticipantId[], lost: ParticipantId, id: ParticipantId) {
  if (new Set(helpers).size !== helpers.length || helpers.includes(lost) || !helpers.includes(id))
    throw invalid('helpers must be distinct, include this participant and exclude the lost one');
}

function invalid(why: string): FrostError {
  return new FrostError('frost_repair_invalid', `share repair: ${why}`);
}
