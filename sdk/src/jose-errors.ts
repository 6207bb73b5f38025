import { errors } from 'jose';
import { FrostmintVerifyError, type VerifyErrorCode } from './errors.ts';

/** Claim checks jose reports as `check_failed`, by claim. */
const FAILED_CHECKS: Readonly<Record<string, [VerifyErrorCode, string]>> = {
  iss: ['token_issuer_invalid', 'token issuer is not the configured issuer'],
  aud: ['token_audience_invalid', 'token audience does not include this service'],
  nbf: ['token_not_yet_valid', 'token is not valid yet (nbf)'],
  iat: ['token_not_yet_valid', 'token is issued in the future (iat)'],
};

/**
 * Turns whatever `jose.jwtVerify` rejected with into a {@link FrostmintVerifyError}. Errors
 * that already are one (thrown by the key resolver) pass through; an error that is not
 * jose's is a bug and is rethrown untouched rather than disguised as a bad token.
 *
 * @example
 * ```ts
 * try {
 *   await jwtVerify(token, resolveKey, joseOptions);
 * } catch (err) {
 *   throw fromJoseError(err); // e.g. JWTExpired → token_expired
 * }
 * ```
 */
export function fromJoseError(err: unknown): unknown {
  if (err instanceof FrostmintVerifyError || !(err instanceof errors.JOSEError)) return err;
  const [code, message] = classify(err);
  return new FrostmintVerifyError(code, message, { cause: err });
}

function classify(err: errors.JOSEError): [VerifyErrorCode, string] {
  if (err instanceof errors.JOSEAlgNotAllowed) {
    return ['token_alg_not_allowed', 'token alg is not EdDSA'];
  }
  if (err instanceof errors.JWSSignatureVerificationFailed) {
    return ['token_signature_invalid', 'token signature does not verify'];
  }
  if (err instanceof errors.JWTExpired) {
    return err.claim === 'iat'
      ? ['token_expired', 'token is older than maxTokenAge (iat)']
      : ['token_expired', 'token has expired (exp)'];
  }
  if (err instanceof errors.JWTClaimValidationFailed) {
    const failed = err.reason === 'check_failed' ? FAILED_CHECKS[err.claim] : undefined;
    return failed ?? ['token_claims_invalid', `token ${err.claim} claim is missing or invalid`];
  }
  return ['token_malformed', `token is not a well-formed JWS: ${err.message}`];
}
