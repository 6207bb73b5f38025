import { createHash } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519.js';
import { z } from 'zod';
import { canonicalJson, domainSeparated } from '../canonical-json.ts';
import { ForbiddenError, InvalidRequestError } from '../errors.ts';

/** Domain of the certificate signature: never a JWS signing input (has `/` and NUL). */
const ENROLLMENT_DOMAIN = 'frostmint/enrollment/v1\0';
/** Domain of the registration challenge, which binds the WebAuthn ceremony to a request. */
const ENROLLMENT_REQUEST_DOMAIN = 'frostmint/enrollment-request/v1\0';
/** Certificates are short-lived (see docs/webauthn.md, "Revocation"): at most 7 days. */
export const MAX_ENROLLMENT_LIFETIME_SECONDS = 7 * 24 * 3600;

const b64url = z.string().regex(/^[A-Za-z0-9_-]+$/, 'base64url without padding');

/**
 * What is fixed before the WebAuthn registration runs: who enrolls, with which roles, for
 * how long, under which group key. The registration challenge is derived from it.
 */
export const EnrollmentRequestSchema = z
  .object({
    v: z.literal(1),
    /** Random certificate id (16 bytes, base64url); also the signers' replay key. */
    cert_id: b64url.min(22).max(43),
    /** The engineer: the `sub` of every token minted with this credential. */
    sub: z.string().min(1).max(256),
    roles: z.array(z.string().min(1).max(64)).min(1).max(16),
    iat: z.number().int().nonnegative(),
    exp: z.number().int().positive(),
    /** RFC 7638 thumbprint of the group key that signs the certificate. */
    kid: z.string().min(1).max(128),
  })
  .strict();
export type EnrollmentRequest = z.infer<typeof EnrollmentRequestSchema>;

/** The certificate body: the request plus the registered credential. */
export const EnrollmentCertificateBodySchema = EnrollmentRequestSchema.extend({
  /** WebAuthn credential id, base64url. */
  credential_id: b64url.max(1366),
  /** COSE_Key of the credential (WebAuthn §6.5.1.1), base64url. */
  public_key: b64url.max(2048),
}).strict();
export type EnrollmentCertificateBody = z.infer<typeof EnrollmentCertificateBodySchema>;

/** A certificate signed by the FROST group key (Ed25519 over the domain-separated body). */
export const EnrollmentCertificateSchema = EnrollmentCertificateBodySchema.extend({
  signature: b64url.length(86),
}).strict();
export type EnrollmentCertificate = z.infer<typeof EnrollmentCertificateSchema>;

/**
 * The request part of a certificate body (everything but the credential).
 *
 * @example
 * ```ts
 * const challenge = registrationChallenge(enrollmentRequestOf(body));
 * ```
 */
export function enrollmentRequestOf(
  body: EnrollmentCertificateBody | EnrollmentCertificate,
): EnrollmentRequest {
  const { v, cert_id, sub, roles, iat, exp, kid } = body;
  return { v, cert_id, sub, roles, iat, exp, kid };
}

/**
 * The WebAuthn registration challenge of an enrollment request: SHA-256 of the domain
 * `frostmint/enrollment-request/v1` NUL and the request's canonical JSON. A signer recomputes
 * it from the certificate it is asked to sign, so the authenticator's signature over
 * clientDataJSON (WebAuthn §7.1 step 11) binds the new credential to exactly this request.
 *
 * @example
 * ```ts
 * const options = { challenge: registrationChallenge(request).toString('base64url'), … };
 * ```
 */
export function registrationChallenge(request: EnrollmentRequest): Buffer {
  return createHash('sha256')
    .update(domainSeparated(ENROLLMENT_REQUEST_DOMAIN, EnrollmentRequestSchema.parse(request)))
    .digest();
}

/**
 * The bytes the quorum signs for a certificate: domain `frostmint/enrollment/v1` NUL, then
 * the canonical JSON of the body (RFC 8785 for this data).
 *
 * @example
 * ```ts
 * const message = enrollmentSigningInput(body); // SignRequest.message, purpose ENROLLMENT
 * ```
 */
export function enrollmentSigningInput(body: EnrollmentCertificateBody): Buffer {
  return domainSeparated(ENROLLMENT_DOMAIN, EnrollmentCertificateBodySchema.parse(body));
}

