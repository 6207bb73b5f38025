import { createHmac, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  loadPolicyFiles,
  parseSigningInput,
  readGroupConfig,
  signingInput,
  type TokenClaims,
} from '@frostmint/core';
import { createVerifier } from '@frostmint/sdk';
import { startLocalIssuer } from '@frostmint/test-support/oidc-issuer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CI_AUDIENCE,
  mintWithIdToken,
  type OidcStack,
  startOidcStack,
} from '../support/oidc-stack.ts';
import { askToSign } from '../support/rogue-sign.ts';

const canary = { scope: ['deploy:canary'], audience: 'deploy-api', ttl: 600 };

describe('CI OIDC token exchange through the real stack (local issuer, three signer processes)', () => {
  let work: string;
  let env: OidcStack;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'frostmint-oidc-'));
    env = await startOidcStack(work);
  });
  afterAll(async () => {
    await env?.dispose();
    await rm(work, { recursive: true, force: true });
  });

  it('exchanges a CI ID token for a deploy token that the SDK verifies', async () => {
    const idToken = await env.issuer.issue({ aud: CI_AUDIENCE });
    const { status, body } = await mintWithIdToken(env.stack, idToken, canary);
    expect(status, JSON.stringify(body)).toBe(200);
    const verifier = createVerifier({
      issuer: env.stack.coordinatorUrl,
      audience: 'deploy-api',
      jwksUri: `${env.stack.coordinatorUrl}/.well-known/jwks.json`,
    });
    const verified = await verifier.verify(body.token!, { requiredScopes: ['deploy:canary'] });
    expect(verified.claims).toMatchObject({
      sub: 'repo:acme/app:environment:production',
      client_id: 'frostmint-ci',
      amr: ['oidc'],
      scope: 'deploy:canary',
    });
    verifier.close();
  });

  it('exchanges each ID token once: the replay is refused', async () => {
    const idToken = await env.issuer.issue({ aud: CI_AUDIENCE });
    expect((await mintWithIdToken(env.stack, idToken, canary)).status).toBe(200);
    expect(await mintWithIdToken(env.stack, idToken, canary)).toMatchObject({
      status: 401,
      body: { error: 'oidc_token_replayed' },
    });
  });

  it('spends an ID token only when it mints: a policy-refused exchange leaves it usable', async () => {
    const idToken = await env.issuer.issue({ aud: CI_AUDIENCE, ref: 'refs/heads/feature' });
    const prod = { scope: ['deploy:prod'], audience: 'deploy-api', ttl: 600 };
    expect(await mintWithIdToken(env.stack, idToken, prod)).toMatchObject({
      status: 403,
      body: { error: 'policy_denied' },
    });
    expect((await mintWithIdToken(env.stack, idToken, canary)).status).toBe(200);
    expect(await mintWithIdToken(env.stack, idToken, canary)).toMatchObject({
      status: 401,
      body: { error: 'oidc_token_replayed' },
    });
  });

  it('refuses untrusted issuers, other audiences, expired tokens and alg confusion with 401', async () => {
    const stranger = await startLocalIssuer();
    try {
      const now = Math.floor(Date.now() / 1000);
      const good = (await env.issuer.issue({ aud: CI_AUDIENCE })).split('.');
      const hsHeader = Buffer.from(
        JSON.stringify({ alg: 'HS256', kid: env.issuer.publicJwk.kid }),
      ).toString('base64url');
      const hsMac = createHmac('sha256', JSON.stringify(env.issuer.publicJwk))
        .update(`${hsHeader}.${good[1]}`)
        .digest('base64url');
      const cases: [string, string][] = [
        [await stranger.issue({ aud: CI_AUDIENCE }), 'oidc_issuer_untrusted'],
        [await env.issuer.issue({ aud: 'someone-else' }), 'oidc_audience_invalid'],
        [await env.issuer.issue({ aud: CI_AUDIENCE }, { now: now - 3_600 }), 'oidc_token_expired'],
        [`${hsHeader}.${good[1]}.${hsMac}`, 'oidc_alg_not_allowed'],
      ];
      for (const [idToken, code] of cases) {
        expect(await mintWithIdToken(env.stack, idToken, canary)).toMatchObject({
          status: 401,
          body: { error: code },
        });
      }
    } finally {
      await stranger.close();
    }
  });

  it('policy maps claims to scopes: another repository, or deploy:prod from a branch, is refused', async () => {
    const other = await env.issuer.issue({ aud: CI_AUDIENCE, repository: 'acme/other' });
    expect(await mintWithIdToken(env.stack, other, canary)).toMatchObject({
      status: 403,
      body: {
        error: 'policy_denied',
        message: expect.stringMatching(/scope_not_permitted:deploy:canary/),
      },
    });
    const branch = await env.issuer.issue({ aud: CI_AUDIENCE, ref: 'refs/heads/feature' });
    const prod = { scope: ['deploy:prod'], audience: 'deploy-api', ttl: 600 };
    expect(await mintWithIdToken(env.stack, branch, prod)).toMatchObject({
      status: 403,
      body: { message: expect.stringMatching(/scope_not_permitted:deploy:prod/) },
    });
  });

  describe('signers verify the ID token themselves (hand-driven rogue coordinator)', () => {
    let kid: string;
    let policyId: string;
    beforeAll(async () => {
      kid = (await readGroupConfig(env.stack.layout.coordinator.stateDir))!.kid;
      policyId = (await loadPolicyFiles(env.policy)).id;
    });
    const header = () => ({ alg: 'EdDSA', typ: 'at+jwt', kid }) as const;
    const claims = (over: Partial<TokenClaims> = {}): TokenClaims => {
      const now = Math.floor(Date.now() / 1000);
      return {
        iss: env.stack.coordinatorUrl,
        sub: 'repo:acme/app:environment:production',
        aud: 'deploy-api',
        scope: 'deploy:canary',
        iat: now,
        nbf: now,
        exp: now + 600,
        jti: randomBytes(16).toString('base64url'),
        client_id: 'frostmint-ci',
        amr: ['oidc'],
        frostmint: { signers: [1, 2], policy: policyId },
        ...over,
      };
    };
    const oidc = (idToken: string) => ({
      evidence: { kind: { $case: 'oidc' as const, value: { idToken } } },
    });
    /** Signers 1 and 2 must each refuse a token with `over` on `idToken` with `code`. */
    const expectBothRefuse = async (idToken: string, over: Partial<TokenClaims>, code: string) => {
      for (const target of [1, 2]) {
        const { first } = await askToSign(
          env.stack,
          target,
          signingInput(header(), claims(over)),
          oidc(idToken),
        );
        expect(first, `${JSON.stringify(over)} at signer ${target}`).toMatchObject({
          err: { code },
        });
      }
    };

    it('every signer refuses an ID token replayed for another token, and accepts it again for the same token', async () => {
      const idToken = await env.issuer.issue({ aud: CI_AUDIENCE });
      const first = claims();
      for (const target of [1, 2]) {
        const { first: answer } = await askToSign(
          env.stack,
          target,
          signingInput(header(), first),
          oidc(idToken),
        );
        expect(answer).toMatchObject({ ok: { signerId: target } });
      }
      // The same token in a retried round (another commitment) is the same mint.
      const retry = await askToSign(env.stack, 1, signingInput(header(), first), oidc(idToken));
      expect(retry.first).toMatchObject({ ok: { signerId: 1 } });
      for (const target of [1, 2]) {
        const { first: answer } = await askToSign(
          env.stack,
          target,
          signingInput(header(), claims()),
          oidc(idToken),
        );
        expect(answer).toMatchObject({ err: { code: 'oidc_token_replayed' } });
      }
    });

    it('a signer of a coordinator mint refuses the same ID token replayed to it directly', async () => {
      const idToken = await env.issuer.issue({ aud: CI_AUDIENCE });
      const minted = await mintWithIdToken(env.stack, idToken, canary);
      expect(minted.status).toBe(200);
      const { claims: mintedClaims } = parseSigningInput(
        minted.body.token!.split('.').slice(0, 2).join('.'),
      );
      for (const target of mintedClaims.frostmint.signers) {
        const others = [1, 2, 3].filter((id) => id !== target);
        const set = [target, others[0]!].sort();
        const { first } = await askToSign(
          env.stack,
          target,
          signingInput(header(), claims({ frostmint: { signers: set, policy: policyId } })),
          oidc(idToken),
          set,
        );
        expect(first).toMatchObject({ err: { code: 'oidc_token_replayed' } });
      }
    });

    it('every signer refuses claims that OIDC evidence does not back (claims follow evidence)', async () => {
      const mismatched: Partial<TokenClaims>[] = [
        { amr: ['dev'] },
        { amr: ['webauthn'] },
        { amr: ['oidc', 'webauthn'] },
        { amr: undefined },
        { client_id: 'frostmint-dev' },
        { client_id: 'frostmint-cli' },
        { client_id: 'someone-else' },
        { sub: 'repo:acme/other:environment:production' },
      ];
      // One ID token for every case: a refused attempt never spends it.
      const idToken = await env.issuer.issue({ aud: CI_AUDIENCE });
      for (const over of mismatched) {
        await expectBothRefuse(idToken, over, 'claims_evidence_mismatch');
      }
    });

    it('a refused attempt leaves the ID token usable; once a share is produced it is spent', async () => {
      const idToken = await env.issuer.issue({ aud: CI_AUDIENCE });
      await expectBothRefuse(idToken, { aud: 'billing-api' }, 'policy_denied');
      const token = signingInput(header(), claims());
      for (const target of [1, 2]) {
        const { first } = await askToSign(env.stack, target, token, oidc(idToken));
        expect(first, `signer ${target}`).toMatchObject({ ok: { signerId: target } });
      }
      for (const target of [1, 2]) {
        const { first } = await askToSign(
          env.stack,
          target,
          signingInput(header(), claims()),
          oidc(idToken),
        );
        expect(first, `signer ${target}`).toMatchObject({ err: { code: 'oidc_token_replayed' } });
      }
    });

    it('every signer refuses forged, untrusted, mismatched and policy-refused OIDC evidence', async () => {
      const stranger = await startLocalIssuer();
      try {
        const forged = (await env.issuer.issue({ aud: CI_AUDIENCE })).split('.');
        forged[2] = (await stranger.issue()).split('.')[2]!;
        const cases: [string, Partial<TokenClaims>, string][] = [
          [forged.join('.'), {}, 'oidc_signature_invalid'],
          [await stranger.issue({ aud: CI_AUDIENCE }), {}, 'oidc_issuer_untrusted'],
          [
            await env.issuer.issue({ aud: CI_AUDIENCE, sub: 'repo:acme/app:ref:refs/heads/x' }),
            {},
            'claims_evidence_mismatch',
          ],
          [
            await env.issuer.issue({ aud: CI_AUDIENCE, repository: 'acme/other' }),
            {},
            'policy_denied',
          ],
        ];
        for (const [idToken, over, code] of cases) await expectBothRefuse(idToken, over, code);
      } finally {
        await stranger.close();
      }
    });
  });
});
