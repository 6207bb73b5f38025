import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DevIdp, startDevIdp } from '@frostmint/cli';
import {
  type EnrollmentCertificateBody,
  encodeEnrollmentCertificate,
  enrollmentProofNonce,
  enrollmentRequestOf,
  enrollmentSigningInput,
  groupPublicKeyOf,
  loadGroup,
  readGroupConfig,
  registrationChallenge,
} from '@frostmint/core';
import { type Evidence, SigningPurpose } from '@frostmint/proto';
import { SoftAuthenticator } from '@frostmint/test-support/webauthn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack } from '../harness.ts';
import { runCli } from '../support/cli-process.ts';
import { idTokenFor } from '../support/idp-login.ts';
import { askQuorum, SIGNER_PAIRS } from '../support/rogue-sign.ts';
import { api, enrollSoft, relyingParty } from '../support/webauthn-flow.ts';

type Stack = Awaited<ReturnType<typeof startTestStack>>;

const ALICE = 'alice@example.com';
/** ID tokens of the test's OpenID Provider live this long (seconds); signers allow 1 s skew. */
const ID_TOKEN_TTL = 10;

/**
 * The enrollment takeover (issue 12, item 1) tried by a rogue coordinator with its real
 * mTLS identity, straight against the signers' gRPC: a certificate request for alice with a
 * passkey of its own. Every signer must refuse unless an IdP login of alice bound to exactly
 * that request and passkey (or the guardian approvals policy demands) proves it. The IdP is
 * a real OpenID Provider (`oidc-provider`), signed in to through the CLI's own
 * authorization code + PKCE client.
 */
