import { readFile } from 'node:fs/promises';
import { ERROR_CODES, isErrorCode } from '@frostmint/core';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DevBearerAuthenticator } from '../../src/auth/dev-bearer.ts';
import { buildCoordinatorApp } from '../../src/http/app.ts';
import { apiDocFiles } from '../../src/http/openapi/index.ts';
import { createMetrics } from '../../src/metrics.ts';
import { SignerPool } from '../../src/signing/signer-pool.ts';

/**
 * The HTTP surface in process (`app.inject`, no sockets, milliseconds): every error the
 * framework itself raises answers exactly `{error, message}` with the status of its code,
 * and the metadata documents carry the fields their standards require.
 */
describe('coordinator HTTP surface', () => {
  const issuer = 'https://mint.example.com';
  let app: FastifyInstance;
  let pool: SignerPool;

  beforeAll(async () => {
    const log = pino({ level: 'silent' });
    pool = new SignerPool(
      [],
      { ca: '', cert: '', key: '' },
      { deadlineMs: 1000, healthIntervalMs: 60_000, log },
    );
    app = buildCoordinatorApp({
      issuer,
      log,
      pool,
      authenticator: new DevBearerAuthenticator('x'.repeat(32)),
      metrics: createMetrics(),
    });
    await app.ready();
  });
  afterAll(async () => {
    await app?.close();
    pool?.close();
  });

  /** Asserts `res` is exactly `{error, message}` with `code` and the status of its row. */
  const expectError = (
    res: { statusCode: number; body: string; headers: Record<string, unknown> },
    code: string,
  ) => {
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const body = JSON.parse(res.body) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['error', 'message']);
    expect(body.error).toBe(code);
    expect(typeof body.message).toBe('string');
    expect(isErrorCode(body.error)).toBe(true);
    expect(res.statusCode).toBe(ERROR_CODES[code as keyof typeof ERROR_CODES].status);
  };

  it('answers an unknown route 404 not_found, and a wrong method 405 with Allow', async () => {
    expectError(await app.inject({ method: 'GET', url: '/no/such/route?x=1' }), 'not_found');
    expectError(await app.inject({ method: 'DELETE', url: '/.well-known' }), 'not_found');
    const wrong = await app.inject({ method: 'GET', url: '/v1/mint' });
    expectError(wrong, 'method_not_allowed');
    expect(wrong.headers.allow).toBe('POST');
    const patch = await app.inject({ method: 'PATCH', url: '/healthz', payload: {} });
    expectError(patch, 'method_not_allowed');
    expect(String(patch.headers.allow).split(', ')).toEqual(['GET', 'HEAD']);
  });

  it('answers a malformed JSON body 400 invalid_request', async () => {
    for (const payload of ['{', '{"scope":', '[1,]', 'nul', '{"a":1}{"b":2}']) {
      const res = await app.inject({
        method: 'POST',
        url: '/v1/mint',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${'x'.repeat(32)}` },
        payload,
      });
      expectError(res, 'invalid_request');
    }
  });

  it('answers a body over 16 KiB 413 payload_too_large and a non-JSON body 415', async () => {
    const big = await app.inject({
      method: 'POST',
      url: '/v1/mint',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ pad: 'x'.repeat(17 * 1024) }),
    });
    expectError(big, 'payload_too_large');
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/xml']) {
      const res = await app.inject({
        method: 'POST',
        url: '/v1/mint',
        headers: { 'content-type': type },
        payload: 'scope=deploy',
      });
      expectError(res, 'unsupported_media_type');
    }
  });

  it('answers bad URL encoding 400 and a typed refusal with its own status', async () => {
    expectError(await app.inject({ method: 'GET', url: '/v1/%E0%A4%A' }), 'invalid_request');
    const noGroup = await app.inject({
      method: 'POST',
      url: '/v1/mint',
      headers: { authorization: `Bearer ${'x'.repeat(32)}` },
      payload: { scope: ['deploy:canary'], audience: 'deploy-api' },
    });
    expectError(noGroup, 'group_missing');
    expect(noGroup.headers['retry-after']).toBe('1');
  });

  it('serves OpenID Connect Discovery 1.0 §3 fields and RFC 8414 §2 metadata for the same issuer', async () => {
    const oidc = (await app.inject({ url: '/.well-known/openid-configuration' })).json();
    expect(oidc).toMatchObject({
      issuer,
      jwks_uri: `${issuer}/.well-known/jwks.json`,
      response_types_supported: [],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['EdDSA'],
      grant_types_supported: [],
    });
    // No OAuth endpoints are advertised: frostmint runs no RFC 6749 grant (docs/metadata.md).
    expect(oidc).not.toHaveProperty('authorization_endpoint');
    expect(oidc).not.toHaveProperty('token_endpoint');
    const rfc8414 = await app.inject({ url: '/.well-known/oauth-authorization-server' });
    expect(rfc8414.statusCode).toBe(200);
    expect(rfc8414.json()).toMatchObject({
      issuer,
      jwks_uri: oidc.jwks_uri,
      response_types_supported: [],
      grant_types_supported: [],
    });
    // RFC 8414 §2: "issuer" has no query or fragment.
    expect(new URL(rfc8414.json().issuer).search).toBe('');
    expect((await app.inject({ url: '/.well-known/jwks.json' })).json()).toEqual({ keys: [] });
  });

  it('serves the OpenAPI document, the same one docs/openapi.json holds for the example issuer', async () => {
    const served = (await app.inject({ url: '/openapi.json' })).json();
    expect(served.openapi).toBe('3.1.0');
    expect(served.servers).toEqual([{ url: issuer }]);
    const committed = JSON.parse(apiDocFiles()['docs/openapi.json']);
    expect({ ...served, servers: committed.servers }).toEqual(committed);
  });

  it('keeps docs/openapi.json and docs/errors.md fresh (npm run api:docs rewrites them)', async () => {
    for (const [path, text] of Object.entries(apiDocFiles())) {
      const onDisk = await readFile(new URL(`../../../${path}`, import.meta.url), 'utf8');
      expect(onDisk, `${path} is stale: run npm run api:docs`).toBe(text);
    }
  });
});
