import type { AddressInfo } from 'node:net';
import express from 'express';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createVerifier,
  expressAuth,
  type FrostmintRequest,
  fastifyAuth,
  type VerifiedToken,
  type Verifier,
} from '../src/index.ts';
import { AUDIENCE, ISSUER, mint, newSigningKey, type SigningKey } from './support/tokens.ts';

declare module 'fastify' {
  interface FastifyRequest {
    frostmint?: VerifiedToken;
  }
}

const REALM = 'deploy-api';

/** A server with GET /read (any valid token) and POST /deploy (scope deploy:prod); returns its base URL. */
type StartApp = (verifier: Verifier) => Promise<{ url: string; close: () => Promise<void> }>;

const startExpress: StartApp = async (verifier) => {
  const app = express();
  const who = (req: express.Request, res: express.Response) => {
    const { claims } = (req as FrostmintRequest).frostmint!;
    res.json({ sub: claims.sub, scope: claims.scope });
  };
  app.get('/read', expressAuth(verifier, { realm: REALM }), who);
  app.post(
    '/deploy',
    expressAuth(verifier, { realm: REALM, requiredScopes: ['deploy:prod'] }),
    who,
  );
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
};

const startFastify: StartApp = async (verifier) => {
  const app = Fastify();
  app.decorateRequest('frostmint', undefined);
  const who = async (request: { frostmint?: VerifiedToken }) => ({
    sub: request.frostmint!.claims.sub,
    scope: request.frostmint!.claims.scope,
  });
  app.register(async (scoped) => {
    scoped.addHook('onRequest', fastifyAuth(verifier, { realm: REALM }));
    scoped.get('/read', who);
  });
  app.post(
    '/deploy',
    { onRequest: fastifyAuth(verifier, { realm: REALM, requiredScopes: ['deploy:prod'] }) },
    who,
  );
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return { url, close: () => app.close() };
};

let key: SigningKey;
let verifier: Verifier;
let offline: Verifier;

beforeAll(async () => {
  key = await newSigningKey();
  verifier = createVerifier({ issuer: ISSUER, audience: AUDIENCE, jwks: { keys: [key.jwk] } });
  // An issuer that cannot be reached and was never fetched from.
  offline = createVerifier({
    issuer: ISSUER,
    audience: AUDIENCE,
    jwksUri: 'http://127.0.0.1:1/jwks.json',
    onEvent: () => {},
  });
});

afterAll(() => offline.close());

describe.each([
  ['Express', startExpress],
  ['Fastify', startFastify],
])('%s middleware', (_name, start) => {
  let app: Awaited<ReturnType<StartApp>>;
  let down: Awaited<ReturnType<StartApp>>;

  beforeAll(async () => {
    app = await start(verifier);
    down = await start(offline);
  });
  afterAll(async () => {
    await app.close();
    await down.close();
  });

  const call = (path: string, authorization?: string, base = app.url) =>
    fetch(`${base}${path}`, {
      method: path === '/deploy' ? 'POST' : 'GET',
      headers: authorization === undefined ? {} : { authorization },
    });

  it('lets a valid token through and attaches the verified claims', async () => {
    const res = await call('/read', `Bearer ${await mint(key)}`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ sub: 'alice@example.com', scope: 'deploy:canary read' });
  });

  it('accepts the scheme in any case', async () => {
    const res = await call('/read', `bearer ${await mint(key)}`);
    expect(res.status).toBe(200);
  });

  it('answers 401 with a bare challenge when there is no bearer token', async () => {
    for (const authorization of [undefined, 'Basic YWxpY2U6c2VjcmV0', 'Bearerx abc']) {
      const res = await call('/read', authorization);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer realm="deploy-api"');
      expect(await res.json()).toEqual({
        error: 'token_missing',
        message: 'a Bearer or DPoP token is required',
      });
    }
  });

  it('answers 401 invalid_token for an expired token', async () => {
    const expired = await mint(key, { now: Math.floor(Date.now() / 1000) - 1000 });
    const res = await call('/read', `Bearer ${expired}`);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(
      'Bearer realm="deploy-api", error="invalid_token", error_description="token has expired (exp)"',
    );
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.json()).toEqual({
      error: 'token_expired',
      message: 'token has expired (exp)',
    });
  });

  it('answers 401 invalid_token for a malformed or wrongly typed token', async () => {
    const empty = await call('/read', 'Bearer');
    expect(empty.status).toBe(401);
    expect(empty.headers.get('www-authenticate')).toBe(
      'Bearer realm="deploy-api", error="invalid_token", error_description="the Bearer credential is not a compact JWS (base64url segments and dots only, no padding)"',
    );
    const garbage = await call('/read', 'Bearer not-a-jwt');
    expect(garbage.status).toBe(401);
    expect(garbage.headers.get('www-authenticate')).toBe(
      'Bearer realm="deploy-api", error="invalid_token", error_description="token must be 3 base64url segments separated by dots"',
    );
    const idToken = await call('/read', `Bearer ${await mint(key, { header: { typ: 'JWT' } })}`);
    expect(idToken.status).toBe(401);
    expect(idToken.headers.get('www-authenticate')).toBe(
      'Bearer realm="deploy-api", error="invalid_token", error_description="token typ is not at+jwt: not an access token (RFC 9068)"',
    );
  });

  it('answers 403 insufficient_scope naming the required scope', async () => {
    const res = await call('/deploy', `Bearer ${await mint(key)}`);
    expect(res.status).toBe(403);
    expect(res.headers.get('www-authenticate')).toBe(
      'Bearer realm="deploy-api", error="insufficient_scope", error_description="token lacks scope deploy:prod", scope="deploy:prod"',
    );
    expect(await res.json()).toEqual({
      error: 'token_scope_missing',
      message: 'token lacks scope deploy:prod',
    });

    const granted = await call(
      '/deploy',
      `Bearer ${await mint(key, { claims: { scope: 'deploy:prod' } })}`,
    );
    expect(granted.status).toBe(200);
  });

  it('answers 503 without a challenge when the keys are unavailable', async () => {
    const res = await call('/read', `Bearer ${await mint(key)}`, down.url);
    expect(res.status).toBe(503);
    expect(res.headers.get('www-authenticate')).toBeNull();
    expect(((await res.json()) as { error: string }).error).toBe('jwks_unavailable');
  });
});

describe('middleware options', () => {
  it('refuses a realm or required scope that cannot be put in a challenge', () => {
    expect(() => expressAuth(verifier, { realm: 'say "hi"' })).toThrow(TypeError);
    expect(() => fastifyAuth(verifier, { requiredScopes: ['two words'] })).toThrow(TypeError);
  });
});
