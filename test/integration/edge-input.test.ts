import { SoftAuthenticator } from '@frostmint/test-support/webauthn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type InProcessStack, startInProcessStack } from '../support/in-process-stack.ts';
import { api, completeMint, enrollSoft, prepareMint } from '../support/webauthn-flow.ts';

/** Curve25519 field prime 2^255 - 19 (RFC 7748 §4.1). */
const P = 2n ** 255n - 19n;
/** An X25519 public key (little-endian u-coordinate, RFC 7748 §5) as a JWK. */
const x25519 = (u: bigint) => {
  const bytes = Buffer.alloc(32);
  for (let i = 0; i < 32; i++) bytes[i] = Number((u >> BigInt(8 * i)) & 0xffn);
  return { kty: 'OKP', crv: 'X25519', x: bytes.toString('base64url') };
};

describe('every input is checked at the edge (in-process coordinator, real signers and store)', () => {
  let stack: InProcessStack;
  let alice: SoftAuthenticator;
  const operator = () => ({ authorization: `Bearer ${stack.layout.bearer}` });
  const expectRefused = (
    answer: { status: number; body: { error?: string; message?: string } },
    field: string,
  ) => {
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({ error: 'invalid_request', message: expect.any(String) });
    expect(answer.body.message).toContain(field);
  };

  beforeAll(async () => {
    stack = await startInProcessStack();
    alice = (await enrollSoft(stack, 'alice@example.com')).auth;
  });
  afterAll(async () => {
    await stack?.dispose();
  });

  it('refuses a NUL byte in a route parameter with 400 naming it (was 500 store_query_failed)', async () => {
    expectRefused(
      await api(stack, 'POST', '/v1/enrollments/%00/renewals', undefined),
      'params.credentialId',
    );
    expectRefused(
      await api(stack, 'DELETE', '/v1/enrollments/a%00b', { reason: 'left' }, operator()),
      'params.credentialId',
    );
    expectRefused(await api(stack, 'GET', '/tap/mi%00nt/AAAAAAAAAAAAAAAAAAAAAA'), 'params.kind');
  });

  it('refuses NUL and other control characters in a revocation reason and a justification', async () => {
    expectRefused(
      await api(stack, 'DELETE', '/v1/enrollments/abc', { reason: 'stolen\u0000' }, operator()),
      'body.reason',
    );
    for (const justification of ['\u0000', 'ok\u0007', 'line\nbreak', 'c1\u0085', '\u202Eevil']) {
      expectRefused(
        await prepareMint(stack, { user: 'alice@example.com', justification }),
        'body.justification',
      );
    }
    const oneStep = await api(
      stack,
      'POST',
      '/v1/mint',
      { scope: ['deploy:prod'], audience: 'deploy-api', justification: 'fix\u0000' },
      operator(),
    );
    expectRefused(oneStep, 'body.justification');
    expectRefused(
      await prepareMint(stack, { user: 'alice@example.com', audience: 'deploy\uD800api' }),
      'body.audience',
    );
  });

  it('refuses an unusable X25519 or P-256 result key at prepare, before anything is signed', async () => {
    const p256OffCurve = {
      kty: 'EC',
      crv: 'P-256',
      x: Buffer.alloc(32, 1).toString('base64url'),
      y: Buffer.alloc(32, 2).toString('base64url'),
    };
    const orderEight =
      39382357235489614581723060781553021112529911719440698176882885853963445705823n;
    for (const key of [
      x25519(0n), // all zero (low order): the shared secret would be all zero, RFC 7748 §6.1
      x25519(1n),
      x25519(orderEight),
      x25519(P - 1n),
      x25519(P), // non-canonical encoding of 0
      { ...x25519(9n), x: `${x25519(9n).x.slice(0, 42)}B` }, // unused trailing bits set
      p256OffCurve,
    ]) {
      const prepared = await prepareMint(stack, { user: 'alice@example.com', result_key: key });
      expect(prepared.status, JSON.stringify(key)).toBe(400);
      expect(prepared.body.error).toBe('invalid_request');
      expect(prepared.body.message).toContain('result_key');
    }
    // A usable key still works: the token is sealed to it, and only then is it `minted`.
    const usable = x25519(9n);
    const prepared = await prepareMint(stack, { user: 'alice@example.com', result_key: usable });
    expect(prepared.status).toBe(201);
    const { request_id, public_key } = prepared.body;
    const tap = SoftAuthenticator.toJson(
      alice.assert(Buffer.from(public_key.challenge, 'base64url')),
    );
    const done = await completeMint(stack, request_id, tap);
    expect(done.status).toBe(200);
    expect(done.body.token).toBeUndefined();
    const status = await api(stack, 'GET', `/v1/mint/requests/${request_id}`);
    expect(status.body).toMatchObject({ status: 'minted', sealed_token: expect.any(String) });
  });

  it('seals the token before the request is minted: a key that cannot be sealed to leaves it denied, not minted', async () => {
    // A row an older coordinator (one that did not check keys at prepare) could have stored.
    const prepared = await prepareMint(stack, { user: 'alice@example.com' });
    const { request_id, public_key, claims } = prepared.body;
    await stack.coordinator.store.mintResults.create({
      requestId: request_id,
      resultKey: x25519(0n),
      createdAt: new Date(),
    });
    const tap = SoftAuthenticator.toJson(
      alice.assert(Buffer.from(public_key.challenge, 'base64url')),
    );
    const done = await completeMint(stack, request_id, tap);
    expect(done.status).toBe(400);
    expect(done.body).toEqual({ error: 'result_key_invalid', message: expect.any(String) });
    const status = await api(stack, 'GET', `/v1/mint/requests/${request_id}`);
    expect(status.body).toMatchObject({ status: 'denied', status_reason: 'result_key_invalid' });
    expect(status.body).not.toHaveProperty('sealed_token');
    const { audit } = stack.coordinator.store;
    const entries = (await audit.read(0, await audit.size())).map(
      (leaf) => JSON.parse(leaf.entryJson) as { type: string; jti?: string },
    );
    expect(entries.some((e) => e.type === 'mint' && e.jti === claims.jti)).toBe(false);
  });

  it('answers every HTTP error as {error, message}: 404, 405, 413, 414, 415, malformed JSON, bad URL', async () => {
    const raw = async (method: string, path: string, init: RequestInit = {}) => {
      const res = await fetch(`${stack.coordinatorUrl}${path}`, { method, ...init });
      return {
        status: res.status,
        allow: res.headers.get('allow'),
        body: (await res.json()) as Record<string, string>,
      };
    };
    const shaped = (code: string) => ({ error: code, message: expect.any(String) });
    expect(await raw('GET', '/no/such/route')).toMatchObject({
      status: 404,
      body: shaped('not_found'),
    });
    expect(await raw('PUT', '/v1/mint')).toMatchObject({
      status: 405,
      allow: 'POST',
      body: shaped('method_not_allowed'),
    });
    expect(await raw('PATCH', '/v1/mint/requests/AAAAAAAAAAAAAAAAAAAAAA')).toMatchObject({
      status: 405,
      body: shaped('method_not_allowed'),
    });
    // A parameter longer than any route takes (credential ids reach 1364 characters).
    expect(await raw('POST', `/v1/enrollments/${'A'.repeat(1_401)}/renewals`)).toMatchObject({
      status: 414,
      body: shaped('uri_too_long'),
    });
    const json = { 'content-type': 'application/json' };
    expect(
      await raw('POST', '/v1/mint/requests', {
        headers: json,
        body: JSON.stringify({ justification: 'x'.repeat(64 * 1024) }),
      }),
    ).toMatchObject({ status: 413, body: shaped('payload_too_large') });
    expect(
      await raw('POST', '/v1/mint/requests', {
        headers: { 'content-type': 'application/xml' },
        body: '<mint/>',
      }),
    ).toMatchObject({ status: 415, body: shaped('unsupported_media_type') });
    expect(
      await raw('POST', '/v1/mint/requests', {
        headers: { 'content-type': 'text/plain' },
        body: 'scope=deploy',
      }),
    ).toMatchObject({ status: 415, body: shaped('unsupported_media_type') });
    expect(
      await raw('POST', '/v1/mint/requests', { headers: json, body: '{"scope": [' }),
    ).toMatchObject({ status: 400, body: shaped('invalid_request') });
    expect(await raw('POST', '/v1/mint/requests', { headers: json, body: '' })).toMatchObject({
      status: 400,
      body: shaped('invalid_request'),
    });
    expect(await raw('GET', '/v1/mint/requests/%E0%A4%A')).toMatchObject({
      status: 400,
      body: shaped('invalid_request'),
    });
    for (const answer of [
      await raw('GET', '/no/such/route'),
      await raw('PUT', '/v1/mint'),
      await raw('POST', '/v1/mint/requests', { headers: json, body: '{' }),
    ]) {
      expect(Object.keys(answer.body).sort()).toEqual(['error', 'message']);
      expect(answer.body.message).not.toMatch(/\n\s+at /);
    }
  });
});