describe('enrollment needs proof the coordinator cannot make (rogue coordinator)', () => {
  let stack: Stack;
  let kid: string;
  let rogueIdp: DevIdp;
  beforeAll(async () => {
    stack = await startTestStack(undefined, {
      idTokenTtlSeconds: ID_TOKEN_TTL,
      clockSkewSeconds: 1,
    });
    kid = (await readGroupConfig(stack.layout.coordinator.stateDir))!.kid;
    // An OpenID Provider no signer trusts (the rogue coordinator could run one).
    rogueIdp = await startDevIdp();
  }, 240_000);
  afterAll(async () => {
    await rogueIdp?.stop();
    await stack?.dispose();
  });

  /** The rogue coordinator's own passkey, registered for a fresh certificate request. */
  const takeover = (sub = ALICE, roles = ['developer']) => {
    const { rpId, origin } = relyingParty(stack);
    const auth = new SoftAuthenticator(rpId, origin);
    const now = Math.floor(Date.now() / 1000);
    const request = {
      v: 1 as const,
      cert_id: randomBytes(16).toString('base64url'),
      sub,
      roles,
      iat: now,
      exp: now + 3600,
      kid,
    };
    const registration = auth.register(registrationChallenge(request).toString('base64url'));
    const body: EnrollmentCertificateBody = {
      ...request,
      credential_id: auth.credentialId,
      public_key: auth.publicKeyCose,
    };
    return { auth, body, registration, nonce: enrollmentProofNonce(body) };
  };

  const evidence = (registration: unknown, idToken = ''): Evidence => ({
    kind: {
      $case: 'registration',
      value: { responseJson: Buffer.from(JSON.stringify(registration)), idToken },
    },
  });

  /** Asks every pair to certify; every signer of every pair must refuse with `code`. */
  const expectEveryoneRefuses = async (
    attempt: ReturnType<typeof takeover>,
    idToken: string,
    code: string,
  ) => {
    for (const pair of SIGNER_PAIRS) {
      const outcomes = await askQuorum(stack, pair, {
        message: enrollmentSigningInput(attempt.body),
        evidence: evidence(attempt.registration, idToken),
        purpose: SigningPurpose.SIGNING_PURPOSE_ENROLLMENT,
      });
      for (const id of pair) {
        expect(outcomes.get(id), `signer ${id}`).toMatchObject({ err: { code } });
      }
    }
  };

  it('without proof, every signer refuses to certify the rogue passkey for alice', async () => {
    await expectEveryoneRefuses(takeover(), '', 'enrollment_unproven');
  });

  it('refuses an ID token of another user (bob) bound to this very request', async () => {
    const attempt = takeover();
    const bobs = await idTokenFor(stack, 'bob@example.com', attempt.nonce);
    await expectEveryoneRefuses(attempt, bobs, 'enrollment_unproven');
  });

  it("refuses alice's genuine login made for another passkey (nonce mismatch)", async () => {
    // Alice signs in for her own registration; the rogue coordinator swaps in its passkey.
    const honest = takeover();
    const aliceLogin = await idTokenFor(stack, ALICE, honest.nonce);
    const rogue = { ...takeover(), body: { ...honest.body } };
    rogue.body.credential_id = rogue.auth.credentialId;
    rogue.body.public_key = rogue.auth.publicKeyCose;
    rogue.registration = rogue.auth.register(
      registrationChallenge(enrollmentRequestOf(honest.body)).toString('base64url'),
    );
    await expectEveryoneRefuses(rogue, aliceLogin, 'enrollment_id_token_nonce_mismatch');
  });

  it('refuses an expired ID token', async () => {
    const attempt = takeover();
    const stale = await idTokenFor(stack, ALICE, attempt.nonce);
    await new Promise((r) => setTimeout(r, (ID_TOKEN_TTL + 2) * 1000));
    await expectEveryoneRefuses(attempt, stale, 'oidc_token_expired');
  });

  it('refuses an ID token from an issuer the signers do not trust', async () => {
    const attempt = takeover();
    const foreign = await idTokenFor(stack, ALICE, attempt.nonce, rogueIdp);
    await expectEveryoneRefuses(attempt, foreign, 'oidc_issuer_untrusted');
  });

  it("co-signs with alice's own login for exactly this passkey, once", async () => {
    const attempt = takeover();
    const idToken = await idTokenFor(stack, ALICE, attempt.nonce);
    const message = enrollmentSigningInput(attempt.body);
    const outcomes = await askQuorum(stack, [1, 2], {
      message,
      evidence: evidence(attempt.registration, idToken),
      purpose: SigningPurpose.SIGNING_PURPOSE_ENROLLMENT,
    });
    expect(outcomes.get(1)).toMatchObject({ ok: { signerId: 1 } });
    expect(outcomes.get(2)).toMatchObject({ ok: { signerId: 2 } });
    const group = loadGroup(
      groupPublicKeyOf((await readGroupConfig(stack.layout.coordinator.stateDir))!),
    );
    const shares = new Map(
      [...outcomes].map(([id, o]) => [id, ('ok' in o ? o.ok : undefined)!.signatureShare]),
    );
    const signature = group.aggregate(
      outcomes.commits!.map((c) => ({ id: c.signerId, hiding: c.hiding, binding: c.binding })),
      message,
      shares,
    );
    expect(encodeEnrollmentCertificate(attempt.body, signature).length).toBeGreaterThan(0);
    // The same login again (the signer 1 and 3 share): single use.
    const again = await askQuorum(stack, [1, 3], {
      message,
      evidence: evidence(attempt.registration, idToken),
      purpose: SigningPurpose.SIGNING_PURPOSE_ENROLLMENT,
    });
    expect(again.get(1)).toMatchObject({ err: { code: 'evidence_replayed' } });
  });

  it('the coordinator checks the ID token up front, and the real enrollment path works', async () => {
    const { rpId, origin } = relyingParty(stack);
    const auth = new SoftAuthenticator(rpId, origin);
    const bearer = { authorization: `Bearer ${stack.layout.bearer}` };
    const begun = await api<{ request_id: string; public_key: { challenge: string } }>(
      stack,
      'POST',
      '/v1/enrollments',
      { user: ALICE, roles: ['developer'] },
      bearer,
    );
    expect(begun.status).toBe(201);
    const path = `/v1/enrollments/requests/${begun.body.request_id}`;
    const registered = await api<{ status_reason: string; id_token_nonce: string }>(
      stack,
      'POST',
      `${path}/registration`,
      auth.register(begun.body.public_key.challenge),
    );
    expect(registered.body).toMatchObject({
      status: 'pending',
      status_reason: 'awaiting_id_token',
      idp: { issuer: stack.idp.issuer, client_id: stack.idp.clientId },
    });
    const nonce = registered.body.id_token_nonce;
    const polled = await api(stack, 'GET', path);
    expect(polled.body).toMatchObject({
      status_reason: 'awaiting_id_token',
      id_token_nonce: nonce,
    });
    const bobs = await api(stack, 'POST', `${path}/id-token`, {
      id_token: await idTokenFor(stack, 'bob@example.com', nonce),
    });
    expect(bobs).toMatchObject({ status: 403, body: { error: 'enrollment_unproven' } });
    const wrongNonce = await api(stack, 'POST', `${path}/id-token`, {
      id_token: await idTokenFor(stack, ALICE, takeover().nonce),
    });
    expect(wrongNonce).toMatchObject({
      status: 403,
      body: { error: 'enrollment_id_token_nonce_mismatch' },
    });
    const done = await api<{ certificate: string }>(stack, 'POST', `${path}/id-token`, {
      id_token: await idTokenFor(stack, ALICE, nonce),
    });
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    expect(done.body).toMatchObject({ status: 'enrolled', user: ALICE });
    // The test helper enrollSoft walks the same path.
    const enrolled = await enrollSoft(stack, 'bob@example.com');
    expect(enrolled.certificate.length).toBeGreaterThan(0);
  });

  it('`frostmint enroll --id-token-file` (headless): prints the nonce after the tap, reads the file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'frostmint-idtoken-'));
    const file = join(dir, 'id-token');
    const coordinator = stack.layout.coordinator.webauthn!.origins[0]!;
    const cli = runCli(
      ['enroll', '--coordinator', coordinator, '--user', ALICE, '--id-token-file', file],
      { FROSTMINT_OPERATOR_TOKEN: stack.layout.bearer },
    );
    try {
      const id = new URL(await cli.url).pathname.split('/').pop()!;
      const path = `/v1/enrollments/requests/${id}`;
      const status = await api<{ public_key: { challenge: string } }>(stack, 'GET', path);
      const { rpId, origin } = relyingParty(stack);
      const auth = new SoftAuthenticator(rpId, origin);
      await api(
        stack,
        'POST',
        `${path}/registration`,
        auth.register(status.body.public_key.challenge),
      );
      await expect
        .poll(() => /with nonce (\S+) to/.exec(cli.stderr())?.[1], { timeout: 30_000 })
        .toMatch(/^[A-Za-z0-9_-]{43}$/);
      const nonce = /with nonce (\S+) to/.exec(cli.stderr())![1]!;
      await writeFile(file, await idTokenFor(stack, ALICE, nonce));
      const { code, stdout, stderr } = await cli.done;
      expect(code, stderr).toBe(0);
      expect(JSON.parse(stdout)).toMatchObject({ status: 'enrolled', user: ALICE });
    } finally {
      cli.child.kill();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
