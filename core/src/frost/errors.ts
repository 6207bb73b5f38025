import { InvalidRequestError } from '../errors.ts';

/**
 * Malformed or inconsistent FROST input (RFC 9591 §3.1 element and scalar rules, signing
 * set rules). Codes: `frost_bad_length`, `frost_invalid_point`, `frost_invalid_scalar`,
 * `frost_identity`, `frost_duplicate_id`, `frost_unknown_id`, `frost_missing_self`,
 * `frost_too_few_signers`, `frost_envelope_invalid`, `frost_dkg_invalid`.
 */
export class FrostError extends InvalidRequestError {}
