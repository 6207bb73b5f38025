// WebAuthn costs: (1) what a signer does per mint for an engineer's tap — verify the
// enrollment certificate (Ed25519) and the assertion (ES256 via @simplewebauthn/server) —
// in-process; (2) the two-step mint end to end through real processes (prepare, tap with a
// software authenticator, complete: coordinator and both signers verify the assertion),
// sequentially, so it measures latency, not throughput.
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import {
  encodeEnrollmentCertificate,
  enrollmentSigningInput,
  groupJwk,
  mintChallenge,
  registrationChallenge,
  verifyCertifiedAssertion,
  verifyEnrollmentCertificate,
  verifyEnrollmentRegistration,
} from '@frostmint/core';
import { SoftAuthenticator } from '@frostmint/test-support/webauthn';
import { ed25519 } from '@noble/curves/ed25519.js';
import { startTestStack } from '../harness.ts';
import { completeMint, enrollSoft, prepareMint } from '../support/webauthn-flow.ts';

const ITERATIONS = 2_000;
/** Per user: the dev stack allows 20 prepared requests per user per minute (enrollment included). */
const MINTS_PER_USER = 17;
const WARMUP = 2;
const RP = { rpId: 'localhost', origins: ['http://localhost:8443'] };

const pct = (samples: number[], p: number) =>
  [...samples].sort((a, b) => a - b)[Math.floor(p * samples.length)]!;

async function signerVerify(): Promise<number[]> {
  const secret = ed25519.utils.randomSecretKey();
  const groupKey = ed25519.getPublicKey(secret);
  const { kid } = await groupJwk(groupKey);
  const now = Math.floor(Date.now() / 1000);
  const request = {
    v: 1 as const,
    cert_id: randomBytes(16).toString('base64url'),
    sub: 'alice@example.com',
    roles: ['developer'],
    iat: now,
    exp: now + 3600,
    kid,
  };
  const auth = new SoftAuthenticator(RP.rpId, RP.origins[0]!);
  const reg = auth.register(registrationChallenge(request).toString('base64url'));
  const cred = await verifyEnrollmentRegistration(reg, request, RP);
  const body = { ...request, credential_id: cred.credentialId, public_key: cred.publicKey };
  const cert = encodeEnrollmentCertificate(
    body,
    ed25519.sign(enrollmentSigningInput(body), secret),
  );
  const message = Buffer.from(`${randomBytes(200).toString('base64url')}.x`, 'latin1');
  const challenge = mintChallenge(message);
  const assertion = auth.assert(challenge);
  const samples: number[] = [];
  for (let i = 0; i < ITERATIONS + 200; i++) {
    const t0 = performance.now();
    const verified = verifyEnrollmentCertificate(cert, {
      groupKey,
      kid,
      now,
      clockSkewSeconds: 30,
    });
    await verifyCertifiedAssertion(verified, assertion, { challenge, ...RP });
    if (i >= 200) samples.push(performance.now() - t0);
  }
  return samples;
}

async function mintEndToEnd(): Promise<number[]> {
  const stack = await startTestStack();
  try {
    const samples: number[] = [];
    for (const user of ['alice@example.com', 'bob@example.com']) {
      const { auth } = await enrollSoft(stack, user);
      for (let i = 0; i < MINTS_PER_USER; i++) {
        const t0 = performance.now();
        const { body } = await prepareMint(stack, { user, ttl: 300 });
        const challenge = Buffer.from(body.public_key.challenge, 'base64url');
        const done = await completeMint(
          stack,
          body.request_id,
          SoftAuthenticator.toJson(auth.assert(challenge)),
        );
        if (done.status !== 200) throw new Error(`mint failed: ${JSON.stringify(done.body)}`);
        if (i >= WARMUP) samples.push(performance.now() - t0);
      }
    }
    return samples;
  } finally {
    await stack.dispose();
  }
}

export async function benchWebAuthn(): Promise<Record<string, number>> {
  const verify = await signerVerify();
  const e2e = await mintEndToEnd();
  return {
    webauthn_signer_verify_p50_ms: pct(verify, 0.5),
    webauthn_signer_verify_p99_ms: pct(verify, 0.99),
    webauthn_mint_e2e_p50_ms: pct(e2e, 0.5),
    webauthn_mint_e2e_p95_ms: pct(e2e, 0.95),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const [k, v] of Object.entries(await benchWebAuthn())) console.log(`${k}: ${v.toFixed(3)}`);
}
