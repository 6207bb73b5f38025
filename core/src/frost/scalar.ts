import { randomBytes } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519.js';
import { FrostError } from './errors.ts';
import { checkPoint } from './point.ts';
import type { ParticipantId } from './types.ts';

/**
 * Scalar and point arithmetic of the Ed25519 prime-order group (RFC 9591 §6.1: scalars
 * mod L, 32-byte little-endian; points as RFC 8032 §5.1.2 encodings) for the share
 * refresh and repair protocols, which the signing engine does not need.
 */
export const Fn = ed25519.Point.Fn;
const Point = ed25519.Point;
export type GroupPoint = InstanceType<typeof Point>;

/**
 * Decodes a canonical scalar (< L); throws `frost_invalid_scalar`.
 *
 * @example
 * ```ts
 * const s = decodeScalar(share.signingShare);
 * ```
 */
export function decodeScalar(bytes: Uint8Array): bigint {
  try {
    if (bytes.length !== 32) throw new Error('length');
    return Fn.fromBytes(bytes);
  } catch (cause) {
    throw new FrostError('frost_invalid_scalar', 'not a canonical 32-byte scalar', { cause });
  }
}

/**
 * Encodes a scalar as 32 bytes little-endian.
 *
 * @example
 * ```ts
 * const bytes = encodeScalar(Fn.add(a, b));
 * ```
 */
export const encodeScalar = (x: bigint): Uint8Array => Fn.toBytes(x);

/**
 * A uniformly random non-zero scalar (64 random bytes reduced mod L, RFC 9591 §4.1).
 *
 * @example
 * ```ts
 * const coefficient = randomScalar();
 * ```
 */
export function randomScalar(): bigint {
  for (;;) {
    const wide = randomBytes(64);
    const x = Fn.create(BigInt(`0x${Buffer.from(wide).reverse().toString('hex')}`));
    wide.fill(0);
    if (!Fn.is0(x)) return x;
  }
}

/**
 * `G·x` (zero maps to the identity).
 *
 * @example
 * ```ts
 * const commitment = baseTimes(coefficient).toBytes();
 * ```
 */
export const baseTimes = (x: bigint): GroupPoint => Point.BASE.multiplyUnsafe(x);

/**
 * Decodes a point after the RFC 9591 §3.1 checks (canonical, prime order, not identity).
 *
 * @example
 * ```ts
 * const pk = decodePoint(group.verifyingShares.get(2)!);
 * ```
 */
export function decodePoint(bytes: Uint8Array): GroupPoint {
  checkPoint(bytes);
  return Point.fromBytes(bytes);
}

/**
 * `Σ_k C_k · x^k` for k = 1..len: the public evaluation at `x` of a polynomial without
 * constant term, from its Feldman VSS commitments `C_k = G·a_k`.
 *
 * @example
 * ```ts
 * const expected = evaluateCommitment(commitments, myId); // = G·δ(myId)
 * ```
 */
export function evaluateCommitment(
  commitment: readonly GroupPoint[],
  x: ParticipantId,
): GroupPoint {
  let acc = Point.ZERO;
  let power = 1n;
  for (const c of commitment) {
    power = Fn.mul(power, BigInt(x));
    acc = acc.add(c.multiplyUnsafe(power));
  }
  return acc;
}

/**
 * `Σ_k a_k · x^k` for k = 1..len: a polynomial without constant term, at `x`.
 *
 * @example
 * ```ts
 * const delta = evaluatePolynomial(coefficients, 3);
 * ```
 */
export function evaluatePolynomial(coefficients: readonly bigint[], x: ParticipantId): bigint {
  let acc = 0n;
  let power = 1n;
  for (const a of coefficients) {
    power = Fn.mul(power, BigInt(x));
    acc = Fn.add(acc, Fn.mul(a, power));
  }
  return acc;
}

/**
 * The Lagrange coefficient of `i` in the set `ids`, evaluated at `x`:
 * `Π_{j ∈ ids, j ≠ i} (x − j) / (i − j)` (RFC 9591 §4.2 evaluates at 0; repair needs `x`).
 *
 * @example
 * ```ts
 * const lambda = lagrangeAt([1, 3], 1, 2); // weight of helper 1 towards id 2
 * ```
 */
export function lagrangeAt(ids: readonly ParticipantId[], i: ParticipantId, x: ParticipantId) {
  let num = 1n;
  let den = 1n;
  for (const j of ids) {
    if (j === i) continue;
    num = Fn.mul(num, Fn.sub(Fn.create(BigInt(x)), Fn.create(BigInt(j))));
    den = Fn.mul(den, Fn.sub(Fn.create(BigInt(i)), Fn.create(BigInt(j))));
  }
  return Fn.div(num, den);
}