/**
 * Parses an ENROLLMENT signing input back into the body, accepting only the exact
 * canonical encoding (so the bytes signed are the bytes checked). Throws
 * `enrollment_message_invalid`.
 *
 * @example
 * ```ts
 * const body = parseEnrollmentSigningInput(req.message);
 * ```
 */
export function parseEnrollmentSigningInput(message: Uint8Array): EnrollmentCertificateBody {
  const bytes = Buffer.from(message);
  const prefix = Buffer.from(ENROLLMENT_DOMAIN, 'utf8');
  const invalid = (why: string) =>
    new InvalidRequestError('enrollment_message_invalid', `enrollment message ${why}`);
  if (!bytes.subarray(0, prefix.length).equals(prefix)) throw invalid('lacks its domain');
  const text = bytes.subarray(prefix.length).toString('utf8');
  let parsed: EnrollmentCertificateBody;
  try {
    parsed = EnrollmentCertificateBodySchema.parse(JSON.parse(text));
  } catch {
    throw invalid('is not a certificate body');
  }
  if (canonicalJson(parsed) !== text) throw invalid('is not canonical JSON');
  return parsed;
}

/**
 * Joins a body and the quorum's signature into the certificate's wire form (canonical JSON).
 *
 * @example
 * ```ts
 * const bytes = encodeEnrollmentCertificate(body, signed.signature);
 * ```
 */
export function encodeEnrollmentCertificate(
  body: EnrollmentCertificateBody,
  signature: Uint8Array,
): Buffer {
  const cert: EnrollmentCertificate = {
    ...EnrollmentCertificateBodySchema.parse(body),
    signature: Buffer.from(signature).toString('base64url'),
  };
  return Buffer.from(canonicalJson(cert), 'utf8');
}

/** What a certificate is checked against. */
export interface EnrollmentTrust {
  /** 32-byte Ed25519 group public key. */
  readonly groupKey: Uint8Array;
  readonly kid: string;
  /** Unix seconds. */
  readonly now: number;
  readonly clockSkewSeconds: number;
}

/**
 * Parses and verifies a certificate: Ed25519 signature by the group key over its signing
 * input, the kid it names, `iat ≤ now + skew < …`, `now < exp`, and a lifetime within
 * {@link MAX_ENROLLMENT_LIFETIME_SECONDS}. Throws `enrollment_certificate_invalid`,
 * `enrollment_certificate_unsigned` or `enrollment_certificate_expired`.
 *
 * @example
 * ```ts
 * const cert = verifyEnrollmentCertificate(evidence.enrollmentCertificate,
 *   { groupKey, kid, now, clockSkewSeconds: 30 });
 * ```
 */
export function verifyEnrollmentCertificate(
  bytes: Uint8Array,
  trust: EnrollmentTrust,
): EnrollmentCertificate {
  let cert: EnrollmentCertificate;
  try {
    cert = EnrollmentCertificateSchema.parse(JSON.parse(Buffer.from(bytes).toString('utf8')));
  } catch {
    throw new ForbiddenError(
      'enrollment_certificate_invalid',
      'the enrollment certificate is malformed',
    );
  }
  const { signature, ...body } = cert;
  let valid = false;
  try {
    valid =
      cert.kid === trust.kid &&
      ed25519.verify(
        Buffer.from(signature, 'base64url'),
        enrollmentSigningInput(body),
        trust.groupKey,
      );
  } catch {
    valid = false;
  }
  if (!valid) {
    throw new ForbiddenError(
      'enrollment_certificate_unsigned',
      `enrollment certificate ${cert.cert_id} is not signed by group key ${trust.kid}`,
    );
  }
  if (
    cert.exp <= cert.iat ||
    cert.exp - cert.iat > MAX_ENROLLMENT_LIFETIME_SECONDS ||
    cert.iat > trust.now + trust.clockSkewSeconds
  ) {
    throw new ForbiddenError(
      'enrollment_certificate_invalid',
      `enrollment certificate ${cert.cert_id} has an invalid validity period`,
    );
  }
  if (trust.now >= cert.exp) {
    throw new ForbiddenError(
      'enrollment_certificate_expired',
      `enrollment certificate ${cert.cert_id} expired at ${new Date(cert.exp * 1000).toISOString()}: enroll again (frostmint enroll)`,
    );
  }
  return cert;
}
