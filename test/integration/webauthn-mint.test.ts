import { createVerifier } from '@frostmint/sdk';
import { SoftAuthenticator } from '@frostmint/test-support/webauthn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack } from '../harness.ts';
import { runCli } from '../support/cli-process.ts';
import { api, completeMint, enrollSoft, prepareMint } from '../support/webauthn-flow.ts';

type Stack = Awaited<ReturnType<typeof startTestStack>>;

describe('two-step WebAuthn mint through real processes (API level, software authenticator)', () => {
  let stack: Stack;
  let alice: SoftAuthenticator;
  let bob: SoftAuthenticator;
  beforeAll(async () => {
    stack = await startTestStack();
    alice = (await enrollSoft(stack, 'alice@example.com')).auth;
    bob = (await enrollSoft(stack, 'bob@example.com')).auth;
  });
  afterAll(async () => {
    await stack?.dispose();
  });

  const tap = (a: SoftAuthenticator, challenge: string, opts = {}) =>
    SoftAuthenticator.toJson(a.assert(Buffer.from(challenge, 'base64url'), opts));

  it('mints exactly the prepared token after the tap; the SDK verifies it', async () => {
    const prepared = await prepareMint(stack, { user: 'alice@example.com', ttl: 300 });
    expect(prepared.status).toBe(201);
    const { request_id, signing_input, claims, public_key } = prepared.body;
    expect(claims.frostmint.signers).toHaveLength(2);
    const done = await completeMint(stack, request_id, tap(alice, public_key.challenge));
    expect(done.status).toBe(200);
    const token = done.body.token!;
    expect(token.startsWith(`${signing_input}.`)).toBe(true);
    const verifier = createVerifier({
      issuer: stack.coordinatorUrl,
      audience: 'deploy-api',
      jwksUri: `${stack.coordinatorUrl}/.well-known/jwks.json`,
    });
    const verified = await verifier.verify(token, { requiredScopes: ['deploy:canary'] });
    expect(verified.claims.sub).toBe('alice@example.com');
    expect(verified.claims.amr).toEqual(['webauthn']);
    const status = await api(stack, 'GET', `/v1/mint/requests/${request_id}`);
    expect(status.body.status).toBe('minted');
    const metrics = await (await fetch(`${stack.coordinatorUrl}/metrics`)).text();
    expect(metrics).toContain('frostmint_mints_total{outcome="ok"} 1');
  });

  it('refuses a replayed assertion', async () => {
    const { body } = await prepareMint(stack, { user: 'alice@example.com' });
    const assertion = tap(alice, body.public_key.challenge);
    expect((await completeMint(stack, body.request_id, assertion)).status).toBe(200);
    const again = await completeMint(stack, body.request_id, assertion);
    expect(again.status).toBe(409);
    expect(again.body.error).toBe('request_not_pending');
  });

  it('refuses a tap from another origin, and an assertion for another request', async () => {
    const first = (await prepareMint(stack, { user: 'alice@example.com' })).body;
    const wrongOrigin = tap(alice, first.public_key.challenge, { origin: 'https://evil.example' });
    const refused = await completeMint(stack, first.request_id, wrongOrigin);
    expect(refused.status).toBe(403);
    expect(refused.body.error).toBe('assertion_invalid');
    const second = (await prepareMint(stack, { user: 'alice@example.com' })).body;
    const forFirst = tap(alice, first.public_key.challenge);
    const crossed = await completeMint(stack, second.request_id, forFirst);
    expect(crossed.body.error).toBe('assertion_invalid');
  });

  it("refuses another user's credential, without locking the user out", async () => {
    const { body } = await prepareMint(stack, { user: 'alice@example.com' });
    for (let i = 0; i < 6; i++) {
      const refused = await completeMint(
        stack,
        body.request_id,
        tap(bob, body.public_key.challenge),
      );
      expect(refused.status).toBe(403);
      expect(refused.body.error).toBe('credential_not_enrolled');
    }
    // Foreign credentials do not lock the user out: Alice's own tap still completes it.
    const own = await completeMint(stack, body.request_id, tap(alice, body.public_key.challenge));
    expect(own.status).toBe(200);
  });

  it('accepts always-0 counters and denies a decreasing counter', async () => {
    const second = (await enrollSoft(stack, 'bob@example.com')).auth;
    for (let i = 0; i < 2; i++) {
      const { body } = await prepareMint(stack, { user: 'bob@example.com' });
      const ok = await completeMint(
        stack,
        body.request_id,
        tap(second, body.public_key.challenge, { signCount: 0 }),
      );
      expect(ok.status).toBe(200);
    }
    const a = (await prepareMint(stack, { user: 'bob@example.com' })).body;
    expect(
      (
        await completeMint(
          stack,
          a.request_id,
          tap(second, a.public_key.challenge, { signCount: 10 }),
        )
      ).status,
    ).toBe(200);
    const b = (await prepareMint(stack, { user: 'bob@example.com' })).body;
    const regressed = await completeMint(
      stack,
      b.request_id,
      tap(second, b.public_key.challenge, { signCount: 5 }),
    );
    expect(regressed.status).toBe(403);
    expect(regressed.body.error).toBe('sign_count_regressed');
  });

  it('tells an unenrolled user what to do, and refuses scopes their roles lack', async () => {
    const none = await prepareMint(stack, { user: 'mallory@example.com' });
    expect(none.status).toBe(403);
    expect(none.body.error).toBe('not_enrolled');
    expect(none.body.message).toContain('frostmint enroll');
    const prod = await prepareMint(stack, { user: 'alice@example.com', scope: ['deploy:prod'] });
    expect(prod.status).toBe(403);
    expect(prod.body.message).toContain('scope_not_permitted:deploy:prod');
  });

  it('renews a certificate with a tap; revocation stops minting and renewal', async () => {
    const { auth, certificate } = await enrollSoft(stack, 'alice@example.com');
    const credentialId = auth.credentialId;
    const begun = await api<{ request_id: string; public_key: { challenge: string } }>(
      stack,
      'POST',
      `/v1/enrollments/${credentialId}/renewals`,
    );
    expect(begun.status).toBe(201);
    const renewed = await api<{ status: string; certificate: string }>(
      stack,
      'POST',
      `/v1/enrollments/renewals/${begun.body.request_id}/assertion`,
      tap(auth, begun.body.public_key.challenge),
    );
    expect(renewed.status).toBe(200);
    expect(renewed.body.status).toBe('renewed');
    expect(renewed.body.certificate).not.toBe(certificate.toString('utf8'));
    const operator = { authorization: `Bearer ${stack.layout.bearer}` };
    const revoked = await api(
      stack,
      'DELETE',
      `/v1/enrollments/${credentialId}`,
      { reason: 'laptop lost' },
      operator,
    );
    expect(revoked.status).toBe(200);
    const again = await api(stack, 'POST', `/v1/enrollments/${credentialId}/renewals`);
    expect(again.body.error).toBe('enrollment_revoked');
    const { body } = await prepareMint(stack, { user: 'alice@example.com' });
    const refused = await completeMint(
      stack,
      body.request_id,
      tap(auth, body.public_key.challenge),
    );
    expect(refused.status).toBe(403);
    expect(refused.body.error).toBe('enrollment_revoked');
  });

  it('`frostmint mint` on a headless box prints the URL, waits for the tap and prints shell exports', async () => {
    const coordinator = stack.layout.coordinator.webauthn!.origins[0]!;
    const cli = runCli([
      'mint',
      '--coordinator',
      coordinator,
      '--user',
      'alice@example.com',
      '--scope',
      'deploy:canary',
      '--aud',
      'deploy-api',
      '--format',
      'env',
    ]);
    const id = new URL(await cli.url).pathname.split('/').pop()!;
    const status = await api<{ public_key: { challenge: string } }>(
      stack,
      'GET',
      `/v1/mint/requests/${id}`,
    );
    expect(
      (await completeMint(stack, id, tap(alice, status.body.public_key.challenge))).body,
    ).toEqual(expect.objectContaining({ status: 'minted' }));
    const { code, stdout, stderr } = await cli.done;
    expect(code).toBe(0);
    expect(stderr).toContain('Open this URL');
    expect(stdout).toMatch(
      /^export FROSTMINT_TOKEN='[\w-]+\.[\w-]+\.[\w-]+'\nexport FROSTMINT_TOKEN_EXPIRES_AT=\d+\n$/,
    );
    const refused = runCli([
      'mint',
      '--coordinator',
      coordinator,
      '--user',
      'mallory@example.com',
      '--scope',
      'deploy:canary',
      '--aud',
      'deploy-api',
    ]);
    const failed = await refused.done;
    expect(failed.code).toBe(4);
    expect(failed.stderr).toContain('frostmint enroll');
  });

  it('fails clearly when a signer the request names is down; a new request uses the others', async () => {
    const { body } = await prepareMint(stack, { user: 'bob@example.com' });
    const [down] = body.claims.frostmint.signers;
    await stack.signers.get(down!)!.kill();
    try {
      const failed = await completeMint(
        stack,
        body.request_id,
        tap(bob, body.public_key.challenge),
      );
      expect(failed.status).toBe(503);
      expect(failed.body.error).toBe('signer_unavailable');
      expect(failed.body.message).toContain('start a new request');
      const status = await api(stack, 'GET', `/v1/mint/requests/${body.request_id}`);
      expect(status.body).toMatchObject({ status: 'denied', status_reason: 'signer_unavailable' });
      const retry = (await prepareMint(stack, { user: 'bob@example.com' })).body;
      expect(retry.claims.frostmint.signers).not.toContain(down);
      const done = await completeMint(
        stack,
        retry.request_id,
        tap(bob, retry.public_key.challenge),
      );
      expect(done.status).toBe(200);
    } finally {
      await stack.restartSigner(down!);
    }
  });

  it('keeps the dev bearer mint path working', async () => {
    const res = await api(
      stack,
      'POST',
      '/v1/mint',
      { scope: ['deploy:canary'], audience: 'deploy-api' },
      {
        authorization: `Bearer ${stack.layout.bearer}`,
      },
    );
    expect(res.status).toBe(200);
  });
});
