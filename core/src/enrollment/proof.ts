import { createHash } from 'node:crypto';
import {
  EvidenceRefusedError,
  ForbiddenError,
  FrostmintError,
  UnauthenticatedError,
} from '../errors.ts';
import type { OidcVerifier, VerifiedIdToken } from '../oidc/verify.ts';
import type { EnrollIdTokenInput } from '../policy/enroll.ts';
import { type EnrollmentCertificateBody, enrollmentSigningInput } from './certificate.ts';

/**
 * The nonce an enrollment's ID token must carry: base64url SHA-256 of the certificate's
 * signing input (`enrollmentSigningInput`), i.e. of the canonical certificate request
 * *with* the registered credential id and public key. An IdP login for this nonce therefore
 * vouches for exactly this passkey: a coordinator that swaps in another credential changes
 * the digest (OIDC Core §3.1.2.1 `nonce`, §3.1.3.7 step 11).
 *
 * @example
 * ```ts
 * const nonce = enrollmentProofNonce(body); // the `nonce` of the authorization request
 * ```
 */
export function enrollmentProofNonce(body: EnrollmentCertificateBody): string {
  return createHash('sha256').update(enrollmentSigningInput(body)).digest('base64url');
}

/** An enrollment ID token that verified and is bound to the certificate. */
export interface VerifiedEnrollmentIdToken {
  /** What the enrollment policy sees (`input.id_token`): it maps a claim to the engineer. */
  readonly policyInput: EnrollIdTokenInput;
  /** Replay key of the ID token (issuer + `jti`, or the whole token); single use. */
  readonly replayKey: string;
  /** Unix seconds until which the replay key must be remembered. */
  readonly expiresAt: number;
}

/**
 * Verifies the ID token that proves an enrollment: signature by a key of an issuer in
 * `verifier`'s configuration (the enrollment IdP), `aud` its configured client id, `exp`,
 * `iat` within `maxTokenAgeSeconds` (all by {@link OidcVerifier}), and `nonce` equal to
 * {@link enrollmentProofNonce} of `body` (`enrollment_id_token_nonce_mismatch`). Which claim
 * names the engineer is the enrollment policy's call (`data.config.enrollment.idp`), on
 * {@link VerifiedEnrollmentIdToken.policyInput}. Every refusal is a `ForbiddenError`
 * (`oidc_*` codes from the verifier), except `oidc_jwks_unavailable` (503).
 *
 * @example
 * ```ts
 * const proof = await verifyEnrollmentIdToken(verifier, idToken, body, now);
 * policy.evaluateEnrollment({ ...input, id_token: proof.policyInput });
 * ```
 */
export async function verifyEnrollmentIdToken(
  verifier: OidcVerifier,
  idToken: string,
  body: EnrollmentCertificateBody,
  now: number,
): Promise<VerifiedEnrollmentIdToken> {
  let verified: VerifiedIdToken;
  try {
    verified = await verifier.verify(idToken, now);
  } catch (err) {
    if (err instanceof UnauthenticatedError) throw EvidenceRefusedError.from(err);
    throw err instanceof FrostmintError
      ? err
      : new EvidenceRefusedError('oidc_token_invalid', 'the ID token cannot be verified');
  }
  const { claims } = verified;
  if (claims.nonce !== enrollmentProofNonce(body)) {
    throw new ForbiddenError(
      'enrollment_id_token_nonce_mismatch',
      'the ID token was not issued for this enrollment (its nonce is not the digest of this certificate request and credential)',
    );
  }
  const policyInput: EnrollIdTokenInput = { iss: verified.issuer.issuer, sub: claims.sub };
  if (typeof claims.email === 'string') policyInput.email = claims.email;
  if (typeof claims.email_verified === 'boolean')
    policyInput.email_verified = claims.email_verified;
  if (typeof claims.preferred_username === 'string') {
    policyInput.preferred_username = claims.preferred_username;
  }
  return { policyInput, replayKey: verified.replayKey, expiresAt: verified.expiresAt };
}
