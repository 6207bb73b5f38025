import { createPublicKey, verify as nodeVerify } from 'node:crypto';
import { createVerifier } from '@frostmint/sdk';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mint, startTestStack } from '../harness.ts';

const DEMO = { scope: ['deploy:canary'], audience: 'deploy-api' };

describe('threshold minting through real processes (coordinator + 3 signers, gRPC/mTLS)', () => {
  let stack: Awaited<ReturnType<typeof startTestStack>>;
  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(async () => {
    await stack?.dispose();
  });

  it('mints a 900 s EdDSA at+jwt that jose, node:crypto and the SDK all accept', async () => {
    const { status, body } = await mint(stack, DEMO);
    expect(status).toBe(200);
    expect(body.token_type).toBe('Bearer');
    expect(body.expires_in).toBe(900);
    const token = body.token!;
    const jwks = (await (await fetch(`${stack.coordinatorUrl}/.well-known/jwks.json`)).json()) as {
      keys: { kid: string; x: string; kty: string; crv: string }[];
    };
    expect(jwks.keys).toHaveLength(1);
    const header = decodeProtectedHeader(token);
    expect(header).toEqual({ alg: 'EdDSA', typ: 'at+jwt', kid: jwks.keys[0]!.kid });

    const viaJose = await jwtVerify(token, createLocalJWKSet(jwks as never), {
      issuer: stack.coordinatorUrl,
      audience: 'deploy-api',
      typ: 'at+jwt',
      algorithms: ['EdDSA'],
    });
    expect(viaJose.payload.scope).toBe('deploy:canary');
    expect(viaJose.payload.exp! - viaJose.payload.iat!).toBe(900);
    expect(viaJose.payload.jti).toBe(body.jti);
    expect((viaJose.payload.frostmint as { signers: number[] }).signers).toHaveLength(2);

    const [h, c, s] = token.split('.') as [string, string, string];
    const key = createPublicKey({ key: jwks.keys[0] as never, format: 'jwk' });
    expect(nodeVerify(null, Buffer.from(`${h}.${c}`), key, Buffer.from(s, 'base64url'))).toBe(true);

    const sdk = createVerifier({
      issuer: stack.coordinatorUrl,
      audience: 'deploy-api',
      jwksUri: `${stack.coordinatorUrl}/.well-known/jwks.json`,
    });
    const viaSdk = await sdk.verify(token, { requiredScopes: ['deploy:canary'] });
    expect(viaSdk.claims.sub).toBe('dev@localhost');
  });

  it('serves discovery and health documents', async () => {
    const discovery = (await (
      await fetch(`${stack.coordinatorUrl}/.well-known/openid-configuration`)
    ).json()) as Record<string, string>;
    expect(discovery.issuer).toBe(stack.coordinatorUrl);
    expect(discovery.jwks_uri).toBe(`${stack.coordinatorUrl}/.well-known/jwks.json`);
    expect((await fetch(`${stack.coordinatorUrl}/healthz`)).status).toBe(200);
    const ready = await fetch(`${stack.coordinatorUrl}/readyz`);
    expect(ready.status).toBe(200);
  });

  it('refuses bad requests with typed errors and mints nothing', async () => {
    const noAuth = await mint(stack, DEMO, 'not-the-credential-not-the-credential');
    expect(noAuth).toMatchObject({ status: 401, body: { error: 'unauthenticated' } });
    const tooLong = await mint(stack, { ...DEMO, ttl: 3600 });
    expect(tooLong).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
    const unknownField = await mint(stack, { ...DEMO, admin: true });
    expect(unknownField).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
    const badScope = await mint(stack, { scope: ['has space'], audience: 'x' });
    expect(badScope).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
    for (const answer of [noAuth, tooLong, unknownField, badScope]) {
      expect(answer.body.token).toBeUndefined();
      expect(JSON.stringify(answer.body)).not.toMatch(/at .*\.ts:\d+/);
    }
  });

  it('denies what policy denies, with every reason, before any signer is asked', async () => {
    const escalated = await mint(stack, {
      scope: ['deploy:prod'],
      audience: 'billing-api',
      ttl: 600,
    });
    expect(escalated).toMatchObject({ status: 403, body: { error: 'policy_denied' } });
    expect(escalated.body.message).toContain('scope_not_permitted:deploy:prod');
    expect(escalated.body.message).toContain('audience_not_allowed:billing-api');
    expect(escalated.body.token).toBeUndefined();
    const metrics = await (await fetch(`${stack.coordinatorUrl}/metrics`)).text();
    expect(metrics).toMatch(/frostmint_policy_denials_total\{reason="scope_not_permitted"\} [1-9]/);
  });

  it('lowers the default lifetime to the policy maximum, and names the policy in the token', async () => {
    const { status, body } = await mint(stack, { scope: ['read:logs'], audience: 'logs-api' });
    expect(status).toBe(200);
    expect(body.expires_in).toBe(300);
    const claims = JSON.parse(Buffer.from(body.token!.split('.')[1]!, 'base64url').toString());
    expect(claims.frostmint.policy).toMatch(/^sha256:[0-9a-f]{64}$/);
    const explicit = await mint(stack, { scope: ['read:logs'], audience: 'logs-api', ttl: 900 });
    expect(explicit).toMatchObject({ status: 403, body: { error: 'policy_denied' } });
  });

  it('mints with one signer down, and answers quorum_unavailable with two down', async () => {
    await stack.signers.get(1)!.kill();
    const withTwo = await mint(stack, DEMO);
    expect(withTwo.status).toBe(200);
    expect(
      JSON.parse(Buffer.from(withTwo.body.token!.split('.')[1]!, 'base64url').toString()).frostmint
        .signers,
    ).toEqual([2, 3]);

    await stack.signers.get(2)!.kill();
    const withOne = await mint(stack, DEMO);
    expect(withOne).toMatchObject({ status: 503, body: { error: 'quorum_unavailable' } });
    expect(withOne.body.token).toBeUndefined();

    await stack.restartSigner(1);
    await stack.restartSigner(2);
    expect((await mint(stack, DEMO)).status).toBe(200);
  });
});
