import { randomBytes } from 'node:crypto';
import { SoftAuthenticator } from '@frostmint/test-support/webauthn';
import { ed25519 } from '@noble/curves/ed25519.js';
import { describe, expect, it } from 'vitest';
import {
  type EnrollmentCertificateBody,
  encodeEnrollmentCertificate,
  enrollmentRequestOf,
  enrollmentSigningInput,
  groupJwk,
  mintChallenge,
  parseEnrollmentSigningInput,
  registrationChallenge,
  verifyCertifiedAssertion,
  verifyEnrollmentCertificate,
  verifyEnrollmentRegistration,
} from '../../src/index.ts';

const RP = { rpId: 'localhost', origins: ['http://localhost:8443'] };
const now = 1_800_000_000;

async function setup() {
  const secret = ed25519.utils.randomSecretKey();
  const groupKey = ed25519.getPublicKey(secret);
  const { kid } = await groupJwk(groupKey);
  const auth = new SoftAuthenticator(RP.rpId, RP.origins[0]!);
  const request = {
    v: 1 as const,
    cert_id: randomBytes(16).toString('base64url'),
    sub: 'alice@example.com',
    roles: ['developer'],
    iat: now,
    exp: now + 3600,
    kid,
  };
  const registration = auth.register(registrationChallenge(request).toString('base64url'));
  const credential = await verifyEnrollmentRegistration(registration, request, RP);
  const body: EnrollmentCertificateBody = {
    ...request,
    credential_id: credential.credentialId,
    public_key: credential.publicKey,
  };
  const cert = encodeEnrollmentCertificate(
    body,
    ed25519.sign(enrollmentSigningInput(body), secret),
  );
  const trust = { groupKey, kid, now, clockSkewSeconds: 30 };
  return { secret, groupKey, kid, auth, request, registration, body, cert, trust };
}

describe('enrollment certificate', () => {
  it('round-trips: registration → certificate → assertion', async () => {
    const { auth, body, cert, trust } = await setup();
    expect(body.credential_id).toBe(auth.credentialId);
    expect(body.public_key).toBe(auth.publicKeyCose);
    const verified = verifyEnrollmentCertificate(cert, trust);
    expect(enrollmentRequestOf(verified).sub).toBe('alice@example.com');
    expect(parseEnrollmentSigningInput(enrollmentSigningInput(body))).toEqual(body);
    const message = Buffer.from('eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJhIn0', 'latin1');
    const challenge = mintChallenge(message);
    await expect(
      verifyCertifiedAssertion(verified, auth.assert(challenge), { challenge, ...RP }),
    ).resolves.toMatchObject({ userVerified: true });
  });

  it('refuses a certificate signed by another key, tampered, or expired', async () => {
    const { body, cert, trust } = await setup();
    const other = ed25519.utils.randomSecretKey();
    const forged = encodeEnrollmentCertificate(
      body,
      ed25519.sign(enrollmentSigningInput(body), other),
    );
    expect(() => verifyEnrollmentCertificate(forged, trust)).toThrow(
      expect.objectContaining({ code: 'enrollment_certificate_unsigned' }),
    );
    const tampered = Buffer.from(cert.toString().replace('"developer"', '"releaser"'));
    expect(() => verifyEnrollmentCertificate(tampered, trust)).toThrow(
      expect.objectContaining({ code: 'enrollment_certificate_unsigned' }),
    );
    expect(() => verifyEnrollmentCertificate(cert, { ...trust, now: now + 3600 })).toThrow(
      expect.objectContaining({ code: 'enrollment_certificate_expired' }),
    );
    expect(() => verifyEnrollmentCertificate(Buffer.from('{}'), trust)).toThrow(
      expect.objectContaining({ code: 'enrollment_certificate_invalid' }),
    );
  });

  it('refuses a registration for another request, origin or without user verification', async () => {
    const { auth, request } = await setup();
    const other = { ...request, roles: ['releaser'] };
    const reg = auth.register(registrationChallenge(request).toString('base64url'));
    await expect(verifyEnrollmentRegistration(reg, other, RP)).rejects.toMatchObject({
      code: 'registration_invalid',
    });
    const evil = auth.register(registrationChallenge(request).toString('base64url'), {
      origin: 'https://evil.example',
    });
    await expect(verifyEnrollmentRegistration(evil, request, RP)).rejects.toMatchObject({
      code: 'registration_invalid',
    });
    const noUv = auth.register(registrationChallenge(request).toString('base64url'), {
      userVerified: false,
    });
    await expect(verifyEnrollmentRegistration(noUv, request, RP)).rejects.toMatchObject({
      code: 'registration_invalid',
    });
  });

  it('refuses assertions over another challenge, another origin or RP, without UV, or by another credential', async () => {
    const { cert, trust, auth } = await setup();
    const verified = verifyEnrollmentCertificate(cert, trust);
    const challenge = mintChallenge('a.b');
    const cases = [
      auth.assert(mintChallenge('a.c')),
      auth.assert(challenge, { origin: 'https://evil.example' }),
      auth.assert(challenge, { rpId: 'evil.example' }),
      auth.assert(challenge, { userVerified: false }),
      new SoftAuthenticator(RP.rpId, RP.origins[0]!).assert(challenge),
    ];
    for (const raw of cases) {
      await expect(
        verifyCertifiedAssertion(verified, raw, { challenge, ...RP }),
      ).rejects.toMatchObject({ code: 'assertion_invalid' });
    }
  });

  it('rejects non-canonical signing inputs', () => {
    const text = Buffer.from('frostmint/enrollment/v1\0{ "v": 1 }');
    expect(() => parseEnrollmentSigningInput(text)).toThrow(
      expect.objectContaining({ code: 'enrollment_message_invalid' }),
    );
  });
});
