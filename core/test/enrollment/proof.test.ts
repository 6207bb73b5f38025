import { createHash, randomBytes } from 'node:crypto';
import { type LocalIssuer, startLocalIssuer } from '@frostmint/test-support/oidc-issuer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type EnrollmentCertificateBody,
  enrollmentProofNonce,
  enrollmentSigningInput,
  OidcVerifier,
  verifyEnrollmentIdToken,
} from '../../src/index.ts';

const CLIENT_ID = 'frostmint-cli';

const body = (over: Partial<EnrollmentCertificateBody> = {}): EnrollmentCertificateBody => ({
  v: 1,
  cert_id: randomBytes(16).toString('base64url'),
  sub: 'alice@example.com',
  roles: ['developer'],
  iat: Math.floor(Date.now() / 1000),
  exp: Math.floor(Date.now() / 1000) + 3600,
  kid: 'group-kid',
  credential_id: randomBytes(16).toString('base64url'),
  public_key: randomBytes(77).toString('base64url'),
  ...over,
});

describe('enrollment proof by ID token (core)', () => {
  let issuer: LocalIssuer;
  let verifier: OidcVerifier;
  beforeAll(async () => {
    issuer = await startLocalIssuer();
    verifier = new OidcVerifier({
      issuers: [
        {
          issuer: issuer.issuer,
          audience: CLIENT_ID,
          algorithms: ['RS256'],
          clockSkewSeconds: 5,
          maxTokenAgeSeconds: 600,
        },
      ],
      refreshIntervalSeconds: 300,
      maxStalenessSeconds: 86_400,
      cooldownSeconds: 0,
      fetchTimeoutMs: 5_000,
    });
  });
  afterAll(async () => {
    verifier?.close();
    await issuer?.close();
  });
  const now = () => Math.floor(Date.now() / 1000);
  const login = (nonce: string, claims = {}) =>
    issuer.issue({
      aud: CLIENT_ID,
      sub: 'u-42',
      nonce,
      email: 'alice@example.com',
      email_verified: true,
      ...claims,
    });

  it('the nonce is base64url SHA-256 of the signing input, so it covers the credential', () => {
    const b = body();
    expect(enrollmentProofNonce(b)).toBe(
      createHash('sha256').update(enrollmentSigningInput(b)).digest('base64url'),
    );
    expect(
      enrollmentProofNonce({ ...b, public_key: randomBytes(77).toString('base64url') }),
    ).not.toBe(enrollmentProofNonce(b));
  });

  it('accepts a login bound to exactly this body and hands policy only the identity claims', async () => {
    const b = body();
    const proof = await verifyEnrollmentIdToken(
      verifier,
      await login(enrollmentProofNonce(b)),
      b,
      now(),
    );
    expect(proof.policyInput).toEqual({
      iss: issuer.issuer,
      sub: 'u-42',
      email: 'alice@example.com',
      email_verified: true,
    });
    expect(proof.replayKey).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('refuses another nonce, another audience, no nonce, and an expired login', async () => {
    const b = body();
    const refuse = (token: Promise<string>, code: string, at = now()) =>
      expect(token.then((t) => verifyEnrollmentIdToken(verifier, t, b, at))).rejects.toMatchObject({
        code,
        status: 403,
      });
    await refuse(login(enrollmentProofNonce(body())), 'enrollment_id_token_nonce_mismatch');
    await refuse(
      issuer.issue({ aud: CLIENT_ID, nonce: undefined }),
      'enrollment_id_token_nonce_mismatch',
    );
    await refuse(
      issuer.issue({ aud: 'someone-else', nonce: enrollmentProofNonce(b) }),
      'oidc_audience_invalid',
    );
    await refuse(login(enrollmentProofNonce(b)), 'oidc_token_expired', now() + 3600);
  });
});
