import { scalarFromId, scalarInvert, scalarMul, scalarSub } from './scalar-ops.ts';
import type { ParticipantId } from './types.ts';

/**
 * The Lagrange coefficient of `i` over the identifier set `ids`, evaluated at `x`:
 * Π_{j ≠ i} (x − j) / (i − j). At `x = 0` this is RFC 9591 §4.2
 * `derive_interpolating_value` (Π x_j / (x_j − x_i)). Public values only.
 *
 * @example
 * ```ts
 * lagrangeCoefficient([1, 3], 1); // λ_1 for the signing set {1, 3}
 * ```
 */
export function lagrangeCoefficient(
  ids: readonly ParticipantId[],
  i: ParticipantId,
  x: ParticipantId | 0 = 0,
): Uint8Array {
  let numerator = scalarFromId(1);
  let denominator = scalarFromId(1);
  const at = scalarFromId(x);
  const xi = scalarFromId(i);
  for (const j of ids) {
    if (j === i) continue;
    const xj = scalarFromId(j);
    numerator = scalarMul(numerator, scalarSub(at, xj));
    denominator = scalarMul(denominator, scalarSub(xi, xj));
  }
  return scalarMul(numerator, scalarInvert(denominator));
}
