import type { AddressInfo } from 'node:net';
import express from 'express';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type BearerAuthOptions,
  createVerifier,
  expressAuth,
  type FrostmintRequest,
  fastifyAuth,
  type VerifiedToken,
  type Verifier,
} from '../src/index.ts';
import { newProofKey, type ProofKey, proof } from './support/proofs.ts';
import { AUDIENCE, ISSUER, mint, newSigningKey, type SigningKey } from './support/tokens.ts';

const REALM = 'deploy-api';
/** The public origin the service is configured with (it listens on loopback behind it). */
const ORIGIN = 'https://api.test';
const ALGS = 'algs="EdDSA ES256 ES384"';

type StartApp = (
  verifier: Verifier,
  options: BearerAuthOptions,
) => Promise<{ url: string; close: () => Promise<void> }>;

const startExpress: StartApp = async (verifier, options) => {
  const app = express();
  const router = express.Router();
  router.post('/deploy', expressAuth(verifier, { realm: REALM, ...options }), (req, res) => {
    res.json({ sub: (req as FrostmintRequest).frostmint?.claims.sub });
  });
  app.use('/api', router);
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
};

const startFastify: StartApp = async (verifier, options) => {
  const app = Fastify();
  app.decorateRequest('frostmint', undefined);
  app.post(
    '/api/deploy',
    { onRequest: fastifyAuth(verifier, { realm: REALM, ...options }) },
    async (request) => ({ sub: (request as { frostmint?: VerifiedToken }).frostmint?.claims.sub }),
  );
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return { url, close: () => app.close() };
};

let issuerKey: SigningKey;
let alice: ProofKey;
let mallory: ProofKey;
let verifier: Verifier;

beforeAll(async () => {
  issuerKey = await newSigningKey();
  alice = await newProofKey();
  mallory = await newProofKey();
  verifier = createVerifier({
    issuer: ISSUER,
    audience: AUDIENCE,
    jwks: { keys: [issuerKey.jwk] },
  });
});

describe.each([
  ['Express', startExpress],
  ['Fastify', startFastify],
])('%s middleware with DPoP', (_name, start) => {
  let app: Awaited<ReturnType<StartApp>>;
  let hostDerived: Awaited<ReturnType<StartApp>>;
  let bound: string;

  beforeAll(async () => {
    app = await start(verifier, { origin: ORIGIN });
    hostDerived = await start(verifier, {});
    bound = await mint(issuerKey, { claims: { cnf: { jkt: alice.jkt } } });
  });
  afterAll(async () => {
    await app.close();
    await hostDerived.close();
  });

  const post = (headers: Record<string, string>, base = app.url) =>
    fetch(`${base}/api/deploy?dry=1`, { method: 'POST', headers });
  const goodProof = (key = alice, htu = `${ORIGIN}/api/deploy`) =>
    proof(key, { htm: 'POST', htu, token: bound });

  it('lets a bound token through with a valid proof for this method and URI', async () => {
    const res = await post({ authorization: `DPoP ${bound}`, dpop: await goodProof() });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ sub: 'alice@example.com' });
  });

  it('derives the URI from the Host header when no origin is configured', async () => {
    const p = await goodProof(alice, `${hostDerived.url}/api/deploy`);
    const res = await post({ authorization: `dpop ${bound}`, dpop: p }, hostDerived.url);
    expect(res.status).toBe(200);
  });

  it('refuses the bound token presented as Bearer: 401 DPoP invalid_token', async () => {
    const variants: Array<Record<string, string>> = [
      { authorization: `Bearer ${bound}` },
      { authorization: `Bearer ${bound}`, dpop: await goodProof() },
      { authorization: `DPoP ${bound}` },
    ];
    for (const headers of variants) {
      const res = await post(headers);
      expect(res.status).toBe(401);
      expect(((await res.json()) as { error: string }).error).toBe('dpop_proof_missing');
      const challenge = res.headers.get('www-authenticate');
      expect(challenge).toMatch(/^DPoP realm="deploy-api", error="invalid_token", /);
      expect(challenge).toContain(ALGS);
    }
  });

  it("refuses the thief's own key, another URI, another method, a replay, another token's proof", async () => {
    const other = await mint(issuerKey, { claims: { cnf: { jkt: alice.jkt }, jti: 'other' } });
    const replayed = await goodProof();
    expect((await post({ authorization: `DPoP ${bound}`, dpop: replayed })).status).toBe(200);
    const cases: Array<[string, string, string]> = [
      [await goodProof(mallory), 'dpop_binding_mismatch', 'invalid_token'],
      [await goodProof(alice, `${ORIGIN}/api/other`), 'dpop_proof_invalid', 'invalid_dpop_proof'],
      [
        await goodProof(alice, 'https://evil.test/api/deploy'),
        'dpop_proof_invalid',
        'invalid_dpop_proof',
      ],
      [
        await proof(alice, { htm: 'GET', htu: `${ORIGIN}/api/deploy`, token: bound }),
        'dpop_proof_invalid',
        'invalid_dpop_proof',
      ],
      [replayed, 'dpop_proof_replayed', 'invalid_dpop_proof'],
      [
        await proof(alice, { htm: 'POST', htu: `${ORIGIN}/api/deploy`, token: other }),
        'dpop_binding_mismatch',
        'invalid_token',
      ],
    ];
    for (const [dpop, code, error] of cases) {
      const res = await post({ authorization: `DPoP ${bound}`, dpop });
      expect(res.status).toBe(401);
      expect(((await res.json()) as { error: string }).error).toBe(code);
      const challenge = res.headers.get('www-authenticate') ?? '';
      expect(challenge).toContain(`DPoP realm="deploy-api", error="${error}"`);
      expect(challenge).toContain(ALGS);
    }
  });

  it('refuses two DPoP headers', async () => {
    const headers = new Headers({ authorization: `DPoP ${bound}` });
    headers.append('dpop', await goodProof());
    headers.append('dpop', await goodProof());
    const res = await fetch(`${app.url}/api/deploy`, { method: 'POST', headers });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: string }).error).toBe('dpop_proof_invalid');
  });

  it('still accepts an unbound token as Bearer', async () => {
    const res = await post({ authorization: `Bearer ${await mint(issuerKey)}` });
    expect(res.status).toBe(200);
  });
});
