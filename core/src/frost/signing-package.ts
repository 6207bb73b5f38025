import { h1, h2, h4, h5 } from './ciphersuite.ts';
import { encodeCommitmentList, sortedCommitmentList } from './commitments.ts';
import { FrostError } from './errors.ts';
import { lagrangeCoefficient } from './lagrange.ts';
import { addPoints, baseMul, checkPoint, mulPoint } from './point.ts';
import { scalarAdd, scalarFromId, scalarMul } from './scalar-ops.ts';
import { sodium } from './sodium.ts';
import type { GroupPublicKey, ParticipantId, SigningCommitment, SigningNonces } from './types.ts';

/** What every participant and the coordinator derive from (commitment list, message). */
export interface SigningPackage {
  /** Participant identifiers, ascending. */
  readonly ids: readonly ParticipantId[];
  /** RFC 9591 §4.5 group commitment `R`. */
  readonly groupCommitment: Uint8Array;
  /** RFC 9591 §4.6 challenge `c`. */
  readonly challenge: Uint8Array;
  readonly participants: ReadonlyMap<ParticipantId, ParticipantTerms>;
}

/** Per-participant terms of a signing package. */
export interface ParticipantTerms {
  /** RFC 9591 §4.4 binding factor `rho_i`. */
  readonly bindingFactor: Uint8Array;
  /** `D_i + E_i·rho_i`: the participant's part of `R` (RFC 9591 §5.4 `comm_share`). */
  readonly commitmentShare: Uint8Array;
  /** RFC 9591 §4.2 Lagrange coefficient `lambda_i` over `ids`. */
  readonly lambda: Uint8Array;
}

/** A signer's own round-one nonces, when it derives the package it is about to sign. */
export interface OwnNonces {
  readonly id: ParticipantId;
  readonly nonces: SigningNonces;
}

/**
 * Derives signing packages and remembers the last few, keyed by the digests RFC 9591 §4.4
 * computes anyway (H4(msg), H5(encoded list)): the coordinator verifies every share and
 * aggregates over the same package, so the points are validated and `R` is built once.
 * Only public data is cached; a hit implies the identical bytes were validated before.
 * Lagrange coefficients are cached per signing set.
 */
export class SigningPackages {
  readonly #pub: GroupPublicKey;
  readonly #capacity: number;
  readonly #recent = new Map<string, SigningPackage>();
  readonly #lambdas = new Map<string, ReadonlyMap<ParticipantId, Uint8Array>>();

  constructor(pub: GroupPublicKey, capacity = 16) {
    this.#pub = pub;
    this.#capacity = capacity;
  }

  /**
   * The package for `commitments` (any order) and `message`. With `own`, first checks that
   * the signer's commitment in the list is the one its nonces commit to (RFC 9591 §5.2:
   * `frost_missing_self`, `frost_commitment_mismatch`). Throws the typed errors of
   * `sortedCommitmentList` and `checkPoint`.
   *
   * @example
   * ```ts
   * const { groupCommitment, challenge } = packages.get(commitments, message);
   * ```
   */
  get(
    commitments: readonly SigningCommitment[],
    message: Uint8Array,
    own?: OwnNonces,
  ): SigningPackage {
    const sorted = sortedCommitmentList(this.#pub, commitments);
    if (own) checkOwnCommitment(sorted, own);
    const msgHash = h4(message);
    const listHash = h5(encodeCommitmentList(sorted));
    const key = Buffer.concat([msgHash, listHash]).toString('base64');
    const hit = this.#recent.get(key);
    if (hit) {
      this.#recent.delete(key);
      this.#recent.set(key, hit);
      return hit;
    }
    const pkg = this.#derive(sorted, msgHash, listHash, message, own);
    remember(this.#recent, key, pkg, this.#capacity);
    return pkg;
  }

  #derive(
    sorted: readonly SigningCommitment[],
    msgHash: Uint8Array,
    listHash: Uint8Array,
    message: Uint8Array,
    own: OwnNonces | undefined,
  ): SigningPackage {
    const { groupKey } = this.#pub;
    const ids = sorted.map((c) => c.id);
    const lambdas = this.#lambdasOf(ids);
    const participants = new Map<ParticipantId, ParticipantTerms>();
    for (const c of sorted) {
      // §4.4: rho_input = SerializeElement(PK) || H4(msg) || H5(encoded list) || SerializeScalar(id)
      const bindingFactor = h1(groupKey, msgHash, listHash, scalarFromId(c.id));
      const commitmentShare =
        c.id === own?.id ? ownShare(own.nonces, bindingFactor) : publicShare(c, bindingFactor);
      participants.set(c.id, { bindingFactor, commitmentShare, lambda: lambdas.get(c.id)! });
    }
    // §4.5: R = Σ (hiding_nonce_commitment + binding_nonce_commitment * binding_factor)
    const groupCommitment = [...participants.values()]
      .map((t) => t.commitmentShare)
      .reduce(addPoints);
    // §4.6: challenge = H2(SerializeElement(R) || SerializeElement(PK) || msg)
    return {
      ids,
      groupCommitment,
      challenge: h2(groupCommitment, groupKey, message),
      participants,
    };
  }

  #lambdasOf(ids: readonly ParticipantId[]): ReadonlyMap<ParticipantId, Uint8Array> {
    const key = ids.join();
    const known = this.#lambdas.get(key);
    if (known) return known;
    const lambdas = new Map(ids.map((id) => [id, lagrangeCoefficient(ids, id)]));
    remember(this.#lambdas, key, lambdas, this.#capacity);
    return lambdas;
  }
}

/** `D_i + E_i·rho_i` for another participant, validating both points (§3.1) on the way. */
function publicShare(c: SigningCommitment, bindingFactor: Uint8Array): Uint8Array {
  checkPoint(c.hiding, `hiding commitment of participant ${c.id}`);
  const scaled = mulPoint(bindingFactor, c.binding, `binding commitment of participant ${c.id}`);
  return addPoints(c.hiding, scaled);
}

/**
 * The signer's own `D_i + E_i·rho_i = G·(d_i + e_i·rho_i)`: one constant-time base
 * multiplication instead of validating and multiplying its own (already checked) points.
 */
function ownShare(nonces: SigningNonces, bindingFactor: Uint8Array): Uint8Array {
  const bound = scalarMul(nonces.binding, bindingFactor);
  const sum = scalarAdd(nonces.hiding, bound);
  try {
    return baseMul(sum);
  } finally {
    sodium.sodium_memzero(bound);
    sodium.sodium_memzero(sum);
  }
}

/** RFC 9591 §5.2: the signer's identifier and its round-one commitment are in the list. */
function checkOwnCommitment(sorted: readonly SigningCommitment[], own: OwnNonces): void {
  const entry = sorted.find((c) => c.id === own.id);
  if (!entry)
    throw new FrostError('frost_missing_self', `commitment list omits participant ${own.id}`);
  if (
    !Buffer.from(baseMul(own.nonces.hiding)).equals(entry.hiding) ||
    !Buffer.from(baseMul(own.nonces.binding)).equals(entry.binding)
  ) {
    throw new FrostError(
      'frost_commitment_mismatch',
      `the commitment listed for participant ${own.id} is not the one its nonces commit to`,
    );
  }
}

function remember<V>(cache: Map<string, V>, key: string, value: V, capacity: number): void {
  cache.set(key, value);
  if (cache.size > capacity) cache.delete(cache.keys().next().value!);
}
