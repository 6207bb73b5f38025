/**
 * Public types of the FROST(Ed25519, SHA-512) engine (RFC 9591). All points are 32-byte
 * compressed Edwards encodings (RFC 8032 §5.1.2), all scalars 32-byte little-endian,
 * canonical (< L). Identifiers are small positive integers (RFC 9591 §3.1: non-zero scalars).
 */

/** FROST participant identifier, 1..255. */
export type ParticipantId = number;

/** Threshold parameters: `threshold` (MIN_PARTICIPANTS) of `maxSigners` (MAX_PARTICIPANTS). */
export interface ThresholdParams {
  readonly threshold: number;
  readonly maxSigners: number;
}

/** One participant's secret signing share (RFC 9591 §4: `sk_i`). Zero it after use. */
export interface KeyShare {
  readonly id: ParticipantId;
  readonly signingShare: Uint8Array;
}

/** The group's public key material, fixed per key: group key and per-signer verifying shares. */
export interface GroupPublicKey extends ThresholdParams {
  /** Group public key `PK` (RFC 9591 §4). */
  readonly groupKey: Uint8Array;
  /** Verifying share `PK_i = G·sk_i` per participant. */
  readonly verifyingShares: ReadonlyMap<ParticipantId, Uint8Array>;
}

/** Round-one secret nonces (RFC 9591 §5.1). Single use; zeroed by `signShare`. */
export interface SigningNonces {
  readonly hiding: Uint8Array;
  readonly binding: Uint8Array;
}

/** Round-one public commitment (RFC 9591 §5.1), sent to the coordinator. */
export interface SigningCommitment {
  readonly id: ParticipantId;
  readonly hiding: Uint8Array;
  readonly binding: Uint8Array;
}

/**
 * A group key decoded and validated once (RFC 9591 §3.1 element checks), ready to sign,
 * verify shares and aggregate. Obtain with `loadGroup`.
 */
export interface FrostGroup {
  readonly publicKey: GroupPublicKey;
  /** RFC 9591 §5.1 `commit`: fresh nonces and their commitment for participant `share.id`. */
  commit(share: KeyShare): { nonces: SigningNonces; commitment: SigningCommitment };
  /**
   * RFC 9591 §5.2 `sign`: this participant's signature share over `message`.
   * Validates the commitment list (sorted or not, no duplicates, includes `share.id`,
   * only known ids, valid points) and zeroes `nonces` afterwards.
   */
  signShare(
    share: KeyShare,
    nonces: SigningNonces,
    commitments: readonly SigningCommitment[],
    message: Uint8Array,
  ): Uint8Array;
  /** RFC 9591 §5.4 `verify_signature_share`. */
  verifyShare(
    id: ParticipantId,
    signatureShare: Uint8Array,
    commitments: readonly SigningCommitment[],
    message: Uint8Array,
  ): boolean;
  /** RFC 9591 §5.3 `aggregate`: the 64-byte Ed25519 signature `R || z`. */
  aggregate(
    commitments: readonly SigningCommitment[],
    message: Uint8Array,
    shares: ReadonlyMap<ParticipantId, Uint8Array>,
  ): Uint8Array;
  /** Plain RFC 8032 Ed25519 verification of `signature` over `message` under the group key. */
  verify(message: Uint8Array, signature: Uint8Array): boolean;
}
