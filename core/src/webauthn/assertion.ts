import { createHash } from 'node:crypto';
import {
  type AuthenticationResponseJSON,
  verifyAuthenticationResponse,
} from '@simplewebauthn/server';
import type { EnrollmentCertificate } from '../enrollment/certificate.ts';
import { ForbiddenError } from '../errors.ts';

/** The raw parts of a WebAuthn assertion (WebAuthn §5.2.2), as the evidence carries them. */
export interface RawAssertion {
  /** Credential id, base64url. */
  readonly credentialId: string;
  readonly clientDataJson: Uint8Array;
  readonly authenticatorData: Uint8Array;
  readonly signature: Uint8Array;
  /** Empty when the authenticator returned none. */
  readonly userHandle: Uint8Array;
}

/** What the assertion must match: the RP of the verifier's own configuration. */
export interface AssertionExpectations {
  /** The exact challenge bytes (for a mint: SHA-256 of the JWS signing input). */
  readonly challenge: Uint8Array;
  readonly rpId: string;
  readonly origins: readonly string[];
}

/** A verified assertion. */
export interface VerifiedAssertion {
  /** The authenticator's signature counter (0 for authenticators without one). */
  readonly signCount: number;
  readonly userVerified: true;
}

/**
 * The WebAuthn challenge of a mint: SHA-256 of the JWS signing input, so the tap approves
 * exactly this token (header, every claim, the signer set).
 *
 * @example
 * ```ts
 * const options = { challenge: mintChallenge(signingInput).toString('base64url'), … };
 * ```
 */
export function mintChallenge(signingInput: Uint8Array | string): Buffer {
  return createHash('sha256').update(signingInput).digest();
}

/**
 * Verifies an assertion against the credential an enrollment certificate (or a guardian's
 * credential binding) names (WebAuthn §7.2): credential id, type `webauthn.get`, challenge, origin, RP ID hash, user present
 * and user verified flags, and the signature with the certified COSE key. The signature
 * counter is returned, not judged: the coordinator checks it against its stored counter
 * (WebAuthn L3 §6.1.1) and signers, which keep no counters, ignore it. Throws
 * `assertion_invalid`.
 *
 * @example
 * ```ts
 * const { signCount } = await verifyCertifiedAssertion(cert, raw,
 *   { challenge: mintChallenge(message), rpId: 'frostmint.example', origins });
 * ```
 */
export async function verifyCertifiedAssertion(
  cert: Pick<EnrollmentCertificate, 'credential_id' | 'public_key'>,
  raw: RawAssertion,
  expect: AssertionExpectations,
): Promise<VerifiedAssertion> {
  const invalid = (why: string, cause?: unknown) =>
    new ForbiddenError('assertion_invalid', `the WebAuthn assertion is not valid: ${why}`, {
      cause,
    });
  if (raw.credentialId !== cert.credential_id) {
    throw invalid('it was made by a credential the certificate or binding does not name');
  }
  const response: AuthenticationResponseJSON = {
    id: raw.credentialId,
    rawId: raw.credentialId,
    type: 'public-key',
    clientExtensionResults: {},
    response: {
      clientDataJSON: Buffer.from(raw.clientDataJson).toString('base64url'),
      authenticatorData: Buffer.from(raw.authenticatorData).toString('base64url'),
      signature: Buffer.from(raw.signature).toString('base64url'),
      ...(raw.userHandle.length > 0
        ? { userHandle: Buffer.from(raw.userHandle).toString('base64url') }
        : {}),
    },
  };
  const expected = Buffer.from(expect.challenge).toString('base64url');
  let result: Awaited<ReturnType<typeof verifyAuthenticationResponse>>;
  try {
    result = await verifyAuthenticationResponse({
      response,
      expectedChallenge: expected,
      expectedOrigin: [...expect.origins],
      expectedRPID: expect.rpId,
      expectedType: 'webauthn.get',
      // Counter judged by the caller; 0 here makes the library accept any counter.
      credential: {
        id: cert.credential_id,
        publicKey: Buffer.from(cert.public_key, 'base64url'),
        counter: 0,
      },
      requireUserVerification: true,
    });
  } catch (cause) {
    throw invalid((cause as Error).message, cause);
  }
  if (!result.verified || !result.authenticationInfo.userVerified) {
    throw invalid('signature or user verification failed');
  }
  return { signCount: result.authenticationInfo.newCounter, userVerified: true };
}
