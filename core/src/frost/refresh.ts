import type { DkgRound2Package } from './dkg.ts';
import { FrostError } from './errors.ts';
import {
  baseTimes,
  decodePoint,
  decodeScalar,
  encodeScalar,
  evaluateCommitment,
  evaluatePolynomial,
  Fn,
  type GroupPoint,
  randomScalar,
} from './scalar.ts';
import type { GroupPublicKey, KeyShare, ParticipantId, ThresholdParams } from './types.ts';

/**
 * Proactive share refresh (Herzberg, Jarecki, Krawczyk, Yung, "Proactive Secret Sharing",
 * CRYPTO '95, §3.2): every participant deals a random polynomial δ_i of degree t−1 with
 * δ_i(0) = 0, publishes Feldman VSS commitments to its non-constant coefficients, and sends
 * δ_i(j) to each j (sealed). Each j checks what it received against the commitments and
 * adds everything to its share. The group key f(0) is unchanged; every share changes, so
 * old shares no longer combine with new ones. Verifying shares move by the public sum of
 * the commitments evaluated at each id.
 */

/** Round-one broadcast: commitments `G·a_k`, k = 1..t−1 (the constant term is zero). */
export interface RefreshRound1Package {
  readonly from: ParticipantId;
  readonly commitment: readonly Uint8Array[];
}

/** Per-participant refresh state: the secret coefficients. Wipe with `refreshAbort`. */
export interface RefreshState {
  readonly id: ParticipantId;
  readonly params: ThresholdParams;
  readonly coefficients: bigint[];
}

/**
 * Refresh part 1: a random zero-constant polynomial and its commitments.
 *
 * @example
 * ```ts
 * const { state, broadcast } = refreshPart1(1, { threshold: 2, maxSigners: 3 });
 * ```
 */
export function refreshPart1(
  id: ParticipantId,
  params: ThresholdParams,
): { state: RefreshState; broadcast: RefreshRound1Package } {
  const coefficients = Array.from({ length: params.threshold - 1 }, randomScalar);
  return {
    state: { id, params, coefficients },
    broadcast: { from: id, commitment: coefficients.map((a) => baseTimes(a).toBytes()) },
  };
}

/**
 * Refresh part 2: δ_i(j) for every other participant j (seal each before it leaves).
 *
 * @example
 * ```ts
 * const packages = refreshPart2(state, [2, 3]);
 * ```
 */
export function refreshPart2(
  state: RefreshState,
  others: readonly ParticipantId[],
): DkgRound2Package[] {
  return others.map((to) => ({
    from: state.id,
    to,
    signingShare: encodeScalar(evaluatePolynomial(state.coefficients, to)),
  }));
}

/**
 * Refresh part 3: checks each received δ_i(me) against i's commitments, returns the new
 * share `s + Σ_i δ_i(me)` and the group with every verifying share moved accordingly (the
 * group key is unchanged). Throws `frost_refresh_invalid` naming a cheating sender.
 *
 * @example
 * ```ts
 * const { share, group } = refreshPart3(state, oldShare, oldGroup, othersRound1, received);
 * ```
 */
export function refreshPart3(
  state: RefreshState,
  share: KeyShare,
  group: GroupPublicKey,
  others: readonly RefreshRound1Package[],
  received: readonly DkgRound2Package[],
): { share: KeyShare; group: GroupPublicKey } {
  const ids = [...group.verifyingShares.keys()];
  const commitments = new Map<ParticipantId, GroupPoint[]>([
    [state.id, state.coefficients.map(baseTimes)],
  ]);
  for (const o of others) {
    if (o.commitment.length !== state.params.threshold - 1 || commitments.has(o.from))
      throw invalid(`round-one package of ${o.from} is malformed or repeated`);
    commitments.set(o.from, o.commitment.map(decodePoint));
  }
  if (commitments.size !== ids.length || !ids.every((id) => commitments.has(id)))
    throw invalid('need one round-one package from every participant');
  if (received.length !== ids.length - 1 || received.some((p) => p.to !== state.id))
    throw invalid('need one package from every other participant, addressed here');
  let next = Fn.add(
    decodeScalar(share.signingShare),
    evaluatePolynomial(state.coefficients, state.id),
  );
  for (const p of received) {
    const delta = decodeScalar(p.signingShare);
    const expected = commitments.get(p.from);
    if (!expected || !baseTimes(delta).equals(evaluateCommitment(expected, state.id)))
      throw invalid(`the share from ${p.from} does not match its commitment`);
    next = Fn.add(next, delta);
  }
  const verifyingShares = new Map(
    ids.map((m) => {
      let moved = decodePoint(group.verifyingShares.get(m)!);
      for (const c of commitments.values()) moved = moved.add(evaluateCommitment(c, m));
      return [m, moved.toBytes()] as const;
    }),
  );
  const signingShare = encodeScalar(next);
  if (!baseTimes(next).equals(decodePoint(verifyingShares.get(state.id)!)))
    throw invalid('the refreshed share does not match its verifying share');
  return { share: { id: state.id, signingShare }, group: { ...group, verifyingShares } };
}

/**
 * Best-effort erasure of refresh state (bigint copies may survive in the JS heap).
 *
 * @example
 * ```ts
 * refreshAbort(state);
 * ```
 */
export function refreshAbort(state: RefreshState): void {
  state.coefficients.fill(0n);
}

/**
 * Encodes a refresh broadcast: `from (1) ‖ count (1) ‖ count × 32-byte points`.
 *
 * @example
 * ```ts
 * const round1 = encodeRefreshRound1(broadcast);
 * ```
 */
export function encodeRefreshRound1(pkg: RefreshRound1Package): Uint8Array {
  return Buffer.concat([Buffer.from([pkg.from, pkg.commitment.length]), ...pkg.commitment]);
}

/**
 * Strictly decodes `encodeRefreshRound1` output; throws `frost_refresh_invalid`.
 *
 * @example
 * ```ts
 * const pkg = decodeRefreshRound1(announcement.round1);
 * ```
 */
export function decodeRefreshRound1(bytes: Uint8Array): RefreshRound1Package {
  const count = bytes[1] ?? 0;
  if (bytes.length !== 2 + count * 32 || count < 1 || bytes[0] === 0)
    throw invalid('malformed round-one package');
  const commitment = Array.from({ length: count }, (_, i) => bytes.slice(2 + i * 32, 34 + i * 32));
  return { from: bytes[0]!, commitment };
}

function invalid(why: string): FrostError {
  return new FrostError('frost_refresh_invalid', `share refresh: ${why}`);
}
