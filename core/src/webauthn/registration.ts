import { type RegistrationResponseJSON, verifyRegistrationResponse } from '@simplewebauthn/server';
import { z } from 'zod';
import {
  type EnrollmentCertificateBody,
  enrollmentRequestOf,
  registrationChallenge,
} from '../enrollment/certificate.ts';
import { ForbiddenError, InvalidRequestError } from '../errors.ts';

const b64url = z
  .string()
  .regex(/^[A-Za-z0-9_-]*$/)
  .max(16_384);

/** A `PublicKeyCredential.toJSON()` of a registration (WebAuthn L3 §5.1), validated. */
export const RegistrationResponseSchema = z
  .object({
    id: b64url,
    rawId: b64url,
    type: z.literal('public-key'),
    authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
    clientExtensionResults: z.record(z.string(), z.unknown()).default({}),
    response: z
      .object({
        clientDataJSON: b64url,
        attestationObject: b64url,
        authenticatorData: b64url.optional(),
        transports: z.array(z.string().max(32)).max(8).optional(),
        publicKeyAlgorithm: z.number().int().optional(),
        publicKey: b64url.optional(),
      })
      .strip(),
  })
  .strip();

/** The credential a verified registration created. */
export interface RegisteredCredential {
  /** base64url */
  readonly credentialId: string;
  /** COSE_Key, base64url. */
  readonly publicKey: string;
  readonly signCount: number;
  readonly transports: string[];
}

/**
 * Verifies a WebAuthn registration (WebAuthn §7.1) made for an enrollment request: the
 * challenge must be {@link registrationChallenge} of the request, origin and RP ID those
 * of the verifier's own configuration, user verified. When `body` carries a credential
 * (a signer checking a certificate), the registered credential must be exactly it.
 * Throws `registration_invalid`.
 *
 * @example
 * ```ts
 * const credential = await verifyEnrollmentRegistration(json, body, { rpId, origins });
 * ```
 */
export async function verifyEnrollmentRegistration(
  responseJson: unknown,
  body: Omit<EnrollmentCertificateBody, 'credential_id' | 'public_key'> &
    Partial<Pick<EnrollmentCertificateBody, 'credential_id' | 'public_key'>>,
  expect: { rpId: string; origins: readonly string[] },
): Promise<RegisteredCredential> {
  const challenge = registrationChallenge(enrollmentRequestOf(body as EnrollmentCertificateBody));
  const registered = await verifyRegistration(responseJson, challenge, expect);
  const invalid = (why: string) =>
    new ForbiddenError('registration_invalid', `the WebAuthn registration is not valid: ${why}`);
  if (
    (body.credential_id !== undefined && body.credential_id !== registered.credentialId) ||
    (body.public_key !== undefined && body.public_key !== registered.publicKey)
  ) {
    throw invalid('the certificate names another credential than the one registered');
  }
  return registered;
}

/**
 * Verifies a WebAuthn registration (WebAuthn §7.1) over the exact `challenge`, from one of
 * the verifier's origins and for its RP ID, with user verification; `none` attestation
 * (no authenticator trust). Throws `registration_invalid` (403), or `registration_malformed`
 * (400) when the response is not of the expected shape.
 *
 * @example
 * ```ts
 * const credential = await verifyRegistration(json, challenge, { rpId, origins });
 * ```
 */
export async function verifyRegistration(
  responseJson: unknown,
  challenge: Uint8Array,
  expect: { rpId: string; origins: readonly string[] },
): Promise<RegisteredCredential> {
  const parsed = RegistrationResponseSchema.safeParse(responseJson);
  if (!parsed.success) {
    throw new InvalidRequestError(
      'registration_malformed',
      'the registration response is malformed',
    );
  }
  const invalid = (why: string, cause?: unknown) =>
    new ForbiddenError('registration_invalid', `the WebAuthn registration is not valid: ${why}`, {
      cause,
    });
  let result: Awaited<ReturnType<typeof verifyRegistrationResponse>>;
  try {
    result = await verifyRegistrationResponse({
      response: parsed.data as RegistrationResponseJSON,
      expectedChallenge: Buffer.from(challenge).toString('base64url'),
      expectedOrigin: [...expect.origins],
      expectedRPID: expect.rpId,
      requireUserVerification: true,
    });
  } catch (cause) {
    throw invalid((cause as Error).message, cause);
  }
  if (!result.verified) throw invalid('attestation did not verify');
  const { credential } = result.registrationInfo;
  return {
    credentialId: credential.id,
    publicKey: Buffer.from(credential.publicKey).toString('base64url'),
    signCount: credential.counter,
    transports: [...(parsed.data.response.transports ?? [])],
  };
}
