import { ed25519_FROST } from '@noble/curves/ed25519.js';
import { FrostError } from './errors.ts';
import type { GroupPublicKey, KeyShare, ParticipantId, ThresholdParams } from './types.ts';

/**
 * Distributed key generation without a dealer, on `@noble/curves`' split-round DKG
 * (Pedersen VSS with proofs of knowledge, as frost-rs). RFC 9591 leaves DKG out of scope;
 * its output feeds the signing engine unchanged.
 */

type NobleDkgSecret = ReturnType<typeof ed25519_FROST.DKG.round1>['secret'];

/** Opaque per-participant DKG state. Wipe it with `dkgAbort` if the run does not finish. */
export interface DkgState {
  readonly id: ParticipantId;
  readonly params: ThresholdParams;
  readonly secret: NobleDkgSecret;
}

/** Round-one broadcast: VSS commitment and proof of knowledge of the secret coefficient. */
export interface DkgRound1Package {
  readonly from: ParticipantId;
  readonly commitment: readonly Uint8Array[];
  readonly proofOfKnowledge: Uint8Array;
}

/** Round-two package: the sender's secret share for one recipient. Travels sealed only. */
export interface DkgRound2Package {
  readonly from: ParticipantId;
  readonly to: ParticipantId;
  readonly signingShare: Uint8Array;
}

const nobleId = (id: ParticipantId): string => ed25519_FROST.Identifier.fromNumber(id);

function numericId(identifier: string): ParticipantId {
  const bytes = Buffer.from(identifier, 'hex');
  if (bytes.length !== 32 || bytes[0] === 0 || bytes.subarray(1).some((b) => b !== 0)) {
    throw new FrostError('frost_unknown_id', 'identifier outside 1..255');
  }
  return bytes[0]!;
}

/**
 * DKG part 1 for participant `id`: its secret polynomial and public broadcast.
 *
 * @example
 * ```ts
 * const { state, broadcast } = dkgPart1(1, { threshold: 2, maxSigners: 3 });
 * ```
 */
export function dkgPart1(
  id: ParticipantId,
  params: ThresholdParams,
): { state: DkgState; broadcast: DkgRound1Package } {
  const { public: pub, secret } = ed25519_FROST.DKG.round1(nobleId(id), {
    min: params.threshold,
    max: params.maxSigners,
  });
  return {
    state: { id, params, secret },
    broadcast: { from: id, commitment: pub.commitment, proofOfKnowledge: pub.proofOfKnowledge },
  };
}

/**
 * DKG part 2: verifies the others' proofs of knowledge and returns one secret package per
 * other participant (seal each with `sealDkgPackage` before it leaves the process).
 */
export function dkgPart2(
  state: DkgState,
  others: readonly DkgRound1Package[],
): { state: DkgState; packages: DkgRound2Package[] } {
  checkOthers(state, others);
  let out: Record<string, { identifier: string; signingShare: Uint8Array }>;
  try {
    out = ed25519_FROST.DKG.round2(state.secret, others.map(toNobleRound1));
  } catch (cause) {
    throw new FrostError('frost_dkg_invalid', 'a round-one package failed verification', { cause });
  }
  const packages = Object.entries(out).map(([to, pkg]) => ({
    from: state.id,
    to: numericId(to),
    signingShare: pkg.signingShare,
  }));
  return { state, packages };
}

/**
 * DKG part 3: verifies the received shares against the commitments and derives this
 * participant's key share and the group public key (identical at every participant).
 */
export function dkgPart3(
  state: DkgState,
  others: readonly DkgRound1Package[],
  received: readonly DkgRound2Package[],
): { share: KeyShare; group: GroupPublicKey } {
  checkOthers(state, others);
  if (received.length !== others.length || received.some((p) => p.to !== state.id)) {
    throw new FrostError(
      'frost_dkg_invalid',
      'need one round-two package from every other participant, addressed here',
    );
  }
  let key: ReturnType<typeof ed25519_FROST.DKG.round3>;
  try {
    key = ed25519_FROST.DKG.round3(
      state.secret,
      others.map(toNobleRound1),
      received.map((p) => ({ identifier: nobleId(p.from), signingShare: p.signingShare })),
    );
  } catch (cause) {
    throw new FrostError(
      'frost_dkg_invalid',
      "a received share does not match its sender's commitment",
      { cause },
    );
  }
  return {
    share: { id: state.id, signingShare: key.secret.signingShare },
    group: {
      threshold: state.params.threshold,
      maxSigners: state.params.maxSigners,
      groupKey: key.public.commitments[0]!,
      verifyingShares: new Map(
        Object.entries(key.public.verifyingShares).map(([id, k]) => [numericId(id), k]),
      ),
    },
  };
}

/** Best-effort erasure of DKG state (bigint copies may survive in the JS heap). */
export function dkgAbort(state: DkgState): void {
  ed25519_FROST.DKG.clean(state.secret);
}

/**
 * Encodes a round-one package: `from (1) ‖ count (1) ‖ count × 32-byte points ‖ 64-byte proof`.
 */
export function encodeDkgRound1(pkg: DkgRound1Package): Uint8Array {
  return Buffer.concat([
    Buffer.from([pkg.from, pkg.commitment.length]),
    ...pkg.commitment,
    pkg.proofOfKnowledge,
  ]);
}

/** Strictly decodes `encodeDkgRound1` output; throws `frost_dkg_invalid`. */
export function decodeDkgRound1(bytes: Uint8Array): DkgRound1Package {
  const count = bytes[1] ?? 0;
  if (bytes.length !== 2 + count * 32 + 64 || count < 1 || bytes[0] === 0) {
    throw new FrostError('frost_dkg_invalid', 'malformed round-one package');
  }
  const commitment = Array.from({ length: count }, (_, i) => bytes.slice(2 + i * 32, 34 + i * 32));
  return { from: bytes[0]!, commitment, proofOfKnowledge: bytes.slice(2 + count * 32) };
}

function toNobleRound1(p: DkgRound1Package) {
  return {
    identifier: nobleId(p.from),
    commitment: [...p.commitment],
    proofOfKnowledge: p.proofOfKnowledge,
  };
}

function checkOthers(state: DkgState, others: readonly DkgRound1Package[]): void {
  const ids = new Set(others.map((o) => o.from));
  if (
    others.length !== state.params.maxSigners - 1 ||
    ids.size !== others.length ||
    ids.has(state.id)
  ) {
    throw new FrostError(
      'frost_dkg_invalid',
      'need one round-one package from every other participant',
    );
  }
  if (others.some((o) => o.commitment.length !== state.params.threshold)) {
    throw new FrostError(
      'frost_dkg_invalid',
      `VSS commitments must have ${state.params.threshold} points`,
    );
  }
}
