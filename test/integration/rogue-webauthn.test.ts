import { randomBytes } from 'node:crypto';
import { DEMO_POLICY } from '@frostmint/cli';
import {
  type EnrollmentCertificateBody,
  encodeEnrollmentCertificate,
  enrollmentProofNonce,
  enrollmentSigningInput,
  groupPublicKeyOf,
  loadGroup,
  loadPolicyFiles,
  mintChallenge,
  readGroupConfig,
  registrationChallenge,
  signingInput,
  type TokenClaims,
} from '@frostmint/core';
import { type Evidence, SigningPurpose } from '@frostmint/proto';
import { type SoftAssertion, SoftAuthenticator } from '@frostmint/test-support/webauthn';
import { ed25519 } from '@noble/curves/ed25519.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack } from '../harness.ts';
import { idTokenFor } from '../support/idp-login.ts';
import { askQuorum, type QuorumOutcomes, SIGNER_PAIRS } from '../support/rogue-sign.ts';
import { enrollSoft, relyingParty } from '../support/webauthn-flow.ts';

type Stack = Awaited<ReturnType<typeof startTestStack>>;
type MaybePromise<T> = T | Promise<T>;

describe('signers verify engineers’ taps themselves (rogue coordinator, hand-driven gRPC)', () => {
  let stack: Stack;
  let kid: string;
  let policy: string;
  let group: ReturnType<typeof loadGroup>;
  let alice: { auth: SoftAuthenticator; certificate: Buffer };
  let bob: { auth: SoftAuthenticator; certificate: Buffer };
  beforeAll(async () => {
    stack = await startTestStack();
    const config = (await readGroupConfig(stack.layout.coordinator.stateDir))!;
    kid = config.kid;
    group = loadGroup(groupPublicKeyOf(config));
    policy = (await loadPolicyFiles(DEMO_POLICY)).id;
    alice = await enrollSoft(stack, 'alice@example.com');
    bob = await enrollSoft(stack, 'bob@example.com');
  });
  afterAll(async () => {
    await stack?.dispose();
  });

  const claims = (signers: number[], over: Partial<TokenClaims> = {}): TokenClaims => {
    const now = Math.floor(Date.now() / 1000);
    return {
      iss: stack.coordinatorUrl,
      sub: 'alice@example.com',
      aud: 'deploy-api',
      scope: 'deploy:canary',
      iat: now,
      nbf: now,
      exp: now + 300,
      jti: randomBytes(16).toString('base64url'),
      client_id: 'frostmint-cli',
      amr: ['webauthn'],
      frostmint: { signers, policy },
      ...over,
    };
  };
  const tokenFor = (signers: number[], over: Partial<TokenClaims> = {}) =>
    signingInput({ alg: 'EdDSA', typ: 'at+jwt', kid }, claims(signers, over));

  const webauthn = (a: SoftAssertion, certificate: Buffer): Evidence => ({
    kind: { $case: 'webauthn', value: { enrollmentCertificate: certificate, ...a } },
  });

  /** Round one on `signers`, then asks each of them to sign; returns each answer. */
  const ask = (
    signers: number[],
    message: Uint8Array,
    evidence: Evidence,
    purpose = SigningPurpose.SIGNING_PURPOSE_TOKEN,
  ): Promise<QuorumOutcomes> => askQuorum(stack, signers, { message, evidence, purpose });

  /** Asks every pair; every signer of every pair must refuse with `code`. */
  async function expectEveryoneRefuses(
    build: (signers: number[]) => MaybePromise<{
      message: Uint8Array;
      evidence: Evidence;
      purpose?: SigningPurpose;
    }>,
    code: string,
  ) {
    for (const pair of SIGNER_PAIRS) {
      const { message, evidence, purpose } = await build(pair);
      const outcomes = await ask(pair, message, evidence, purpose);
      for (const id of pair)
        expect(outcomes.get(id), `signer ${id}`).toMatchObject({ err: { code } });
    }
  }

  const tapOver = (who: { auth: SoftAuthenticator }, message: string | Uint8Array, opts = {}) =>
    who.auth.assert(mintChallenge(message), opts);

  it('co-signs a genuine tap (sanity check of the harness)', async () => {
    const message = Buffer.from(tokenFor([1, 2]), 'latin1');
    const outcomes = await ask(
      [1, 2],
      message,
      webauthn(tapOver(alice, message), alice.certificate),
    );
    expect(outcomes.get(1)).toMatchObject({ ok: { signerId: 1 } });
    expect(outcomes.get(2)).toMatchObject({ ok: { signerId: 2 } });
  });

  it('every signer refuses claims that a genuine tap does not back (claims follow evidence)', async () => {
    const mismatched: Partial<TokenClaims>[] = [
      { amr: ['oidc'] },
      { amr: ['dev'] },
      { amr: ['webauthn', 'mfa'] },
      { amr: undefined },
      { client_id: 'frostmint-ci' },
      { client_id: 'frostmint-dev' },
      { amr: ['oidc'], client_id: 'frostmint-ci' },
    ];
    for (const over of mismatched) {
      await expectEveryoneRefuses((pair) => {
        const message = Buffer.from(tokenFor(pair, over), 'latin1');
        return { message, evidence: webauthn(tapOver(alice, message), alice.certificate) };
      }, 'claims_evidence_mismatch');
    }
  });

  it('every signer refuses a forged assertion', async () => {
    const forger = new SoftAuthenticator(relyingParty(stack).rpId, relyingParty(stack).origin);
    await expectEveryoneRefuses((pair) => {
      const message = Buffer.from(tokenFor(pair), 'latin1');
      const forged = {
        ...forger.assert(mintChallenge(message)),
        credentialId: alice.auth.credentialId,
      };
      return { message, evidence: webauthn(forged, alice.certificate) };
    }, 'assertion_invalid');
  });

  it('every signer refuses an assertion made for another request', async () => {
    await expectEveryoneRefuses((pair) => {
      const other = tokenFor(pair);
      const message = Buffer.from(tokenFor(pair), 'latin1');
      return { message, evidence: webauthn(tapOver(alice, other), alice.certificate) };
    }, 'assertion_invalid');
  });

  it('every signer refuses a tap from another origin or without user verification', async () => {
    await expectEveryoneRefuses((pair) => {
      const message = Buffer.from(tokenFor(pair), 'latin1');
      const a = tapOver(alice, message, { origin: 'https://evil.example' });
      return { message, evidence: webauthn(a, alice.certificate) };
    }, 'assertion_invalid');
    await expectEveryoneRefuses((pair) => {
      const message = Buffer.from(tokenFor(pair), 'latin1');
      return {
        message,
        evidence: webauthn(tapOver(alice, message, { userVerified: false }), alice.certificate),
      };
    }, 'assertion_invalid');
  });

  it("every signer refuses another user's certificate, and a certificate not signed by the group", async () => {
    await expectEveryoneRefuses((pair) => {
      const message = Buffer.from(tokenFor(pair), 'latin1');
      return { message, evidence: webauthn(tapOver(bob, message), bob.certificate) };
    }, 'evidence_rejected');
    const forgedCert = (() => {
      const cert = JSON.parse(alice.certificate.toString('utf8')) as EnrollmentCertificateBody & {
        signature: string;
      };
      const { signature: _, ...body } = cert;
      const rogueKey = ed25519.utils.randomSecretKey();
      return encodeEnrollmentCertificate(
        { ...body, roles: ['releaser'] },
        ed25519.sign(enrollmentSigningInput(body), rogueKey),
      );
    })();
    await expectEveryoneRefuses((pair) => {
      const message = Buffer.from(tokenFor(pair, { scope: 'deploy:prod' }), 'latin1');
      return { message, evidence: webauthn(tapOver(alice, message), forgedCert) };
    }, 'enrollment_certificate_unsigned');
  });

  it('every signer refuses an expired enrollment certificate', async () => {
    // The rogue coordinator gets the quorum to certify a credential for 2 seconds.
    const now = Math.floor(Date.now() / 1000);
    const request = {
      v: 1 as const,
      cert_id: randomBytes(16).toString('base64url'),
      sub: 'alice@example.com',
      roles: ['developer'],
      iat: now,
      exp: now + 2,
      kid,
    };
    const { rpId, origin } = relyingParty(stack);
    const auth = new SoftAuthenticator(rpId, origin);
    const registration = auth.register(registrationChallenge(request).toString('base64url'));
    const body = { ...request, credential_id: auth.credentialId, public_key: auth.publicKeyCose };
    const message = enrollmentSigningInput(body);
    // With alice's own IdP login for this credential (nonce = the certificate request digest).
    const idToken = await idTokenFor(stack, 'alice@example.com', enrollmentProofNonce(body));
    const outcomes = await ask(
      [1, 2],
      message,
      {
        kind: {
          $case: 'registration',
          value: { responseJson: Buffer.from(JSON.stringify(registration)), idToken },
        },
      },
      SigningPurpose.SIGNING_PURPOSE_ENROLLMENT,
    );
    const commits = outcomes.commits!;
    const shares = new Map(
      [...outcomes].map(([id, o]) => [id, ('ok' in o ? o.ok : undefined)!.signatureShare]),
    );
    const signature = group.aggregate(
      commits.map((c) => ({ id: c.signerId, hiding: c.hiding, binding: c.binding })),
      message,
      shares,
    );
    const certificate = encodeEnrollmentCertificate(body, signature);
    while (Date.now() < (request.exp + 1) * 1000) await new Promise((r) => setTimeout(r, 250));
    await expectEveryoneRefuses((pair) => {
      const token = Buffer.from(tokenFor(pair), 'latin1');
      return { message: token, evidence: webauthn(auth.assert(mintChallenge(token)), certificate) };
    }, 'enrollment_certificate_expired');
  });

  it('a replayed challenge is refused by the signer two quorums share', async () => {
    const message = Buffer.from(tokenFor([1, 2]), 'latin1');
    const evidence = webauthn(tapOver(alice, message), alice.certificate);
    const first = await ask([1, 2], message, evidence);
    expect(first.get(1)).toMatchObject({ ok: {} });
    // Same signing input and tap, fresh round one: both signers remember the challenge.
    const replay = await ask([1, 2], message, evidence);
    expect(replay.get(1)).toMatchObject({ err: { code: 'evidence_replayed' } });
    expect(replay.get(2)).toMatchObject({ err: { code: 'evidence_replayed' } });
    // Routed to another pair, the token still names [1, 2]: nobody signs it.
    const elsewhere = await ask([2, 3], message, evidence);
    expect(elsewhere.get(2)).toMatchObject({ err: { code: 'signers_mismatch' } });
    expect(elsewhere.get(3)).toMatchObject({ err: { code: 'signers_mismatch' } });
  });

  it('every signer refuses to certify a registration made for another request, or roles policy does not grant', async () => {
    const { rpId, origin } = relyingParty(stack);
    const auth = new SoftAuthenticator(rpId, origin);
    const request = (roles: string[], sub = 'alice@example.com') => {
      const now = Math.floor(Date.now() / 1000);
      return {
        v: 1 as const,
        cert_id: randomBytes(16).toString('base64url'),
        sub,
        roles,
        iat: now,
        exp: now + 3600,
        kid,
      };
    };
    /** A registration, proven by `login`'s IdP sign-in for exactly this body unless null. */
    const enroll = async (
      req: ReturnType<typeof request>,
      challengeOf = req,
      login: string | null = req.sub,
    ) => {
      const reg = auth.register(registrationChallenge(challengeOf).toString('base64url'));
      const body = { ...req, credential_id: auth.credentialId, public_key: auth.publicKeyCose };
      const idToken = login ? await idTokenFor(stack, login, enrollmentProofNonce(body)) : '';
      return {
        message: enrollmentSigningInput(body),
        evidence: {
          kind: {
            $case: 'registration' as const,
            value: { responseJson: Buffer.from(JSON.stringify(reg)), idToken },
          },
        },
        purpose: SigningPurpose.SIGNING_PURPOSE_ENROLLMENT,
      };
    };
    await expectEveryoneRefuses(() => {
      const wanted = request(['developer']);
      return enroll({ ...wanted, roles: ['releaser'] }, wanted);
    }, 'registration_invalid');
    await expectEveryoneRefuses(() => enroll(request(['releaser'])), 'policy_denied');
    // A renewal (tap with the previous certificate) may not add roles.
    await expectEveryoneRefuses(() => {
      const previous = JSON.parse(alice.certificate.toString('utf8')) as EnrollmentCertificateBody;
      const now = Math.floor(Date.now() / 1000);
      const body = {
        ...previous,
        cert_id: randomBytes(16).toString('base64url'),
        roles: ['developer', 'releaser'],
        iat: now,
        exp: now + 3600,
      };
      delete (body as { signature?: string }).signature;
      const message = enrollmentSigningInput(body);
      return {
        message,
        evidence: webauthn(alice.auth.assert(mintChallenge(message)), alice.certificate),
        purpose: SigningPurpose.SIGNING_PURPOSE_ENROLLMENT,
      };
    }, 'renewal_mismatch');
    // Mallory is in no policy and has no IdP account: unproven, and not granted either.
    await expectEveryoneRefuses(
      () => enroll(request(['developer'], 'mallory@example.com'), undefined, null),
      'enrollment_unproven',
    );
  });
});
