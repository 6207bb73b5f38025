import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { DEMO_POLICY } from '@frostmint/cli';
import { loadPolicyFiles, readGroupConfig, signingInput, type TokenClaims } from '@frostmint/core';
import type { Evidence } from '@frostmint/proto';
import { createVerifier, expressAuth, type FrostmintRequest, type Verifier } from '@frostmint/sdk';
import { SoftAuthenticator } from '@frostmint/test-support/webauthn';
import { generateKeyPair, generateProof, type KeyPair } from 'dpop';
import express from 'express';
import { calculateJwkThumbprint, decodeJwt, exportJWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MintAnswer, startTestStack } from '../harness.ts';
import { askQuorum, SIGNER_PAIRS } from '../support/rogue-sign.ts';
import { api, completeMint, enrollSoft, type Prepared } from '../support/webauthn-flow.ts';

type Stack = Awaited<ReturnType<typeof startTestStack>>;

const DEV_EVIDENCE: Evidence = { kind: { $case: 'dev', value: { subject: 'dev@localhost' } } };

/** A client's DPoP key (made by the `dpop` package, as a third-party client would) and its thumbprint. */
async function clientKey(): Promise<KeyPair & { jkt: string }> {
  const pair = await generateKeyPair('ES256');
  return { ...pair, jkt: await calculateJwkThumbprint(await exportJWK(pair.publicKey)) };
}

