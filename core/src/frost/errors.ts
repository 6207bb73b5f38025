import { InvalidRequestError } from '../errors.ts';

/**
 * Malformed or inconsistent FROST input (RFC 9591 §3.1 element and scalar rules, signing
 * set rules), HTTP 400. Stable codes:
 * - `frost_bad_length`: a point or scalar that is not 32 bytes (a commitment not 64)
 * - `frost_invalid_point`: non-canonical, off-curve, small-order or non-prime-order element
 * - `frost_identity`: the identity element
 * - `frost_invalid_scalar`: a scalar encoding ≥ L (or zero where zero is impossible)
 * - `frost_unknown_id`: an identifier that is not in the group or the signing set
 * - `frost_duplicate_id`: an identifier twice in a commitment list
 * - `frost_missing_self`: a commitment list that omits the signer (or verified participant)
 * - `frost_commitment_mismatch`: the signer's listed commitment is not its own (§5.2)
 * - `frost_missing_share`: aggregation without a share from every listed participant
 * - `frost_too_few_signers`: fewer commitments than the threshold
 * - `frost_invalid_group`: a malformed or internally inconsistent group public key
 * - `frost_dkg_invalid`, `frost_envelope_invalid`: DKG packages and their sealed envelopes
 *
 * @example
 * ```ts
 * try { group.signShare(share, nonces, commitments, message); }
 * catch (err) { if (hasCode(err, 'frost_missing_self')) refuse(); }
 * ```
 */
export class FrostError extends InvalidRequestError {}