describe('DPoP-bound tokens (RFC 9449) through the real stack', () => {
  let stack: Stack;
  let mintUrl: string;
  let alice: Awaited<ReturnType<typeof clientKey>>;
  let mallory: Awaited<ReturnType<typeof clientKey>>;

  beforeAll(async () => {
    stack = await startTestStack();
    mintUrl = `${stack.coordinatorUrl}/v1/mint`;
    alice = await clientKey();
    mallory = await clientKey();
  });
  afterAll(async () => {
    await stack?.dispose();
  });

  const mintWith = async (body: object, dpop?: string): Promise<MintAnswer> => {
    const res = await fetch(mintUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${stack.layout.bearer}`,
        ...(dpop === undefined ? {} : { dpop }),
      },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as MintAnswer['body'] };
  };
  const DEMO = { scope: ['deploy:canary'], audience: 'deploy-api' };

  it('mints a token bound to the proof key (cnf.jkt, token_type DPoP)', async () => {
    const { status, body } = await mintWith(DEMO, await generateProof(alice, mintUrl, 'POST'));
    expect(status).toBe(200);
    expect(body.token_type).toBe('DPoP');
    expect(decodeJwt(body.token!).cnf).toEqual({ jkt: alice.jkt });
  });

  it('the coordinator refuses a proof for another URL or method, and a replayed one', async () => {
    const other = await mintWith(DEMO, await generateProof(alice, `${mintUrl}/requests`, 'POST'));
    expect(other).toMatchObject({ status: 400, body: { error: 'dpop_proof_invalid' } });
    const get = await mintWith(DEMO, await generateProof(alice, mintUrl, 'GET'));
    expect(get).toMatchObject({ status: 400, body: { error: 'dpop_proof_invalid' } });
    const proof = await generateProof(alice, mintUrl, 'POST');
    expect((await mintWith(DEMO, proof)).status).toBe(200);
    expect(await mintWith(DEMO, proof)).toMatchObject({
      status: 400,
      body: { error: 'dpop_proof_replayed' },
    });
  });

  it('policy: a require_dpop scope (deploy:bound) is minted only sender-constrained', async () => {
    const bound = { scope: ['deploy:bound'], audience: 'deploy-api' };
    const bearer = await mintWith(bound);
    expect(bearer.status).toBe(403);
    expect(bearer.body.message).toContain('dpop_required:deploy:bound');
    const dpop = await mintWith(bound, await generateProof(alice, mintUrl, 'POST'));
    expect(dpop.status).toBe(200);
  });

  describe('the two-step WebAuthn mint (proof at prepare, tap approves claims with cnf)', () => {
    let carol: SoftAuthenticator;
    beforeAll(async () => {
      carol = (await enrollSoft(stack, 'carol@example.com')).auth;
    });
    const prepare = (scope: string, headers: Record<string, string> = {}) =>
      api<Prepared & { claims: { cnf?: unknown } }>(
        stack,
        'POST',
        '/v1/mint/requests',
        { user: 'carol@example.com', scope: [scope], audience: 'deploy-api' },
        headers,
      );
    const tap = (challenge: string) =>
      SoftAuthenticator.toJson(carol.assert(Buffer.from(challenge, 'base64url')));

    it('mints the prepared bound token once the engineer taps; the signers verify the stored proof', async () => {
      const dpop = await generateProof(alice, mintUrl, 'POST');
      const prepared = await prepare('deploy:bound', { dpop });
      expect(prepared.status, JSON.stringify(prepared.body)).toBe(201);
      expect(prepared.body.claims.cnf).toEqual({ jkt: alice.jkt });
      const done = await completeMint(
        stack,
        prepared.body.request_id,
        tap(prepared.body.public_key.challenge),
      );
      expect(done.status, JSON.stringify(done.body)).toBe(200);
      const body = done.body as { token?: string; token_type?: string };
      expect(body.token_type).toBe('DPoP');
      expect(decodeJwt(body.token!).cnf).toEqual({ jkt: alice.jkt });
    });

    it('refuses a require_dpop scope without a proof, and a DPoP header on the other routes', async () => {
      const bearer = await prepare('deploy:bound');
      expect(bearer.status).toBe(403);
      expect(bearer.body.message).toContain('dpop_required:deploy:bound');
      const other = await api(
        stack,
        'POST',
        '/v1/mint/requests/x/assertion',
        {},
        {
          dpop: await generateProof(alice, mintUrl, 'POST'),
        },
      );
      expect(other).toMatchObject({ status: 400, body: { error: 'dpop_unsupported' } });
    });
  });

  describe('a resource server using the SDK middleware', () => {
    let verifier: Verifier;
    let app: { url: string; close: () => Promise<void> };
    let token: string;

    beforeAll(async () => {
      verifier = createVerifier({
        issuer: stack.coordinatorUrl,
        audience: 'deploy-api',
        jwksUri: `${stack.coordinatorUrl}/.well-known/jwks.json`,
      });
      const server = express()
        .post('/deploy', expressAuth(verifier, { realm: 'deploy-api' }), (req, res) => {
          res.json({ sub: (req as FrostmintRequest).frostmint?.claims.sub });
        })
        .listen(0, '127.0.0.1');
      await new Promise((resolve) => server.once('listening', resolve));
      app = {
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        close: () => new Promise((resolve) => server.close(() => resolve())),
      };
      const minted = await mintWith(DEMO, await generateProof(alice, mintUrl, 'POST'));
      token = minted.body.token!;
    });
    afterAll(async () => {
      verifier?.close();
      await app?.close();
    });

    const call = (headers: Record<string, string>, method = 'POST') =>
      fetch(`${app.url}/deploy`, { method, headers }).then(async (res) => ({
        status: res.status,
        error: res.status === 200 ? undefined : ((await res.json()) as { error: string }).error,
        challenge: res.headers.get('www-authenticate'),
      }));

    it('accepts the holder of the key with a valid proof', async () => {
      const proof = await generateProof(alice, `${app.url}/deploy`, 'POST', undefined, token);
      expect(await call({ authorization: `DPoP ${token}`, dpop: proof })).toMatchObject({
        status: 200,
      });
    });

    it('refuses the stolen token without the key, as Bearer or with a proof by another key', async () => {
      const asBearer = await call({ authorization: `Bearer ${token}` });
      expect(asBearer).toMatchObject({ status: 401, error: 'dpop_proof_missing' });
      expect(asBearer.challenge).toMatch(/^DPoP .*error="invalid_token"/);
      const thief = await generateProof(mallory, `${app.url}/deploy`, 'POST', undefined, token);
      expect(await call({ authorization: `DPoP ${token}`, dpop: thief })).toMatchObject({
        status: 401,
        error: 'dpop_binding_mismatch',
      });
    });

    it('refuses a proof for another URL, another method, a replay, another token (ath)', async () => {
      const url = `${app.url}/deploy`;
      const otherUrl = await generateProof(alice, `${app.url}/admin`, 'POST', undefined, token);
      const otherMethod = await generateProof(alice, url, 'GET', undefined, token);
      const fresh = await generateProof(alice, url, 'POST', undefined, token);
      expect((await call({ authorization: `DPoP ${token}`, dpop: fresh })).status).toBe(200);
      const other = (await mintWith(DEMO, await generateProof(alice, mintUrl, 'POST'))).body.token!;
      const forOther = await generateProof(alice, url, 'POST', undefined, other);
      const cases: Array<[string, string]> = [
        [otherUrl, 'dpop_proof_invalid'],
        [otherMethod, 'dpop_proof_invalid'],
        [fresh, 'dpop_proof_replayed'],
        [forOther, 'dpop_binding_mismatch'],
      ];
      for (const [dpop, error] of cases) {
        const answer = await call({ authorization: `DPoP ${token}`, dpop });
        expect(answer).toMatchObject({ status: 401, error });
        expect(answer.challenge).toContain('algs="EdDSA ES256 ES384"');
      }
    });
  });

  describe('every signer verifies the proof itself (rogue coordinator, real mTLS identity)', () => {
    let kid: string;
    let policy: string;
    beforeAll(async () => {
      kid = (await readGroupConfig(stack.layout.coordinator.stateDir))!.kid;
      policy = (await loadPolicyFiles(DEMO_POLICY)).id;
    });

    const message = (signers: number[], over: Partial<TokenClaims> = {}) => {
      const now = Math.floor(Date.now() / 1000);
      const claims: TokenClaims = {
        iss: stack.coordinatorUrl,
        sub: 'dev@localhost',
        aud: 'deploy-api',
        scope: 'deploy:canary',
        iat: now,
        nbf: now,
        exp: now + 600,
        jti: randomBytes(16).toString('base64url'),
        client_id: 'frostmint-dev',
        amr: ['dev'],
        frostmint: { signers, policy },
        ...over,
      };
      return Buffer.from(signingInput({ alg: 'EdDSA', typ: 'at+jwt', kid }, claims), 'latin1');
    };

    /** Asks every signer (as part of each pair) to sign; returns each refusal code. */
    const everySigner = async (
      over: (pair: number[]) => Partial<TokenClaims>,
      dpopProof: () => Promise<string>,
    ) => {
      const codes: string[] = [];
      for (const pair of SIGNER_PAIRS) {
        const outcomes = await askQuorum(stack, pair, {
          message: message([...pair], over([...pair])),
          evidence: DEV_EVIDENCE,
          dpopProof: await dpopProof(),
        });
        for (const outcome of outcomes.values()) {
          codes.push('err' in outcome ? outcome.err.code : 'signed');
        }
      }
      return codes;
    };

    it('refuses a token bound to the coordinator’s own key without the requester’s proof', async () => {
      const codes = await everySigner(
        () => ({ cnf: { jkt: mallory.jkt } }),
        async () => '',
      );
      expect(codes).toEqual(Array(6).fill('dpop_proof_missing'));
    });

    it('refuses a token bound to another key than the requester’s proof', async () => {
      const codes = await everySigner(
        () => ({ cnf: { jkt: mallory.jkt } }),
        () => generateProof(alice, mintUrl, 'POST'),
      );
      expect(codes).toEqual(Array(6).fill('dpop_binding_mismatch'));
    });

    it('refuses a proof made for another endpoint, a stale proof, and a proof with an unbound token', async () => {
      const bound = () => ({ cnf: { jkt: alice.jkt } });
      expect(
        await everySigner(bound, () =>
          generateProof(alice, `${stack.coordinatorUrl}/other`, 'POST'),
        ),
      ).toEqual(Array(6).fill('dpop_proof_invalid'));
      const stale = Math.floor(Date.now() / 1000) - 120;
      expect(
        await everySigner(bound, async () =>
          new SignJWT({
            jti: randomBytes(16).toString('base64url'),
            htm: 'POST',
            htu: mintUrl,
            iat: stale,
          })
            .setProtectedHeader({
              alg: 'ES256',
              typ: 'dpop+jwt',
              jwk: await exportJWK(alice.publicKey),
            })
            .sign(alice.privateKey),
        ),
      ).toEqual(Array(6).fill('dpop_proof_invalid'));
      expect(
        await everySigner(
          () => ({}),
          () => generateProof(alice, mintUrl, 'POST'),
        ),
      ).toEqual(Array(6).fill('dpop_binding_mismatch'));
    });

    it('computes dpop_bound itself: a bearer token for a require_dpop scope is refused', async () => {
      const codes = await everySigner(
        () => ({ scope: 'deploy:bound' }),
        async () => '',
      );
      expect(codes).toEqual(Array(6).fill('policy_denied'));
    });

    it('co-signs with the requester’s valid proof, once: the proof cannot bind another token', async () => {
      const proof = await generateProof(alice, mintUrl, 'POST');
      const first = await askQuorum(stack, [1, 2], {
        message: message([1, 2], { cnf: { jkt: alice.jkt }, scope: 'deploy:bound' }),
        evidence: DEV_EVIDENCE,
        dpopProof: proof,
      });
      expect([...first.values()].map((o) => ('ok' in o ? 'signed' : o.err.code))).toEqual([
        'signed',
        'signed',
      ]);
      const again = await askQuorum(stack, [1, 2], {
        message: message([1, 2], { cnf: { jkt: alice.jkt } }),
        evidence: DEV_EVIDENCE,
        dpopProof: proof,
      });
      expect([...again.values()].map((o) => ('ok' in o ? 'signed' : o.err.code))).toEqual([
        'dpop_proof_replayed',
        'dpop_proof_replayed',
      ]);
    });
  });
});
